// The API end to end, in-process (fastify.inject), on SQLite and PostgreSQL: workspace
// setup, teammates, accounts, end users, CSV import, blocklist, connect folder, Sync now,
// timeline, explain, search, status, hygiene, audit log and the support bundle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import { makeTestApi, type TestApi } from '../support/service.js';
import { aliceFolders, AUTHORIZED_AT } from './fixtures.js';

const refs = (changes: { ref: string }[]) => changes.map((c) => c.ref).sort();

for (const dialect of DIALECTS) {
  describe(`API flow on ${dialect}`, () => {
    let api: TestApi;
    let admin: string;
    let csm: string;
    let connectionId: string;

    beforeAll(async () => {
      api = await makeTestApi(dialect);
      ({ admin, csm } = await api.workspace('acme-cs'));
    });
    afterAll(async () => api.close());

    it('sets up the workspace, teammates, accounts and end users', async () => {
      expect((await api.call(admin, 'GET', '/v1/workspace')).body).toMatchObject({ slug: 'acme-cs', syncIntervalMinutes: 5 });
      expect((await api.call(admin, 'PATCH', '/v1/workspace', { syncIntervalMinutes: 10 })).body.syncIntervalMinutes).toBe(10);
      const t = await api.call(admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com', aliases: ['alice.w@ourco.com'], name: 'Alice' });
      expect(t.status).toBe(201);
      expect((await api.call(admin, 'POST', '/v1/teammates', { email: 'ALICE.W@ourco.com' })).status).toBe(409);
      for (const a of [
        { id: 'acme', name: 'Acme' },
        { id: 'globex', name: 'Globex' },
      ])
        expect((await api.call(admin, 'POST', '/v1/accounts', a)).status).toBe(201);
      expect((await api.call(admin, 'POST', '/v1/accounts', { id: 'acme', name: 'Again' })).status).toBe(409);
      expect((await api.call(admin, 'POST', '/v1/accounts/acme/end-users', { email: 'bob@acme.com', source: 'manual' })).status).toBe(201);
      expect(
        (
          await api.call(admin, 'POST', '/v1/accounts/acme/end-users', {
            email: 'pat@partnerco.com',
            source: 'crm:salesforce',
            externalId: 'SF-3',
          })
        ).status,
      ).toBe(201);
      expect((await api.call(admin, 'POST', '/v1/accounts/acme/end-users', { email: 'bob@acme.com' })).status).toBe(409);
      const acme = await api.call(csm, 'GET', '/v1/accounts/acme');
      expect(acme.body.endUsers.map((u: { email: string }) => u.email)).toEqual(['bob@acme.com', 'pat@partnerco.com']);
      expect((await api.call(csm, 'GET', '/v1/teammates')).body).toEqual([
        expect.objectContaining({ email: 'alice@ourco.com', aliases: ['alice.w@ourco.com'] }),
      ]);
    });

    it('connects a folder, syncs it at once, and shows its health', async () => {
      const { mail, calendar } = aliceFolders();
      const res = await api.call(admin, 'POST', '/v1/connections/folder', {
        teammate: 'alice@ourco.com',
        mail,
        calendar,
        authorizedAt: AUTHORIZED_AT,
      });
      expect(res.status).toBe(201);
      connectionId = res.body.id;
      await api.queue.idle();
      const health = await api.call(csm, 'GET', `/v1/connections/${connectionId}`);
      expect(health.body).toMatchObject({
        status: 'active',
        lastSuccessAt: '2026-03-20T12:00:00.000Z',
        lastError: null,
        authorizedAt: '2026-03-01T00:00:00.000Z',
      });
      expect(health.body.counts.email).toEqual({ seen: 5, linked: 2, upcoming: 0, skipped: { E2_HISTORIC: 1, E3_NO_END_USER: 2 } });
      expect(health.body.counts.meeting.linked).toBe(1);
      // The next sync is due within the interval (10 minutes), from the moment this one started.
      const next = Date.parse(health.body.nextSyncAt) - Date.parse('2026-03-20T12:00:00Z');
      expect(next).toBeGreaterThan(0);
      expect(next).toBeLessThanOrEqual(10 * 60_000);
      const metrics = (await api.call(null, 'GET', '/metrics')).body as string;
      expect(metrics).toContain('touchpoint_syncs_total{result="success"} 1');
      expect(metrics).toContain('touchpoint_items_seen_total{kind="email"} 5');
      expect(metrics).toContain('touchpoint_items_linked_total{kind="email"} 2');
      expect(metrics).toContain('touchpoint_items_skipped_total{kind="email",reason="E2_HISTORIC"} 1');
      expect(metrics).toContain('touchpoint_items_skipped_total{kind="email",reason="E3_NO_END_USER"} 2');
      expect(metrics).toContain('touchpoint_items_linked_total{kind="meeting"} 1');
      expect(metrics).toMatch(/touchpoint_queue_depth\{queue="sync",state="queued"\} 0/);
      expect(metrics).toMatch(/touchpoint_sync_lag_seconds 0/);
      const status = await api.call(csm, 'GET', '/v1/connections');
      expect(status.body).toMatchObject({
        workspace: 'acme-cs',
        syncIntervalMinutes: 10,
        connections: [expect.objectContaining({ id: connectionId })],
      });
    });

    it('shows timelines and explains emails and meetings', async () => {
      const tl = await api.call(csm, 'GET', '/v1/accounts/acme/timeline');
      expect(tl.body.items.map((i: { messageId?: string; uid?: string }) => i.messageId ?? i.uid).sort()).toEqual([
        'm1@acme.com',
        'm5@partnerco.com',
        'qbr-1@ourco.com',
      ]);
      // A page at a time: `next` is the cursor of the older items, absent on the last page.
      const first = await api.call(csm, 'GET', '/v1/accounts/acme/timeline?limit=2');
      expect(first.body.items).toEqual(tl.body.items.slice(0, 2));
      const rest = await api.call(csm, 'GET', `/v1/accounts/acme/timeline?limit=2&before=${first.body.next}`);
      expect(rest.body.items).toEqual(tl.body.items.slice(2));
      expect(rest.body.next).toBeUndefined();
      const bad = await api.call(csm, 'GET', '/v1/accounts/acme/timeline?before=xyz');
      expect([bad.status, bad.body.fields?.[0]?.field]).toEqual([400, 'query.before']);
      const linked = await api.call(csm, 'GET', `/v1/explain/email?messageId=${encodeURIComponent('<m1@acme.com>')}`);
      expect(linked.body).toMatchObject({
        outcome: 'linked',
        accounts: [{ id: 'acme', via: [expect.objectContaining({ email: 'bob@acme.com', field: 'from' })] }],
      });
      const historic = await api.call(csm, 'GET', '/v1/explain/email?messageId=m4@acme.com');
      expect(historic.body.outcome).toBe('not_linked');
      expect(historic.body.checks.find((c: { rule: string }) => c.rule === 'E2')).toMatchObject({ status: 'fail', code: 'E2_HISTORIC' });
      const unknown = await api.call(csm, 'GET', '/v1/explain/email?messageId=never@seen.example');
      expect(unknown.body).toMatchObject({ outcome: 'unknown', searched: [expect.objectContaining({ id: connectionId })] });
      const meeting = await api.call(csm, 'GET', '/v1/explain/meeting?uid=qbr-1@ourco.com');
      expect(meeting.body).toMatchObject({ kind: 'meeting', outcome: 'linked', occurrence: '2026-03-05T15:00:00.000Z' });
    });

    it('re-decides the past on directory changes, warns on deleting a sourced user, and honours suppression', async () => {
      const added = await api.call(admin, 'POST', '/v1/accounts/acme/end-users', { email: 'zed@prospect.example' });
      expect(refs(added.body.linked)).toEqual(['m2@prospect.example']);

      const del = await api.call(admin, 'DELETE', '/v1/accounts/acme/end-users/pat@partnerco.com');
      expect(del.status).toBe(200);
      expect(refs(del.body.unlinked)).toEqual(['m5@partnerco.com']);
      expect(del.body.warning).toMatch(/crm:salesforce.*recreate/);

      const csv =
        'account_id,email,name,external_id\nacme,pat@partnerco.com,Pat,SF-3\nglobex,carol@globex.com,Carol,SF-9\nnosuch,x@y.com,X,1\n';
      const imported = await api.call(admin, 'POST', '/v1/end-users/import', { source: 'crm:salesforce', csv });
      expect(imported.body.counts).toEqual({ created: 2, unchanged: 0, skipped_suppressed: 0, error: 1 });
      expect(refs(imported.body.linked)).toEqual(['m3@globex.com', 'm5@partnerco.com']);

      const suppressed = await api.call(admin, 'DELETE', '/v1/accounts/acme/end-users/pat@partnerco.com?suppress=true');
      expect(suppressed.body.warning).toBeUndefined();
      const again = await api.call(admin, 'POST', '/v1/end-users/import', { source: 'crm:salesforce', csv });
      expect(again.body.rows.find((r: { email: string }) => r.email === 'pat@partnerco.com')).toMatchObject({
        outcome: 'skipped_suppressed',
        line: 2,
      });

      // zed@prospect.example is an end user: one request without the domain typed again is refused.
      const oneClick = await api.call(admin, 'POST', '/v1/blocklist', { entry: 'prospect.example' });
      expect(oneClick.status).toBe(400);
      expect(oneClick.body.fields).toEqual([{ field: 'body.confirm', message: 'type "prospect.example" to confirm' }]);
      const blocked = await api.call(admin, 'POST', '/v1/blocklist', { entry: 'prospect.example', confirm: 'prospect.example' });
      expect(blocked.status).toBe(201);
      expect(refs(blocked.body.unlinked)).toEqual(['m2@prospect.example']);
      expect((await api.call(csm, 'GET', '/v1/blocklist')).body).toEqual([{ entry: 'prospect.example', kind: 'domain' }]);
      expect((await api.call(admin, 'POST', '/v1/blocklist', { entry: 'prospect.example' })).status).toBe(409);
      const unblocked = await api.call(admin, 'DELETE', '/v1/blocklist/prospect.example');
      expect(refs(unblocked.body.linked)).toEqual(['m2@prospect.example']);
      expect((await api.call(admin, 'DELETE', '/v1/blocklist/prospect.example')).status).toBe(404);

      const audit = await api.call(csm, 'GET', '/v1/audit?limit=3');
      expect(audit.body.map((a: { action: string }) => a.action)).toEqual(['blocklist.remove', 'blocklist.add', 'end_users.import']);
      expect(audit.body[0]).toMatchObject({ actor: 'api:admin', target: 'prospect.example' });
    });

    it('searches, reports directory hygiene, and exports a support bundle without secrets', async () => {
      const found = await api.call(csm, 'GET', '/v1/search?q=acme.com');
      expect(found.body.accounts).toEqual([
        expect.objectContaining({ id: 'acme', endUser: expect.objectContaining({ email: 'bob@acme.com' }) }),
      ]);
      expect(found.body.activities.map((a: { messageId?: string }) => a.messageId)).toContain('m1@acme.com');

      await api.call(admin, 'POST', '/v1/accounts/globex/end-users', { email: 'alice@ourco.com' });
      await api.call(admin, 'POST', '/v1/accounts/globex/end-users', { email: 'bob@acme.com' });
      const hygiene = await api.call(csm, 'GET', '/v1/hygiene?minAccounts=2');
      expect(hygiene.body.internalAddresses).toEqual([
        expect.objectContaining({ email: 'alice@ourco.com', accountId: 'globex', why: expect.stringMatching(/teammate/) }),
      ]);
      expect(hygiene.body.multiAccountAddresses).toEqual([{ email: 'bob@acme.com', accounts: ['acme', 'globex'] }]);
      expect(hygiene.body.sharedDomains).toEqual([expect.objectContaining({ domain: 'acme.com', accounts: ['acme', 'globex'] })]);

      const bundle = await api.call(csm, 'GET', '/v1/support-bundle?messageId=m1@acme.com');
      expect(bundle.status).toBe(200);
      expect(bundle.headers['content-disposition']).toMatch(/attachment/);
      expect(bundle.body).toMatchObject({
        explanation: { ref: 'm1@acme.com', outcome: 'linked' },
        connections: [expect.objectContaining({ id: connectionId })],
      });
      expect(bundle.body.audit.length).toBeGreaterThan(0);
      const text = JSON.stringify(bundle.body);
      for (const secret of [admin, csm, 'hash_key', 'secret', 'token']) expect(text).not.toContain(secret);
    });

    it("Sync now queues a sync (csm may), and refuses another workspace's or a missing connection", async () => {
      const res = await api.call(csm, 'POST', `/v1/connections/${connectionId}/sync`);
      expect(res).toMatchObject({ status: 202, body: { connectionId, status: 'queued' } });
      await api.queue.idle();
      expect((await api.call(csm, 'POST', '/v1/connections/00000000-0000-0000-0000-000000000000/sync')).status).toBe(404);
    });
  });
}
