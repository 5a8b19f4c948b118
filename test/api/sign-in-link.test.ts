// Issue 20: one-time sign-in links. A link's code is traded once (POST /v1/sign-in, public)
// for a session token of the link's role that expires; a used, expired or made-up code gets
// 401 in plain words; only an admin (or the operator) makes links; both steps are audited and
// the code itself is never stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignInLink } from '../../src/app/sign-in-links.js';
import type { WorkspaceRecord } from '../../src/store/workspaces.js';
import { DIALECTS } from '../support/databases.js';
import { makeTestApi, type TestApi } from '../support/service.js';

for (const dialect of DIALECTS)
  describe(`one-time sign-in links (${dialect})`, () => {
    let api: TestApi;
    let ws: WorkspaceRecord;
    beforeAll(async () => {
      api = await makeTestApi(dialect);
      ({ ws } = await api.workspace('acme-cs'));
      await api.call(await api.token(ws.id, 'admin'), 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
    });
    afterAll(async () => api?.close());

    const operator = () => ({ db: api.db, ws, now: api.clock.now(), actor: 'cli', origin: 'cli' });
    const redeem = (code: string) => api.call(null, 'POST', '/v1/sign-in', { code });

    it('trades the code once for an admin session token that works and expires after the session', async () => {
      const link = await createSignInLink(operator(), { name: 'Ann' });
      expect(link.code).toMatch(/^tps_[A-Za-z0-9_-]{40,}$/);
      const r = await redeem(link.code);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ role: 'admin', name: 'Ann', workspace: 'acme-cs', expiresAt: '2026-03-21T00:00:00.000Z' });
      const session = r.body.token as string;
      expect(session).toMatch(/^tp_/);
      expect((await api.call(session, 'GET', '/v1/workspace')).status).toBe(200);
      expect((await api.call(session, 'GET', '/v1/audit')).status).not.toBe(403); // an admin's

      const again = await redeem(link.code);
      expect(again.status).toBe(401);
      expect(again.body.message).toMatch(/already used .*make a new one \(touchpoint sign-in-link\)/);

      api.clock.advance(12 * 3_600_000);
      const late = await api.call(session, 'GET', '/v1/workspace');
      expect(late.status).toBe(401);
      expect(late.body.message).toMatch(/expired/);
    });

    it('refuses a code after its minutes are up, and a made-up one', async () => {
      const link = await createSignInLink(operator(), { expires: '5m' });
      api.clock.advance(5 * 60_000);
      const r = await redeem(link.code);
      expect(r.status).toBe(401);
      expect(r.body.message).toMatch(/^this sign-in link has expired/);
      expect((await redeem(`tps_${'x'.repeat(43)}`)).body.message).toMatch(/^this sign-in link is not valid/);
      expect((await redeem('tp_not-a-link')).status).toBe(401);
      expect((await redeem('')).status).toBe(400);
    });

    it('makes a CSM session bound to its teammate when asked', async () => {
      const link = await createSignInLink(operator(), { role: 'csm', teammate: 'alice@ourco.com', session: '1h' });
      const r = await redeem(link.code);
      expect(r.body).toMatchObject({ role: 'csm' });
      expect(Date.parse(r.body.expiresAt) - api.clock.now().getTime()).toBe(3_600_000);
      expect((await api.call(r.body.token, 'PATCH', '/v1/workspace', { syncIntervalMinutes: 10 })).status).toBe(403);
    });

    it('only an admin makes links; lifetimes are checked', async () => {
      await expect(createSignInLink({ ...operator(), caller: { role: 'csm', teammate: null } })).rejects.toMatchObject({
        code: 'forbidden',
      });
      await expect(createSignInLink(operator(), { expires: '2d' })).rejects.toMatchObject({
        code: 'invalid',
        fields: [{ field: 'expires' }],
      });
      await expect(createSignInLink(operator(), { session: 'soon' })).rejects.toMatchObject({
        code: 'invalid',
        fields: [{ field: 'session' }],
      });
      await expect(createSignInLink(operator(), { role: 'owner' })).rejects.toMatchObject({ code: 'invalid', fields: [{ field: 'role' }] });
    });

    it('audits making and using a link, and stores only the hash of the code', async () => {
      const link = await createSignInLink(operator(), { name: 'Bea' });
      await redeem(link.code);
      const actions = await api.db
        .selectFrom('audit_log')
        .select(['action', 'actor', 'target', 'details'])
        .where('workspace_id', '=', ws.id)
        .where('action', 'like', 'signin_link.%')
        .execute();
      expect(actions.filter((a) => a.target === 'Bea' || a.details.includes('Bea')).map((a) => [a.action, a.actor])).toEqual([
        ['signin_link.create', 'cli'],
        ['signin_link.redeem', 'sign-in link:Bea'],
      ]);
      const rows = await api.db.selectFrom('sign_in_codes').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(link.code);
      expect(JSON.stringify(actions)).not.toContain(link.code);
    });
  });
