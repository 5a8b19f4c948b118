// Issue 18, finding 6 and 10: failed authentication is limited per client address before the
// token lookup (429 with Retry-After; authenticated requests neither count nor are limited),
// and an expired token is refused with a plain 401 while a live one records its last use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, expiryFrom, listTokens } from '../../src/store/tokens.js';
import { makeTestApi, type TestApi } from '../support/service.js';

describe('authentication hardening', () => {
  let api: TestApi;
  let admin = '';
  let wsId = '';
  beforeAll(async () => {
    api = await makeTestApi('sqlite');
    const w = await api.workspace('acme-cs');
    admin = w.admin;
    wsId = w.ws.id;
  });
  afterAll(async () => api?.close());

  const get = (ip: string, token?: string) =>
    api.app.inject({ method: 'GET', url: '/v1/workspace', remoteAddress: ip, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers 429 with Retry-After after 20 failures a minute from one address; others and good tokens are unaffected', async () => {
    for (let i = 0; i < 100; i++) expect((await get('203.0.113.1', admin)).statusCode).toBe(200); // success never counts
    for (let i = 0; i < 20; i++) expect((await get('203.0.113.2', `tp_guess${i}`)).statusCode).toBe(401);
    const limited = await get('203.0.113.2', 'tp_guess-21');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.json()).toMatchObject({ error: 'rate_limited' });
    expect((await get('203.0.113.2')).statusCode).toBe(429); // no token at all: the same
    expect((await get('203.0.113.1', admin)).statusCode).toBe(200); // another address: fine
    expect((await get('203.0.113.3', 'tp_other')).statusCode).toBe(401);
    api.clock.advance(60_000); // the window passes
    expect((await get('203.0.113.2', admin)).statusCode).toBe(200);
  });

  it('refuses an expired token with a plain 401 and records the last use of a live one', async () => {
    const { token, record } = await createToken(
      api.db,
      wsId,
      { name: 'temp', role: 'admin', expiresAt: expiryFrom('1d', api.clock.now()) },
      api.clock.now(),
    );
    expect((await get('198.51.100.7', token)).statusCode).toBe(200);
    const used = (await listTokens(api.db, wsId)).find((t) => t.id === record.id);
    expect(used?.lastUsedAt).toBe(api.clock.now().toISOString());
    api.clock.advance(86_400_000);
    const expired = await get('198.51.100.7', token);
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toEqual({
      error: 'unauthorized',
      message: 'this API token has expired; create a new one (touchpoint token create)',
    });
  });
});
