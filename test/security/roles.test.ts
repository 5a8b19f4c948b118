// The role table of docs/security.md, walked route by route (issue 18 finding 4): an admin
// token may do everything in its workspace; a CSM token reads, explains, searches and asks
// for "Sync now", and — bound to its own teammate (token create --teammate) — connects,
// re-authorizes and disconnects that teammate's connections, never a colleague's. Each row
// is asked with both tokens: a refusal is 403, an allowance is anything but 403 (the request
// may still fail on its own terms: no IMAP server here, no Google app configured).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection } from '../../src/store/connections.js';
import { teammateByAddress } from '../../src/store/directory.js';
import { makeTestApi, type TestApi } from '../support/service.js';

type Allowed = 'yes' | 'no';
interface Row {
  useCase: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: () => string;
  body?: unknown;
  admin: Allowed;
  csm: Allowed;
}

let api: TestApi;
let admin: string;
/** A CSM token bound to alice. */
let csm: string;
const conn = { alice: '', bob: '', bob2: '' };
const AT = '2026-03-01T00:00:00Z';
const imap = (teammate: string) => ({
  teammate,
  host: '127.0.0.1',
  port: 1,
  security: 'plain',
  user: 'u',
  password: 'p',
  authorizedAt: AT,
});
const caldav = (teammate: string) => ({ teammate, url: 'http://127.0.0.1:1/dav/', user: 'u', password: 'p', authorizedAt: AT });

const TABLE: Row[] = [
  // Connections: a CSM only for its own teammate; a folder on the server only an admin.
  {
    useCase: 'connect IMAP, own teammate',
    method: 'POST',
    url: () => '/v1/connections/imap',
    body: imap('alice@ourco.com'),
    admin: 'yes',
    csm: 'yes',
  },
  {
    useCase: "connect IMAP, a colleague's",
    method: 'POST',
    url: () => '/v1/connections/imap',
    body: imap('bob@ourco.com'),
    admin: 'yes',
    csm: 'no',
  },
  {
    useCase: 'connect CalDAV, own teammate',
    method: 'POST',
    url: () => '/v1/connections/caldav',
    body: caldav('alice@ourco.com'),
    admin: 'yes',
    csm: 'yes',
  },
  {
    useCase: "connect CalDAV, a colleague's",
    method: 'POST',
    url: () => '/v1/connections/caldav',
    body: caldav('bob@ourco.com'),
    admin: 'yes',
    csm: 'no',
  },
  {
    useCase: 'connect a folder on the server',
    method: 'POST',
    url: () => '/v1/connections/folder',
    body: { teammate: 'alice@ourco.com', mail: '/no/such/folder', authorizedAt: AT },
    admin: 'yes',
    csm: 'no',
  },
  {
    useCase: 'connect Google, own teammate',
    method: 'GET',
    url: () => '/v1/oauth/google/start?teammate=alice@ourco.com',
    admin: 'yes',
    csm: 'yes',
  },
  {
    useCase: "connect Google, a colleague's",
    method: 'GET',
    url: () => '/v1/oauth/google/start?teammate=bob@ourco.com',
    admin: 'yes',
    csm: 'no',
  },
  {
    useCase: 'connect Microsoft, own teammate',
    method: 'GET',
    url: () => '/v1/oauth/microsoft/start?teammate=alice@ourco.com',
    admin: 'yes',
    csm: 'yes',
  },
  {
    useCase: "connect Microsoft, a colleague's",
    method: 'GET',
    url: () => '/v1/oauth/microsoft/start?teammate=bob@ourco.com',
    admin: 'yes',
    csm: 'no',
  },
  {
    useCase: 're-authorize, own',
    method: 'POST',
    url: () => `/v1/connections/${conn.alice}/reauthorize`,
    body: {},
    admin: 'yes',
    csm: 'yes',
  },
  {
    useCase: "re-authorize, a colleague's",
    method: 'POST',
    url: () => `/v1/connections/${conn.bob}/reauthorize`,
    body: {},
    admin: 'yes',
    csm: 'no',
  },
  { useCase: "sync now, a colleague's", method: 'POST', url: () => `/v1/connections/${conn.bob}/sync`, admin: 'yes', csm: 'yes' },
  { useCase: "disconnect, a colleague's", method: 'POST', url: () => `/v1/connections/${conn.bob}/disconnect`, admin: 'yes', csm: 'no' },
  { useCase: 'disconnect, own', method: 'POST', url: () => `/v1/connections/${conn.alice}/disconnect`, admin: 'yes', csm: 'yes' },
  // Tokens, the webhook, the workspace's data and settings: admins only.
  { useCase: 'list tokens', method: 'GET', url: () => '/v1/tokens', admin: 'yes', csm: 'no' },
  { useCase: 'create a token', method: 'POST', url: () => '/v1/tokens', body: { name: 'x', role: 'admin' }, admin: 'yes', csm: 'no' },
  { useCase: 'revoke a token', method: 'DELETE', url: () => '/v1/tokens/no-such-token', admin: 'yes', csm: 'no' },
  {
    useCase: 'set the webhook',
    method: 'PUT',
    url: () => '/v1/webhook',
    body: { url: 'https://hooks.example.com/in', events: ['activity.linked'], enabled: false },
    admin: 'yes',
    csm: 'no',
  },
  { useCase: 'read the webhook', method: 'GET', url: () => '/v1/webhook', admin: 'yes', csm: 'no' },
  { useCase: 'webhook deliveries', method: 'GET', url: () => '/v1/webhook/deliveries', admin: 'yes', csm: 'no' },
  { useCase: 'delete the webhook', method: 'DELETE', url: () => '/v1/webhook', admin: 'yes', csm: 'no' },
  { useCase: 'export the workspace', method: 'GET', url: () => '/v1/workspace/export', admin: 'yes', csm: 'no' },
  // A wrong confirmation: the admin gets past the role check to a 400, nothing is deleted.
  { useCase: 'delete the workspace', method: 'DELETE', url: () => '/v1/workspace?confirm=not-the-slug', admin: 'yes', csm: 'no' },
  {
    useCase: 'change the sync interval',
    method: 'PATCH',
    url: () => '/v1/workspace',
    body: { syncIntervalMinutes: 10 },
    admin: 'yes',
    csm: 'no',
  },
  // The directory: admins only.
  { useCase: 'add a teammate', method: 'POST', url: () => '/v1/teammates', body: { email: 'carol@ourco.com' }, admin: 'yes', csm: 'no' },
  { useCase: 'add an account', method: 'POST', url: () => '/v1/accounts', body: { id: 'acme', name: 'Acme' }, admin: 'yes', csm: 'no' },
  {
    useCase: 'add an end user',
    method: 'POST',
    url: () => '/v1/accounts/acme/end-users',
    body: { email: 'john@acme.com' },
    admin: 'yes',
    csm: 'no',
  },
  {
    useCase: 'import end users',
    method: 'POST',
    url: () => '/v1/end-users/import',
    body: { csv: 'email,account\n' },
    admin: 'yes',
    csm: 'no',
  },
  {
    useCase: 'blocklist an address',
    method: 'POST',
    url: () => '/v1/blocklist',
    body: { entry: 'noreply@acme.com' },
    admin: 'yes',
    csm: 'no',
  },
  {
    useCase: 'add an internal domain',
    method: 'POST',
    url: () => '/v1/internal-domains',
    body: { domain: 'ourco.eu' },
    admin: 'yes',
    csm: 'no',
  },
  { useCase: 'remove an internal domain', method: 'DELETE', url: () => '/v1/internal-domains/ourco.eu', admin: 'yes', csm: 'no' },
  // Reading: everyone in the workspace.
  { useCase: 'connections and their health', method: 'GET', url: () => '/v1/connections', admin: 'yes', csm: 'yes' },
  { useCase: 'accounts', method: 'GET', url: () => '/v1/accounts', admin: 'yes', csm: 'yes' },
  { useCase: 'the audit log', method: 'GET', url: () => '/v1/audit', admin: 'yes', csm: 'yes' },
  { useCase: 'search', method: 'GET', url: () => '/v1/search?q=acme', admin: 'yes', csm: 'yes' },
];

beforeAll(async () => {
  api = await makeTestApi('sqlite', { now: new Date('2026-03-10T12:00:00Z') });
  const w = await api.workspace('roles');
  admin = w.admin;
  for (const email of ['alice@ourco.com', 'bob@ourco.com'])
    expect((await api.call(admin, 'POST', '/v1/teammates', { email })).status).toBe(201);
  csm = (await api.call(admin, 'POST', '/v1/tokens', { name: 'alice', role: 'csm', teammate: 'alice@ourco.com' })).body.token;
  const mail = mkdtempSync(join(tmpdir(), 'tp-roles-'));
  for (const [key, who] of [
    ['alice', 'alice@ourco.com'],
    ['bob', 'bob@ourco.com'],
    ['bob2', 'bob@ourco.com'],
  ] as const) {
    const t = (await teammateByAddress(api.db, w.ws.id, who))!;
    conn[key] = await createConnection(
      api.db,
      w.ws.id,
      { teammateId: t.id, provider: 'folder', config: { mail }, hasMail: true, hasCalendar: false, authorizedAt: api.clock.now() },
      api.clock.now(),
    );
  }
});
afterAll(async () => api?.close());

describe('the role table, route by route', () => {
  for (const row of TABLE) {
    it(`${row.useCase}: admin ${row.admin}, CSM ${row.csm}`, async () => {
      // The CSM first, so a refused CSM request cannot hide behind what the admin's changed.
      const asCsm = await api.call(csm, row.method, row.url(), row.body);
      if (row.csm === 'no') {
        expect(asCsm.status, JSON.stringify(asCsm.body)).toBe(403);
        expect(asCsm.body.error).toBe('forbidden');
      } else expect(asCsm.status, JSON.stringify(asCsm.body)).not.toBe(403);
      const asAdmin = await api.call(admin, row.method, row.url().replace(conn.alice, conn.bob2), row.body);
      expect(asAdmin.status, JSON.stringify(asAdmin.body)).not.toBe(403);
      if (row.admin === 'no') expect(asAdmin.status).toBe(403);
    });
  }

  it("the CSM's refused requests changed nothing: the audit log shows only its own connection's changes", async () => {
    const audit = (await api.call(admin, 'GET', '/v1/audit?limit=1000')).body as { actor: string; action: string; target: string }[];
    const byCsm = audit.filter((e) => e.actor === 'api:alice' && e.action !== 'connection.sync_now');
    expect(byCsm.map((e) => `${e.action} ${e.target}`).sort()).toEqual([
      `connection.disconnect ${conn.alice}`,
      `connection.reauthorize ${conn.alice}`,
    ]);
  });

  it('a CSM token not bound to a teammate connects nobody, and says how to get one that may', async () => {
    const unbound = await api.token((await api.call(admin, 'GET', '/v1/workspace')).body.id, 'csm', 'unbound');
    const res = await api.call(unbound, 'POST', `/v1/connections/${conn.alice}/reauthorize`, {});
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/token create --teammate/);
  });
});
