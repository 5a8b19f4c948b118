// The outbound policy refuses every non-public address in every spelling the probes
// used, allows what the operator lists, and re-checks at connect time (DNS rebinding).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboundPost } from './outbound-http.js';
import { isBlockedAddress, normaliseHost, OutboundPolicy, type Resolve } from './outbound-policy.js';

const PUBLIC = '93.184.216.34';
/** A fake DNS: names to addresses; "rebind.test" answers a public address once, then loopback. */
function fakeDns(table: Record<string, string[]>): Resolve {
  let rebinds = 0;
  return async (host) => {
    if (host === 'rebind.test') return [{ address: rebinds++ === 0 ? PUBLIC : '127.0.0.1', family: 4 }];
    const list = table[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '::',
    '::1',
    'fe80::1',
    'fe80::1%eth0',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '64:ff9b::a00:1', // NAT64 of 10.0.0.1
    '64:ff9b::127.0.0.1',
    '2002:7f00:1::', // 6to4 of 127.0.0.1
    'not-an-ip',
  ])('refuses %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(true);
  });

  it.each([PUBLIC, '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '64:ff9b::808:808', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (ip) => {
      expect(isBlockedAddress(ip)).toBe(false);
    },
  );
});

describe('normaliseHost', () => {
  it.each([
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['[::1]', '::1'],
    ['::FFFF:127.0.0.1', '::ffff:127.0.0.1'],
    ['Example.COM.', 'example.com'],
  ])('%s → %s', (raw, want) => {
    expect(normaliseHost(raw)).toBe(want);
  });
});

describe('OutboundPolicy', () => {
  const resolve = fakeDns({
    'hooks.example.com': [PUBLIC],
    'mixed.example.com': [PUBLIC, '10.0.0.5'],
    '127.attacker.example': ['198.41.0.4'],
    '127.0.0.1.nip.io': ['127.0.0.1'],
    'metadata.internal': ['169.254.169.254'],
    localhost: ['127.0.0.1', '::1'],
  });
  const strict = new OutboundPolicy({ resolve });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://0.0.0.0:8080/',
    'http://[::1]:8080/',
    'http://2130706433:8080/',
    'http://0x7f000001:8080/',
    'http://0177.0.0.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://[64:ff9b::7f00:1]/',
    'http://127.0.0.1.nip.io/',
    'http://metadata.internal/',
    'http://mixed.example.com/',
    'http://localhost:5432/',
    'https://user:pass@hooks.example.com/',
    'https://user@hooks.example.com/',
    'not a url',
  ])('refuses %s as "refused by policy"', async (url) => {
    expect(await strict.checkUrl(url)).toEqual({ allowed: false, reason: 'refused by policy' });
  });

  it('allows a public host, and says only "could not connect" for a name that does not resolve', async () => {
    expect(await strict.checkUrl('https://hooks.example.com/touchpoint')).toEqual({
      allowed: true,
      host: 'hooks.example.com',
      addresses: [PUBLIC],
    });
    // A name that merely starts with 127. is not loopback (the old regex thought so).
    expect((await strict.checkHost('127.attacker.example', 993)).allowed).toBe(true);
    expect(await strict.checkUrl('https://nx.example.com/')).toEqual({ allowed: false, reason: 'could not connect' });
    expect(await strict.checkHost('hooks.example.com', 70000)).toEqual({ allowed: false, reason: 'refused by policy' });
  });

  it("allows the operator's exact hosts and CIDRs, and nothing next to them", async () => {
    const p = new OutboundPolicy({ resolve, allow: ['127.0.0.1/32', 'localhost', '10.0.0.0/24', 'fd00::/8'] });
    expect((await p.checkUrl('http://127.0.0.1:9000/')).allowed).toBe(true);
    expect((await p.checkUrl('http://2130706433:9000/')).allowed).toBe(true); // the same address, spelled oddly
    expect((await p.checkUrl('http://localhost:9000/')).allowed).toBe(true); // the name allows its ::1 too
    expect((await p.checkUrl('http://mixed.example.com/')).allowed).toBe(true); // 10.0.0.5 is in 10.0.0.0/24
    expect((await p.checkUrl('http://[fd00::5]/')).allowed).toBe(true);
    expect((await p.checkUrl('http://127.0.0.2/')).allowed).toBe(false);
    expect((await p.checkUrl('http://[::1]/')).allowed).toBe(false);
    expect((await p.checkUrl('http://169.254.169.254/')).allowed).toBe(false);
    expect(() => new OutboundPolicy({ allow: ['10.0.0.0/99'] })).toThrow(/allow-list/);
  });
});

describe('connect-time check (lookup)', () => {
  let server: Server;
  let port = 0;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  const post = (p: OutboundPolicy, url: string) => outboundPost(p, url, { headers: {}, body: '{}', timeoutMs: 3000 });

  it('refuses a name that resolves to a public address when checked and to loopback when connecting', async () => {
    const p = new OutboundPolicy({ resolve: fakeDns({}) });
    expect(await post(p, `http://rebind.test:${port}/`)).toEqual({ ok: false, error: 'refused by policy' });
    expect(hits).toBe(0);
  });

  it('the lookup refuses on its own, as net.connect/http agents call it', async () => {
    const p = new OutboundPolicy({ resolve: fakeDns({ localhost: ['127.0.0.1'] }) });
    const err = await new Promise<Error | null>((r) => p.lookup('localhost', { all: true }, (e) => r(e)));
    expect(err?.message).toBe('refused by policy');
    const allowed = new OutboundPolicy({ resolve: fakeDns({ localhost: ['127.0.0.1'] }), allow: ['localhost'] });
    const got = await new Promise<unknown>((r) => allowed.lookup('localhost', {}, (_e, address, family) => r([address, family])));
    expect(got).toEqual(['127.0.0.1', 4]);
  });

  it('delivers to an allowed receiver, and says only "could not connect" for a closed port', async () => {
    const p = new OutboundPolicy({ allow: ['127.0.0.1/32', 'localhost'] });
    expect(await post(p, `http://localhost:${port}/`)).toEqual({ ok: true, status: 204 });
    expect(hits).toBe(1);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await post(p, `http://127.0.0.1:${closedPort}/`)).toEqual({ ok: false, error: 'could not connect' });
    // TLS to a plain-HTTP port: OpenSSL's text stays inside.
    expect(await post(p, `https://127.0.0.1:${port}/`)).toEqual({ ok: false, error: 'could not connect' });
  });
});
