// Issue 18, finding 2: a webhook URL that points inside the server's network (loopback in any
// spelling, the metadata service, unique-local, multicast, an IPv4-mapped IPv6 address) or
// carries credentials is refused when it is saved, with one answer that names the field and
// says "refused by policy" — unless the operator allowed the host. Nothing is saved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../support/config.js';
import { makeTestApi, type TestApi } from '../support/service.js';

const SECRET = 'whsec-test-0123456789abcdef';

const REFUSED_TARGETS = [
  'http://169.254.169.254/latest/meta-data/',
  'http://0.0.0.0:8080/hook',
  'http://[::1]:8080/hook',
  'http://2130706433:8080/hook',
  'http://0x7f000001:8080/hook',
  'http://0177.0.0.1:8080/hook',
  'http://127.1/hook',
  'http://localhost:8080/hook', // a name that resolves to loopback
  'http://[::ffff:127.0.0.1]/hook',
  'http://[::ffff:a9fe:a9fe]/hook', // 169.254.169.254, IPv4-mapped in hex
  'http://[fd12:3456::1]/hook', // unique-local
  'http://224.0.0.1/hook', // multicast
  'http://[ff02::1]/hook',
  'http://10.0.0.7/hook',
  'https://user:secret@hooks.example.com/x', // credentials in the URL
];

describe('webhook URLs are checked against the outbound policy when saved', () => {
  let strict: TestApi;
  let allowing: TestApi;
  let admin = '';
  let allowingAdmin = '';
  beforeAll(async () => {
    strict = await makeTestApi('sqlite', { config: testConfig({ outboundAllow: [] }) });
    ({ admin } = await strict.workspace('acme-cs'));
    allowing = await makeTestApi('sqlite', { config: testConfig({ outboundAllow: ['127.0.0.1/32'] }) });
    ({ admin: allowingAdmin } = await allowing.workspace('acme-cs'));
  });
  afterAll(async () => {
    await strict?.close();
    await allowing?.close();
  });

  it.each(REFUSED_TARGETS)('refuses %s with "refused by policy" on body.url, and saves nothing', async (url) => {
    const res = await strict.call(admin, 'PUT', '/v1/webhook', { url, secret: SECRET });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('refused_by_policy');
    expect(res.body.message).toMatch(/^body\.url: refused by policy/);
    expect(res.body.fields).toEqual([{ field: 'body.url', message: expect.stringMatching(/^refused by policy/) }]);
    expect((await strict.call(admin, 'GET', '/v1/webhook')).status).toBe(404);
  });

  it('answers a name that does not resolve with the same words as a refused address (no DNS oracle)', async () => {
    const gone = await strict.call(admin, 'PUT', '/v1/webhook', { url: 'https://no-such-host.invalid/hook', secret: SECRET });
    const internal = await strict.call(admin, 'PUT', '/v1/webhook', { url: 'http://localhost/hook', secret: SECRET });
    expect(gone.status).toBe(422);
    expect(gone.body).toEqual(internal.body);
  });

  it('accepts an address the operator allowed (TOUCHPOINT_OUTBOUND_ALLOW), in any spelling, and still refuses the rest', async () => {
    for (const url of ['http://127.0.0.1:9/hook', 'http://2130706433:9/hook', 'http://0x7f000001:9/hook']) {
      const res = await allowing.call(allowingAdmin, 'PUT', '/v1/webhook', { url, secret: SECRET });
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
    }
    expect((await allowing.call(allowingAdmin, 'GET', '/v1/webhook')).body.url).toBe('http://0x7f000001:9/hook');
    const metadata = await allowing.call(allowingAdmin, 'PUT', '/v1/webhook', { url: 'http://169.254.169.254/', secret: SECRET });
    expect(metadata.body.error).toBe('refused_by_policy');
    expect((await allowing.call(allowingAdmin, 'GET', '/v1/webhook')).body.url).toBe('http://0x7f000001:9/hook');
  });
});
