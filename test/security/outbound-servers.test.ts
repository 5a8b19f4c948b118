// Issue 18, finding 3: CalDAV and IMAP servers go through the one outbound-address policy —
// the name is resolved and every address checked, when connecting (before any password is
// sent) and again at every sync and at the socket's own lookup (DNS rebinding). A name that
// merely starts with "127." is no loopback; the plain-text rule (connection-policy.ts) stays.
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCalDav, connectImap } from '../../src/app/connect.js';
import type { AppDeps } from '../../src/app/deps.js';
import { AppError } from '../../src/app/errors.js';
import { OutboundPolicy, type Resolve } from '../../src/net/outbound-policy.js';
import { readImapConfig } from '../../src/providers/imap/config.js';
import { ImapSession } from '../../src/providers/imap/session.js';
import { listConnections } from '../../src/store/connections.js';
import type { WorkspaceRecord } from '../../src/store/workspaces.js';
import { RadicaleServer, SERVER_SETUP_MS } from '../support/caldav-server.js';
import { testConfig, testConnectors } from '../support/config.js';
import { startMailServer, type Dovecot } from '../support/imap.js';
import { makeTestApi, SECRET_KEY, type TestApi } from '../support/service.js';

const AUTHORIZED_AT = '2026-03-01T00:00:00Z';
const PUBLIC = '93.184.216.34';
const REFUSED = /refused by policy/;

/** Names as an attacker would register them; "rebind.test" is public at the first lookup only. */
function attackerDns(): Resolve {
  const table: Record<string, string[]> = {
    '127.attacker.example': ['127.0.0.1'],
    '127.0.0.1.nip.io': ['127.0.0.1'],
    'metadata.google.internal': ['169.254.169.254'],
    'router.attacker.example': ['fe80::1'],
    'half.attacker.example': [PUBLIC, '10.0.0.5'],
  };
  let rebinds = 0;
  return async (host) => {
    if (host === 'rebind.test') return [{ address: rebinds++ === 0 ? PUBLIC : '127.0.0.1', family: 4 }];
    const list = table[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

let api: TestApi;
let ws: WorkspaceRecord;
let admin = '';
let dovecot: Dovecot;
let radicale: RadicaleServer;

beforeAll(async () => {
  [dovecot, radicale] = await Promise.all([
    startMailServer({ users: { alice: 'imap-right' } }),
    RadicaleServer.start({ users: { alice: 'cal-right' } }),
  ]);
  api = await makeTestApi('sqlite');
  const a = await api.workspace('acme-cs');
  ws = a.ws;
  admin = a.admin;
  await api.call(admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
}, SERVER_SETUP_MS);
afterAll(async () => {
  await api?.close();
  await dovecot?.stop();
  await radicale?.close();
});

const deps = (outbound: OutboundPolicy): AppDeps => ({
  db: api.db,
  ws,
  now: api.clock.now(),
  actor: 'test',
  connectors: testConnectors(),
  secretKey: SECRET_KEY,
  outbound,
});

async function refusal(work: Promise<unknown>): Promise<AppError> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('connecting: the server address is checked before any password is sent', () => {
  const strict = new OutboundPolicy({ resolve: attackerDns() });
  const names = [
    '127.attacker.example',
    '127.0.0.1.nip.io',
    'metadata.google.internal',
    'router.attacker.example',
    'half.attacker.example',
  ];

  it.each(names)('IMAP over TLS to %s is refused by policy, and nothing is saved', async (host) => {
    const base = { teammate: 'alice@ourco.com', port: 993, security: 'tls' as const, user: 'alice', auth: 'password' as const };
    const err = await refusal(connectImap(deps(strict), { ...base, host, secret: 'pw', authorizedAt: new Date(AUTHORIZED_AT) }));
    expect([err.code, err.fields?.[0]?.field]).toEqual(['refused_by_policy', 'host']);
    expect(err.message).toMatch(REFUSED);
    expect(await listConnections(api.db, ws.id)).toEqual([]);
  });

  it.each(names)('CalDAV over https to %s is refused by policy with the same words, and nothing is saved', async (host) => {
    const input = {
      teammate: 'alice@ourco.com',
      url: `https://${host}/dav/`,
      user: 'alice',
      password: 'pw',
      authorizedAt: new Date(AUTHORIZED_AT),
    };
    const err = await refusal(connectCalDav(deps(strict), input));
    expect([err.code, err.fields?.[0]?.field]).toEqual(['refused_by_policy', 'url']);
    expect(err.message.replace(/^url/, 'host')).toBe(
      (await refusal(connectImap(deps(strict), { ...input, host, port: 993, security: 'tls', auth: 'password', secret: 'pw' }))).message,
    );
    expect(await listConnections(api.db, ws.id)).toEqual([]);
  });

  it('keeps the plain-text rule: plain IMAP to a name that only looks like loopback is invalid', async () => {
    const base = { teammate: 'alice@ourco.com', port: 143, security: 'plain' as const, user: 'alice', auth: 'password' as const };
    const err = await refusal(connectImap(deps(strict), { ...base, host: '127.attacker.example', secret: 'pw', authorizedAt: new Date() }));
    expect([err.code, err.fields?.[0]?.field]).toEqual(['invalid', 'security']);
  });

  it('through the API, without the operator allowing loopback: literal internal addresses are 422 refused_by_policy', async () => {
    const strictApi = await makeTestApi('sqlite', { config: testConfig({ outboundAllow: [] }) });
    try {
      const { admin: a } = await strictApi.workspace('acme-cs');
      await strictApi.call(a, 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
      const imap = (host: string, port: number) =>
        strictApi.call(a, 'POST', '/v1/connections/imap', {
          teammate: 'alice@ourco.com',
          host,
          port,
          security: host === '127.0.0.1' ? 'plain' : 'tls',
          user: 'alice',
          password: 'imap-right',
          authorizedAt: AUTHORIZED_AT,
        });
      const caldav = (url: string) =>
        strictApi.call(a, 'POST', '/v1/connections/caldav', {
          teammate: 'alice@ourco.com',
          url,
          user: 'alice',
          password: 'cal-right',
          authorizedAt: AUTHORIZED_AT,
        });
      const answers = [
        await imap('127.0.0.1', dovecot.port), // the real Dovecot: its password is not sent
        await imap('169.254.169.254', 993),
        await imap('[::ffff:7f00:1]', 993),
        await caldav(radicale.url),
        await caldav('https://169.254.169.254/'),
        await caldav('https://[fe80::1]/dav/'),
        await caldav('https://0x7f000001:8443/'),
      ];
      for (const res of answers)
        expect([res.status, res.body.error, res.body.message]).toEqual([422, 'refused_by_policy', expect.stringMatching(REFUSED)]);
      expect((await strictApi.call(a, 'GET', '/v1/connections')).body.connections).toEqual([]);
    } finally {
      await strictApi.close();
    }
  });
});

describe('syncing: the policy in force is applied again at every sync', () => {
  it('a CalDAV and an IMAP connection made while loopback was allowed stop at the next sync once it is not', async () => {
    const caldav = await api.call(admin, 'POST', '/v1/connections/caldav', {
      teammate: 'alice@ourco.com',
      url: radicale.url,
      user: 'alice',
      password: 'cal-right',
      authorizedAt: AUTHORIZED_AT,
    });
    const imap = await api.call(admin, 'POST', '/v1/connections/imap', {
      teammate: 'alice@ourco.com',
      host: dovecot.host,
      port: dovecot.port,
      security: 'plain',
      user: 'alice',
      password: 'imap-right',
      authorizedAt: AUTHORIZED_AT,
    });
    expect([caldav.status, imap.status]).toEqual([201, 201]);
    await api.queue.idle();
    const allow = api.config.outboundAllow;
    api.config.outboundAllow = []; // the operator removes loopback from TOUCHPOINT_OUTBOUND_ALLOW
    try {
      for (const id of [caldav.body.id, imap.body.id]) {
        expect((await api.call(admin, 'POST', `/v1/connections/${id}/sync`)).status).toBe(202);
        await api.queue.idle();
        const health = (await api.call(admin, 'GET', `/v1/connections/${id}`)).body;
        expect(health.lastError).toMatch(REFUSED);
        expect(health.lastError).not.toMatch(/ECONN|connect(ion)? refused|\d{4,5}\b.*closed/);
      }
    } finally {
      api.config.outboundAllow = allow;
    }
  });

  it('IMAP: a name that resolves to a public address when checked and to loopback when the socket connects is refused, and nothing connects', async () => {
    let connections = 0;
    const server: Server = createServer((s) => {
      connections++;
      s.end('* OK ready\r\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const cfg = readImapConfig({ host: 'rebind.test', port, security: 'tls', user: 'alice', auth: 'password' });
      const err = await ImapSession.open(cfg, 'pw', new OutboundPolicy({ resolve: attackerDns() })).catch((e: Error) => e);
      expect((err as Error).message).toMatch(REFUSED);
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });
});
