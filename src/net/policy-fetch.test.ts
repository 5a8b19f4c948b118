// The fetch handed to tsdav (CalDAV) checks every request against the outbound policy: before
// (IP literals, credentials) and when the socket connects (a name that re-resolves to loopback),
// and each redirect hop the same way.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundPolicy, OutboundRefusedError, type Resolve } from './outbound-policy.js';
import { policyFetch } from './policy-fetch.js';

const PUBLIC = '93.184.216.34';

/** "rebind.test" answers a public address at the first lookup and loopback after. */
function fakeDns(table: Record<string, string[]>): Resolve {
  let rebinds = 0;
  return async (host) => {
    if (host === 'rebind.test') return [{ address: rebinds++ === 0 ? PUBLIC : '127.0.0.1', family: 4 }];
    const list = table[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

describe('policyFetch', () => {
  let server: Server;
  let port = 0;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${body}`);
        if (req.url === '/to-metadata') res.writeHead(302, { location: 'http://169.254.169.254/latest/' }).end();
        else if (req.url === '/to-ok') res.writeHead(301, { location: '/ok' }).end();
        else res.writeHead(207, { 'content-type': 'application/xml', dav: '1' }).end(`<answer>${req.method}</answer>`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  const allowing = () => policyFetch(new OutboundPolicy({ resolve: fakeDns({ 'dav.test': ['127.0.0.1'] }), allow: ['127.0.0.1/32'] }));

  it('answers like fetch for an allowed server: status, headers, body; PROPFIND with a body', async () => {
    const res = await allowing()(`http://dav.test:${port}/cal/`, { method: 'PROPFIND', headers: { depth: '0' }, body: '<propfind/>' });
    expect([res.status, res.headers.get('dav'), await res.text()]).toEqual([207, '1', '<answer>PROPFIND</answer>']);
    expect(seen.at(-1)).toBe('PROPFIND /cal/ <propfind/>');
  });

  it('refuses a loopback server the operator did not allow, in any spelling, before connecting', async () => {
    const strict = policyFetch(new OutboundPolicy({ resolve: fakeDns({ '127.attacker.example': ['127.0.0.1'] }) }));
    const before = seen.length;
    for (const url of [
      `http://127.0.0.1:${port}/`,
      `http://2130706433:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://127.attacker.example:${port}/`,
      `http://user:pw@127.0.0.1:${port}/`,
    ])
      await expect(strict(url)).rejects.toBeInstanceOf(OutboundRefusedError);
    expect(seen.length).toBe(before);
  });

  it('refuses a name that resolves to a public address when checked and to loopback when connecting (DNS rebinding)', async () => {
    const before = seen.length;
    const f = policyFetch(new OutboundPolicy({ resolve: fakeDns({}) }));
    const err = await f(`http://rebind.test:${port}/`).catch((e: Error) => e);
    expect((err as Error).message).toBe('refused by policy');
    expect(seen.length).toBe(before);
  });

  it('follows a redirect to an allowed address, and refuses one to the metadata service', async () => {
    const ok = await allowing()(`http://dav.test:${port}/to-ok`);
    expect([ok.status, await ok.text()]).toEqual([207, '<answer>GET</answer>']);
    await expect(allowing()(`http://dav.test:${port}/to-metadata`)).rejects.toBeInstanceOf(OutboundRefusedError);
    const manual = await allowing()(`http://dav.test:${port}/to-metadata`, { redirect: 'manual' });
    expect([manual.status, manual.headers.get('location')]).toEqual([302, 'http://169.254.169.254/latest/']);
  });
});
