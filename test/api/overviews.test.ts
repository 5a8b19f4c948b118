// The web app's overviews over HTTP, on SQLite and PostgreSQL: accounts with their counts and
// last activity (searchable), and the items a connection skipped for one reason, each with why.
// Both are workspace-scoped: another workspace sees none of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import { makeTestApi, type TestApi } from '../support/service.js';
import { aliceFolders, AUTHORIZED_AT } from './fixtures.js';

for (const dialect of DIALECTS) {
  describe(`overviews on ${dialect}`, () => {
    let api: TestApi;
    let admin: string;
    let csm: string;
    let other: string;
    let connectionId: string;

    beforeAll(async () => {
      api = await makeTestApi(dialect);
      ({ admin, csm } = await api.workspace('acme-cs'));
      other = (await api.workspace('other-cs')).admin;
      await api.call(admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
      for (const a of [
        { id: 'acme', name: 'Acme Corp' },
        { id: 'globex', name: 'Globex' },
        { id: 'initech', name: 'Initech' },
      ])
        await api.call(admin, 'POST', '/v1/accounts', a);
      await api.call(admin, 'POST', '/v1/accounts/acme/end-users', { email: 'bob@acme.com', source: 'manual' });
      await api.call(admin, 'POST', '/v1/accounts/acme/end-users', { email: 'dora@acme.com', source: 'manual' });
      await api.call(admin, 'POST', '/v1/accounts/globex/end-users', { email: 'carol@globex.com', source: 'manual' });
      const { mail, calendar } = aliceFolders();
      const conn = await api.call(admin, 'POST', '/v1/connections/folder', {
        teammate: 'alice@ourco.com',
        mail,
        calendar,
        authorizedAt: AUTHORIZED_AT,
      });
      expect(conn.status).toBe(201);
      connectionId = conn.body.id;
      await api.queue.idle();
    });
    afterAll(async () => api.close());

    it('lists each account with its end users, logged emails and meetings and last activity', async () => {
      const res = await api.call(csm, 'GET', '/v1/account-summaries');
      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        { id: 'acme', name: 'Acme Corp', endUsers: 2, emails: 1, meetings: 1, lastActivityAt: '2026-03-05T15:00:00.000Z' },
        { id: 'globex', name: 'Globex', endUsers: 1, emails: 1, meetings: 0, lastActivityAt: expect.any(String) },
        { id: 'initech', name: 'Initech', endUsers: 0, emails: 0, meetings: 0, lastActivityAt: null },
      ]);
    });

    it('narrows the list by a part of the name or id, any case', async () => {
      const names = async (q: string) =>
        ((await api.call(csm, 'GET', `/v1/account-summaries?q=${encodeURIComponent(q)}`)).body as { name: string }[]).map((a) => a.name);
      expect(await names('GLOB')).toEqual(['Globex']);
      expect(await names('corp')).toEqual(['Acme Corp']);
      expect(await names('nothing like it')).toEqual([]);
    });

    it('lists what the connection skipped for one reason, each with why in words', async () => {
      const health = (await api.call(csm, 'GET', `/v1/connections/${connectionId}`)).body;
      const counted = health.counts.email.skipped as Record<string, number>;
      expect(counted.E3_NO_END_USER).toBe(2); // the prospect and the partner
      const res = await api.call(csm, 'GET', `/v1/connections/${connectionId}/skipped?kind=email&reason=E3_NO_END_USER`);
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(counted.E3_NO_END_USER);
      expect(res.body.items.map((i: { ref: string }) => i.ref).sort()).toEqual(['m2@prospect.example', 'm5@partnerco.com']);
      for (const item of res.body.items) {
        expect(item).toMatchObject({ kind: 'email', code: 'E3_NO_END_USER', title: null, folder: 'INBOX' });
        expect(item.why).toMatch(/^No participant (is|was) an end user/);
      }
      // Every reason: as many items as the counts say in all.
      const all = await api.call(csm, 'GET', `/v1/connections/${connectionId}/skipped?kind=email`);
      expect(all.body.total).toBe(Object.values(counted).reduce((a, b) => a + b, 0));
    });

    it('keeps each workspace to itself and answers a bad request in words', async () => {
      expect((await api.call(other, 'GET', '/v1/account-summaries')).body).toEqual([]);
      expect((await api.call(other, 'GET', `/v1/connections/${connectionId}/skipped?kind=email`)).status).toBe(404);
      const bad = await api.call(csm, 'GET', `/v1/connections/${connectionId}/skipped?kind=fax`);
      expect([bad.status, bad.body.fields?.[0]?.field]).toEqual([400, 'query.kind']);
    });
  });
}
