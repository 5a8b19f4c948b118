// Isolation and injection, beyond the route table of isolation.test.ts: SQL injection
// strings in every string field are stored verbatim or refused (never executed, the schema
// intact after), HTML/JS comes back as inert JSON data, tokens that are not the
// workspace's own are refused, and deleting a workspace through the API leaves the other
// one untouched. On SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sql } from 'kysely';
import { workspaceTables } from '../../src/store/workspace-data.js';
import { DIALECTS } from '../support/databases.js';
import { makeTestApi, type TestApi } from '../support/service.js';
import { writeMailbox } from '../support/mailbox.js';
import { workspaceFolder } from '../support/config.js';

const INJECTIONS = [
  "'; DROP TABLE accounts;--",
  "x' OR '1'='1",
  '"; DELETE FROM end_users; --',
  "Robert'); DROP TABLE emails;--",
  "1; UPDATE workspaces SET slug = 'pwned'",
  "' UNION SELECT token_hash FROM api_tokens --",
  "\\'; SELECT pg_sleep(10); --",
  "%' OR 1=1 --",
];
const HTML = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>', "javascript:alert('x')"];

for (const dialect of DIALECTS) {
  describe(`isolation and injection on ${dialect}`, () => {
    let api: TestApi;
    const A = { id: '', admin: '', csm: '' };
    const B = { id: '', admin: '' };
    let tablesBefore: string[] = [];

    const tableNames = async () => (await api.db.introspection.getTables()).map((t) => t.name).sort();
    const rowsOf = async (wsId: string) => {
      const out: Record<string, number> = {};
      for (const t of await workspaceTables(api.db)) {
        const where =
          t.scope === 'id'
            ? sql`id = ${wsId}`
            : t.scope === 'workspace_id'
              ? sql`workspace_id = ${wsId}`
              : sql`connection_id in (select id from connections where workspace_id = ${wsId})`;
        out[t.name] = Number(
          (await sql<{ n: number | string }>`select count(*) as n from ${sql.table(t.name)} where ${where}`.execute(api.db)).rows[0]!.n,
        );
      }
      return out;
    };

    beforeAll(async () => {
      api = await makeTestApi(dialect);
      const a = await api.workspace('acorp-inj');
      const b = await api.workspace('bcorp-inj');
      Object.assign(A, { id: a.ws.id, admin: a.admin, csm: a.csm });
      Object.assign(B, { id: b.ws.id, admin: b.admin });
      await api.call(B.admin, 'POST', '/v1/accounts', { id: 'bcorp', name: 'B Corp' });
      await api.call(B.admin, 'POST', '/v1/accounts/bcorp/end-users', { email: 'b-user@bcorp.example' });
      tablesBefore = await tableNames();
    });
    afterAll(async () => api?.close());

    it('stores SQL injection strings verbatim (or refuses them), executes none, and keeps the schema', async () => {
      const bBefore = await rowsOf(B.id);
      await api.call(A.admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
      for (const [i, inj] of INJECTIONS.entries()) {
        // As a name: stored and read back exactly.
        expect((await api.call(A.admin, 'POST', '/v1/accounts', { id: `acct-${i}`, name: inj })).status).toBe(201);
        expect((await api.call(A.admin, 'GET', `/v1/accounts/acct-${i}`)).body.account.name).toBe(inj);
        // As an id: stored verbatim, or refused with a 400 — either way a value, not SQL.
        const asId = await api.call(A.admin, 'POST', '/v1/accounts', { id: inj, name: 'Id test' });
        expect([201, 400]).toContain(asId.status);
        if (asId.status === 201)
          expect((await api.call(A.admin, 'GET', `/v1/accounts/${encodeURIComponent(inj)}`)).body.account.id).toBe(inj);
        const eu = await api.call(A.admin, 'POST', `/v1/accounts/acct-${i}/end-users`, { email: `user${i}@acme.com`, name: inj });
        expect(eu.status).toBe(201);
        expect((await api.call(A.admin, 'GET', `/v1/accounts/acct-${i}/end-users`)).body.map((u: { name: string }) => u.name)).toEqual([
          inj,
        ]);
        expect((await api.call(A.admin, 'POST', '/v1/blocklist', { entry: inj })).status).toBe(400);
        expect((await api.call(A.admin, 'POST', '/v1/teammates', { email: `t${i}@ourco.com`, name: inj })).status).toBe(201);
        const imported = await api.call(A.admin, 'POST', '/v1/end-users/import', {
          csv: `account_id,email,name\nacct-${i},csv${i}@acme.com,"${inj.replaceAll('"', '""')}"\n`,
        });
        expect(imported.body.counts.created).toBe(1);
        // In queries: answered, found nothing of another workspace.
        for (const url of [
          `/v1/search?q=${encodeURIComponent(inj)}`,
          `/v1/explain/email?messageId=${encodeURIComponent(inj)}`,
          `/v1/explain/meeting?uid=${encodeURIComponent(inj)}`,
          `/v1/find/email?subject=${encodeURIComponent(inj)}`,
          `/v1/find/meeting?title=${encodeURIComponent(inj)}`,
          `/v1/audit?limit=5`,
        ]) {
          const res = await api.call(A.admin, 'GET', url);
          expect([200, 400]).toContain(res.status);
          expect(JSON.stringify(res.body)).not.toContain('b-user@bcorp.example');
        }
      }
      expect(await tableNames()).toEqual(tablesBefore);
      expect((await api.call(A.admin, 'GET', '/v1/workspace')).body.slug).toBe('acorp-inj');
      expect((await api.call(A.admin, 'GET', '/v1/accounts')).body.length).toBeGreaterThanOrEqual(INJECTIONS.length);
      expect(await rowsOf(B.id)).toEqual(bBefore);
    });

    it('gives HTML and JavaScript back as JSON data, never as a page', async () => {
      const root = workspaceFolder('acorp-inj', 'tp-inj-');
      const mail = writeMailbox(
        join(root, 'mail'),
        HTML.map((h, i) => ({ id: `html-${i}@acme.com`, from: `user0@acme.com`, to: 'alice@ourco.com', subject: h })),
      );
      expect(
        (
          await api.call(A.admin, 'POST', '/v1/connections/folder', {
            teammate: 'alice@ourco.com',
            mail,
            authorizedAt: '2026-03-01T00:00:00Z',
          })
        ).status,
      ).toBe(201);
      await api.queue.idle();
      for (const [i, h] of HTML.entries()) await api.call(A.admin, 'POST', '/v1/accounts', { id: `html-${i}`, name: h });
      const res = await api.app.inject({
        method: 'GET',
        url: '/v1/accounts/acct-0/timeline',
        headers: { authorization: `Bearer ${A.admin}` },
      });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const subjects = (JSON.parse(res.body).items as { subject: string }[]).map((x) => x.subject).sort();
      expect(subjects).toEqual([...HTML].sort());
      const accounts = await api.app.inject({ method: 'GET', url: '/v1/accounts', headers: { authorization: `Bearer ${A.admin}` } });
      expect(accounts.headers['content-type']).toMatch(/^application\/json/);
      // JSON-escaped: the raw markup never appears unescaped in a response that a browser could render.
      expect(JSON.parse(accounts.body).map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(HTML));
      const email = (JSON.parse(res.body).items as { id: string }[])[0]!;
      const content = await api.app.inject({
        method: 'GET',
        url: `/v1/emails/${email.id}`,
        headers: { authorization: `Bearer ${A.admin}` },
      });
      expect(content.headers['content-type']).toMatch(/^application\/json/);
    });

    it('refuses tokens that are not a live token of the workspace', async () => {
      const tokens = ['', 'tp_not-a-token', `${A.admin}x`, A.admin.slice(0, -1), "' OR '1'='1", B.admin.replace(/^tp_/, '')];
      for (const t of tokens) {
        const res = await api.app.inject({ method: 'GET', url: '/v1/accounts', headers: { authorization: `Bearer ${t}` } });
        expect({ t, status: res.statusCode }).toEqual({ t, status: 401 });
      }
      // A CSM token of A cannot do admin things; B's token never sees A's data.
      expect((await api.call(A.csm, 'POST', '/v1/accounts', { id: 'csm-try', name: 'x' })).status).toBe(403);
      expect((await api.call(A.csm, 'DELETE', '/v1/workspace?confirm=acorp-inj')).status).toBe(403);
      expect((await api.call(A.csm, 'GET', '/v1/workspace/export')).status).toBe(403);
      const bExport = JSON.stringify((await api.call(B.admin, 'GET', '/v1/workspace/export')).body);
      expect(bExport).toContain('bcorp');
      for (const marker of ['acorp-inj', 'alice@ourco.com', 'acct-0', A.id]) expect(bExport).not.toContain(marker);
    });

    it('deletes the workspace of the token when confirmed with its slug, and nothing of the other', async () => {
      const bBefore = await rowsOf(B.id);
      expect((await api.call(A.admin, 'DELETE', '/v1/workspace?confirm=bcorp-inj')).status).toBe(400);
      expect((await api.call(A.admin, 'DELETE', '/v1/workspace')).status).toBe(400);
      expect(Object.values(await rowsOf(A.id)).some((n) => n > 0)).toBe(true);
      expect((await api.call(A.admin, 'DELETE', '/v1/workspace?confirm=acorp-inj')).status).toBe(204);
      expect(Object.entries(await rowsOf(A.id)).filter(([, n]) => n > 0)).toEqual([]);
      expect((await api.call(A.admin, 'GET', '/v1/accounts')).status).toBe(401);
      expect(await rowsOf(B.id)).toEqual(bBefore);
      expect((await api.call(B.admin, 'GET', '/v1/accounts')).body.map((a: { id: string }) => a.id)).toEqual(['bcorp']);
    });
  });
}
