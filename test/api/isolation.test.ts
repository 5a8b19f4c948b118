// Tenant isolation: workspace A's token tries EVERY endpoint with workspace B's ids (and
// ids both workspaces use, like an account "shared"). Each answer is a 404 or A's own data —
// never anything of B's — and nothing of B's changes. A route missing from this table fails
// the test, so new endpoints must be added here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAccounts, listBlocklist, listEndUsers } from '../../src/store/directory.js';
import { getWebhook } from '../../src/store/webhooks.js';
import { createSource, listSources } from '../../src/store/sources.js';
import { encryptSecret } from '../../src/secrets/secrets.js';
import { getWorkspace } from '../../src/store/workspaces.js';
import { DIALECTS } from '../support/databases.js';
import { makeTestApi, SECRET_KEY, type TestApi } from '../support/service.js';
import { writeCalendar, writeMailbox } from '../support/mailbox.js';
import { join } from 'node:path';
import { workspaceFolder } from '../support/config.js';

interface Row {
  route: string; // "METHOD /template" as in the OpenAPI document
  url: string;
  body?: unknown;
  /** refused: turned away (a 3xx/4xx other than 404), e.g. a public provider callback without valid proof. */
  expect: 404 | 'own' | 'refused';
}

for (const dialect of DIALECTS) {
  describe(`tenant isolation on ${dialect}`, () => {
    let api: TestApi;
    const A = { admin: '', id: '' };
    const B = { admin: '', id: '', connection: '', tokenId: '', source: '' };
    let markers: string[];

    let bEmailId = '';
    let bAuditId = 0;
    beforeAll(async () => {
      api = await makeTestApi(dialect);
      const a = await api.workspace('acorp-cs');
      const b = await api.workspace('bcorp-cs', ['bcorp-internal.example']);
      Object.assign(A, { admin: a.admin, id: a.ws.id });
      Object.assign(B, { admin: b.admin, id: b.ws.id });
      // A: a teammate and an account "shared" (an id B uses too).
      await api.call(A.admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
      await api.call(A.admin, 'POST', '/v1/accounts', { id: 'shared', name: 'A Shared' });
      // B: everything, with recognisable markers.
      const root = workspaceFolder('bcorp-cs', 'tp-iso-');
      const mail = writeMailbox(join(root, 'mail'), [
        {
          id: 'b-msg-1@bcorp.example',
          from: 'secret-b-user@bcorp.example',
          to: 'bob-b@bcorp-internal.example',
          subject: 'B Secret Subject',
        },
      ]);
      const calendar = writeCalendar(join(root, 'cal'), [
        {
          uid: 'b-meeting@bcorp-internal.example',
          start: '20260305T150000Z',
          end: '20260305T160000Z',
          title: 'B Secret Meeting',
          organizer: 'bob-b@bcorp-internal.example',
          attendees: [{ email: 'secret-b-user@bcorp.example', partstat: 'ACCEPTED' }],
        },
      ]);
      await api.call(B.admin, 'PUT', '/v1/webhook', { url: 'http://127.0.0.1:9/b-hook', secret: 'b-webhook-secret-0123456789' });
      await api.call(B.admin, 'POST', '/v1/teammates', { email: 'bob-b@bcorp-internal.example' });
      for (const acc of [
        { id: 'bcorp', name: 'B Corp' },
        { id: 'shared', name: 'B Shared' },
      ])
        await api.call(B.admin, 'POST', '/v1/accounts', acc);
      for (const acc of ['bcorp', 'shared'])
        await api.call(B.admin, 'POST', `/v1/accounts/${acc}/end-users`, { email: 'secret-b-user@bcorp.example', source: 'crm:b' });
      bAuditId = (await api.call(B.admin, 'POST', '/v1/blocklist', { entry: 'b-blocked.example' })).body.auditId;
      const conn = await api.call(B.admin, 'POST', '/v1/connections/folder', {
        teammate: 'bob-b@bcorp-internal.example',
        mail,
        calendar,
        authorizedAt: '2026-03-01T00:00:00Z',
      });
      B.connection = conn.body.id;
      B.tokenId = (await api.call(B.admin, 'GET', '/v1/tokens')).body[0].id;
      B.source = await createSource(
        api.db,
        B.id,
        { kind: 'hubspot', settings: {}, secretEnc: encryptSecret('b-hubspot-token', SECRET_KEY), mapping: '{}' },
        api.clock.now(),
      );
      await api.queue.idle();
      const bItems = (await api.call(B.admin, 'GET', '/v1/accounts/bcorp/timeline')).body.items as { kind: string; id: string }[];
      expect(bItems).toHaveLength(2);
      bEmailId = bItems.find((i) => i.kind === 'email')!.id;
      markers = [
        B.id,
        B.connection,
        B.tokenId,
        B.source,
        'b-hubspot-token',
        'bcorp-cs',
        'secret-b-user',
        'B Secret',
        'B Shared',
        'B Corp',
        'bob-b@',
        'b-blocked',
        'b-hook',
        'b-webhook-secret',
        'bcorp.example',
      ];
    });
    afterAll(async () => api.close());

    it("answers every endpoint with 404 or A's own data, never B's, and changes nothing of B's", async () => {
      const rows: Row[] = [
        { route: 'GET /healthz', url: '/healthz', expect: 'own' },
        { route: 'GET /metrics', url: '/metrics', expect: 'own' },
        { route: 'GET /v1/workspace', url: '/v1/workspace', expect: 'own' },
        { route: 'PATCH /v1/workspace', url: '/v1/workspace', body: { syncIntervalMinutes: 7 }, expect: 'own' },
        { route: 'GET /v1/workspace/export', url: '/v1/workspace/export', expect: 'own' },
        { route: 'DELETE /v1/workspace', url: '/v1/workspace?confirm=bcorp-cs', expect: 'refused' },
        { route: 'GET /v1/tokens', url: '/v1/tokens', expect: 'own' },
        { route: 'POST /v1/tokens', url: '/v1/tokens', body: { name: 'a2', role: 'csm' }, expect: 'own' },
        { route: 'DELETE /v1/tokens/{tokenId}', url: `/v1/tokens/${B.tokenId}`, expect: 404 },
        { route: 'GET /v1/teammates', url: '/v1/teammates', expect: 'own' },
        { route: 'POST /v1/teammates', url: '/v1/teammates', body: { email: 'carol@ourco.com' }, expect: 'own' },
        { route: 'GET /v1/accounts', url: '/v1/accounts', expect: 'own' },
        { route: 'POST /v1/accounts', url: '/v1/accounts', body: { id: 'a-new', name: 'A New' }, expect: 'own' },
        { route: 'GET /v1/accounts/{accountId}', url: '/v1/accounts/bcorp', expect: 404 },
        { route: 'GET /v1/accounts/{accountId}', url: '/v1/accounts/shared', expect: 'own' },
        { route: 'GET /v1/accounts/{accountId}/timeline', url: '/v1/accounts/bcorp/timeline', expect: 404 },
        { route: 'GET /v1/accounts/{accountId}/timeline', url: '/v1/accounts/shared/timeline', expect: 'own' },
        { route: 'GET /v1/accounts/{accountId}/end-users', url: '/v1/accounts/bcorp/end-users', expect: 404 },
        { route: 'GET /v1/accounts/{accountId}/end-users', url: '/v1/accounts/shared/end-users', expect: 'own' },
        {
          route: 'POST /v1/accounts/{accountId}/end-users',
          url: '/v1/accounts/bcorp/end-users',
          body: { email: 'x@a.example' },
          expect: 404,
        },
        {
          route: 'DELETE /v1/accounts/{accountId}/end-users/{email}',
          url: '/v1/accounts/bcorp/end-users/secret-b-user@bcorp.example',
          expect: 404,
        },
        {
          route: 'DELETE /v1/accounts/{accountId}/end-users/{email}',
          url: '/v1/accounts/shared/end-users/secret-b-user@bcorp.example?suppress=true',
          expect: 404,
        },
        {
          route: 'POST /v1/end-users/import',
          url: '/v1/end-users/import',
          body: { csv: 'account_id,email\nbcorp,new@a.example\nshared,new@a.example\n' },
          expect: 'own',
        },
        { route: 'GET /v1/blocklist', url: '/v1/blocklist', expect: 'own' },
        { route: 'DELETE /v1/blocklist/{entry}', url: '/v1/blocklist/b-blocked.example', expect: 404 },
        { route: 'POST /v1/blocklist', url: '/v1/blocklist', body: { entry: 'a-blocked.example' }, expect: 'own' },
        { route: 'GET /v1/connections', url: '/v1/connections', expect: 'own' },
        { route: 'GET /v1/connections/{connectionId}', url: `/v1/connections/${B.connection}`, expect: 404 },
        {
          route: 'POST /v1/connections/folder',
          url: '/v1/connections/folder',
          body: { teammate: 'bob-b@bcorp-internal.example', mail: workspaceFolder('acorp-cs'), authorizedAt: '2026-03-01T00:00:00Z' },
          expect: 404,
        },
        {
          route: 'POST /v1/connections/imap',
          url: '/v1/connections/imap',
          body: {
            teammate: 'bob-b@bcorp-internal.example',
            host: '127.0.0.1',
            port: 9,
            security: 'plain',
            user: 'b',
            password: 'p',
            authorizedAt: '2026-03-01T00:00:00Z',
          },
          expect: 404,
        },
        {
          route: 'POST /v1/connections/caldav',
          url: '/v1/connections/caldav',
          body: {
            teammate: 'bob-b@bcorp-internal.example',
            url: 'http://127.0.0.1:9/',
            user: 'b',
            password: 'p',
            authorizedAt: '2026-03-01T00:00:00Z',
          },
          expect: 404,
        },
        { route: 'POST /v1/internal-domains', url: '/v1/internal-domains', body: { domain: 'a-internal.example' }, expect: 'own' },
        { route: 'DELETE /v1/internal-domains/{domain}', url: '/v1/internal-domains/bcorp-internal.example', expect: 404 },
        { route: 'POST /v1/connections/{connectionId}/sync', url: `/v1/connections/${B.connection}/sync`, expect: 404 },
        {
          route: 'PATCH /v1/connections/{connectionId}/folders',
          url: `/v1/connections/${B.connection}/folders`,
          body: { include: [], exclude: ['Junk'] },
          expect: 404,
        },
        { route: 'POST /v1/connections/{connectionId}/disconnect', url: `/v1/connections/${B.connection}/disconnect`, expect: 404 },
        {
          route: 'POST /v1/connections/{connectionId}/reauthorize',
          url: `/v1/connections/${B.connection}/reauthorize`,
          body: {},
          expect: 404,
        },
        { route: 'GET /v1/emails/{emailId}', url: `/v1/emails/${bEmailId}`, expect: 404 },
        { route: 'GET /v1/explain/email', url: '/v1/explain/email?messageId=b-msg-1@bcorp.example', expect: 'own' },
        { route: 'GET /v1/explain/meeting', url: '/v1/explain/meeting?uid=b-meeting@bcorp-internal.example', expect: 'own' },
        { route: 'GET /v1/search', url: '/v1/search?q=secret-b-user', expect: 'own' },
        { route: 'GET /v1/find/email', url: '/v1/find/email?from=secret-b-user@bcorp.example', expect: 'own' },
        { route: 'GET /v1/find/email', url: '/v1/find/email?subject=Secret&on=2026-03-05', expect: 'own' },
        { route: 'GET /v1/find/meeting', url: '/v1/find/meeting?attendee=secret-b-user@bcorp.example', expect: 'own' },
        { route: 'GET /v1/find/meeting', url: '/v1/find/meeting?title=Secret', expect: 'own' },
        { route: 'GET /v1/hygiene', url: '/v1/hygiene?minAccounts=2', expect: 'own' },
        { route: 'GET /v1/support-bundle', url: '/v1/support-bundle?messageId=b-msg-1@bcorp.example', expect: 'own' },
        { route: 'GET /v1/support-bundle', url: '/v1/support-bundle?uid=b-meeting@bcorp-internal.example', expect: 'own' },
        { route: 'GET /v1/audit', url: '/v1/audit', expect: 'own' },
        { route: 'POST /v1/audit/{id}/undo', url: `/v1/audit/${bAuditId}/undo`, expect: 404 },
        { route: 'POST /v1/preview', url: '/v1/preview', body: { kind: 'blocklist', entry: 'bcorp.example' }, expect: 'own' },
        {
          route: 'POST /v1/preview',
          url: '/v1/preview',
          body: { kind: 'delete_end_user', accountId: 'bcorp', email: 'secret-b-user@bcorp.example' },
          expect: 404,
        },
        { route: 'POST /v1/preview', url: '/v1/preview', body: { kind: 'disconnect', connectionId: B.connection }, expect: 404 },
        { route: 'PATCH /v1/accounts/{accountId}', url: '/v1/accounts/bcorp', body: { name: 'Taken' }, expect: 404 },
        {
          route: 'PATCH /v1/accounts/{accountId}/end-users/{email}',
          url: '/v1/accounts/bcorp/end-users/secret-b-user@bcorp.example',
          body: { name: 'Taken' },
          expect: 404,
        },
        { route: 'GET /v1/webhook', url: '/v1/webhook', expect: 404 },
        { route: 'DELETE /v1/webhook', url: '/v1/webhook', expect: 404 },
        { route: 'PUT /v1/webhook', url: '/v1/webhook', body: { url: 'http://127.0.0.1:9/a-hook' }, expect: 'own' },
        { route: 'GET /v1/webhook/deliveries', url: '/v1/webhook/deliveries', expect: 'own' },
        { route: 'GET /v1/sources', url: '/v1/sources', expect: 'own' },
        { route: 'GET /v1/alerts', url: '/v1/alerts', expect: 'own' },
        {
          route: 'PUT /v1/alerts/digest',
          url: '/v1/alerts/digest',
          body: { address: 'admin-a@a-internal.example', daily: true },
          expect: 'own',
        },
        { route: 'GET /v1/account-summaries', url: '/v1/account-summaries?q=bcorp', expect: 'own' },
        { route: 'GET /v1/connections/{connectionId}/skipped', url: `/v1/connections/${B.connection}/skipped?kind=email`, expect: 404 },
        {
          route: 'POST /v1/sources',
          url: '/v1/sources',
          body: { kind: 'hubspot', settings: { baseUrl: 'http://127.0.0.1:9' }, secret: 'a-token' },
          expect: 'own',
        },
        // Syncing every source syncs A's (connected in the row above), never B's.
        { route: 'POST /v1/sources/sync', url: '/v1/sources/sync', expect: 'own' },
        { route: 'POST /v1/sources/{sourceId}/sync', url: `/v1/sources/${B.source}/sync`, expect: 404 },
        { route: 'DELETE /v1/sources/{sourceId}', url: `/v1/sources/${B.source}?users=remove`, expect: 404 },
        // Provider sign-in and push endpoints: B's teammate is not found (cannot be granted), forged proof is turned away.
        { route: 'GET /v1/oauth/google/start', url: '/v1/oauth/google/start?teammate=bob-b@bcorp-internal.example', expect: 404 },
        { route: 'GET /oauth/google/callback', url: '/oauth/google/callback?code=forged&state=forged', expect: 'refused' },
        {
          route: 'GET /v1/oauth/microsoft/start',
          url: '/v1/oauth/microsoft/start?teammate=bob-b@bcorp-internal.example',
          expect: 404,
        },
        { route: 'GET /oauth/microsoft/callback', url: '/oauth/microsoft/callback?code=forged&state=forged', expect: 'refused' },
        { route: 'POST /push/google/gmail', url: '/push/google/gmail?token=forged', body: {}, expect: 'refused' },
        { route: 'POST /push/google/calendar', url: '/push/google/calendar', body: {}, expect: 'refused' },
        // A one-time sign-in code is redeemed by its holder only: a forged one opens no workspace.
        { route: 'POST /v1/sign-in', url: '/v1/sign-in', body: { code: 'tps_forged' }, expect: 'refused' },
      ];

      // Every route of the API is in the table.
      const doc = (await api.call(null, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
      const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
      expect(routes.filter((r) => !rows.some((row) => row.route === r))).toEqual([]);

      const before = (await api.call(B.admin, 'GET', '/v1/connections')).body;
      for (const row of rows) {
        const method = row.route.split(' ')[0] as 'GET';
        const res = await api.call(A.admin, method, row.url, row.body);
        const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
        if (row.expect === 404) {
          expect({ url: `${method} ${row.url}`, status: res.status, error: res.body?.error }).toEqual({
            url: `${method} ${row.url}`,
            status: 404,
            error: 'not_found',
          });
        } else if (row.expect === 'refused') {
          expect({ url: `${method} ${row.url}`, refused: res.status >= 300 && res.status < 500 && res.status !== 404 }).toEqual({
            url: `${method} ${row.url}`,
            refused: true,
          });
        } else {
          expect({ url: `${method} ${row.url}`, ok: res.status < 300 }).toEqual({ url: `${method} ${row.url}`, ok: true });
        }
        const leaked = markers.filter((m) => text.includes(m) && !row.url.includes(m) && !JSON.stringify(row.body ?? '').includes(m));
        expect({ url: `${method} ${row.url}`, leaked }).toEqual({ url: `${method} ${row.url}`, leaked: [] });
      }

      // B is untouched: settings, directory, webhook, connection (no sync was queued for it).
      expect((await getWorkspace(api.db, B.id))?.syncIntervalMinutes).toBe(5);
      expect((await listAccounts(api.db, B.id)).map((a) => a.name)).toEqual(['B Corp', 'B Shared']);
      expect(await listEndUsers(api.db, B.id)).toHaveLength(2);
      expect(await listBlocklist(api.db, B.id)).toEqual([{ entry: 'b-blocked.example', kind: 'domain' }]);
      expect((await getWebhook(api.db, B.id))?.url).toBe('http://127.0.0.1:9/b-hook');
      expect((await api.call(B.admin, 'GET', '/v1/connections')).body).toEqual(before);
      expect((await api.call(B.admin, 'GET', '/v1/tokens')).body[0].revokedAt).toBeNull();
      expect((await listSources(api.db, B.id)).map((x) => x.id)).toEqual([B.source]);
    });

    it("B's token sees B's data (the markers are real)", async () => {
      const res = await api.call(B.admin, 'GET', '/v1/support-bundle?messageId=b-msg-1@bcorp.example');
      expect(JSON.stringify(res.body)).toContain('secret-b-user');
      const found = await api.call(B.admin, 'GET', '/v1/find/email?from=secret-b-user@bcorp.example');
      expect(found.body.candidates.map((c: { messageId: string }) => c.messageId)).toEqual(['b-msg-1@bcorp.example']);
      const meeting = await api.call(B.admin, 'GET', '/v1/find/meeting?title=secret');
      expect(meeting.body.candidates.map((c: { uid: string }) => c.uid)).toEqual(['b-meeting@bcorp-internal.example']);
    });
  });
}
