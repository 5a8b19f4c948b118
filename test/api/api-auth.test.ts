// Auth, roles, validation errors, rate limiting and the OpenAPI document (in-process).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApi, type TestApi } from '../support/service.js';

describe('API auth, roles and input', () => {
  let api: TestApi;
  let admin: string;
  let csm: string;

  beforeAll(async () => {
    api = await makeTestApi('sqlite');
    ({ admin, csm } = await api.workspace('acme-cs'));
  });
  afterAll(async () => api.close());

  it('answers 401 without a token, with an unknown one, and with a revoked one', async () => {
    expect(await api.call(null, 'GET', '/v1/workspace')).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect((await api.call('tp_not-a-real-token', 'GET', '/v1/workspace')).status).toBe(401);
    const temp = await api.call(admin, 'POST', '/v1/tokens', { name: 'temp', role: 'csm' });
    expect(temp.status).toBe(201);
    expect(temp.body.token).toMatch(/^tp_/);
    expect((await api.call(temp.body.token, 'GET', '/v1/workspace')).status).toBe(200);
    const list = await api.call(admin, 'GET', '/v1/tokens');
    expect(JSON.stringify(list.body)).not.toContain(temp.body.token);
    expect((await api.call(admin, 'DELETE', `/v1/tokens/${temp.body.id}`)).status).toBe(204);
    expect((await api.call(temp.body.token, 'GET', '/v1/workspace')).status).toBe(401);
  });

  it('lets csm tokens read and Sync now, but not change the directory or settings', async () => {
    expect((await api.call(csm, 'GET', '/v1/accounts')).status).toBe(200);
    for (const [method, url, body] of [
      ['POST', '/v1/accounts', { id: 'x', name: 'X' }],
      ['PATCH', '/v1/workspace', { syncIntervalMinutes: 10 }],
      ['POST', '/v1/blocklist', { entry: 'x.com' }],
      ['GET', '/v1/tokens', undefined],
      ['PUT', '/v1/webhook', { url: 'https://example.com/hook' }],
    ] as const) {
      expect((await api.call(csm, method, url, body)).body).toMatchObject({ error: 'forbidden' });
    }
  });

  it('names the field of every invalid input in a 400', async () => {
    const cases: [string, string, unknown, string][] = [
      ['PATCH', '/v1/workspace', { syncIntervalMinutes: 31 }, 'body.syncIntervalMinutes'],
      ['PATCH', '/v1/workspace', {}, 'body.syncIntervalMinutes'],
      ['POST', '/v1/accounts', { id: '', name: 'X' }, 'body.id'],
      ['POST', '/v1/teammates', { email: 'alice@ourco.com', aliases: ['nope'] }, 'body.aliases.0'],
      ['POST', '/v1/tokens', { name: 'x', role: 'root' }, 'body.role'],
      ['GET', '/v1/search?q=a', undefined, 'query.q'],
      ['GET', '/v1/explain/meeting?uid=x&occurrence=yesterday', undefined, 'query.occurrence'],
      ['GET', '/v1/audit?limit=0', undefined, 'query.limit'],
      ['POST', '/v1/blocklist', { entry: 'not a domain!' }, 'body.entry'],
      ['PUT', '/v1/webhook', { url: 'ftp://example.com' }, 'body.url'],
      ['GET', '/v1/support-bundle', undefined, 'query.messageId'],
    ];
    for (const [method, url, body, field] of cases) {
      const res = await api.call(admin, method as 'GET', url, body);
      expect({ url, status: res.status, error: res.body.error }).toEqual({ url, status: 400, error: 'invalid' });
      expect(res.body.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    await api.call(admin, 'POST', '/v1/accounts', { id: 'acme', name: 'Acme' });
    const bad = await api.call(admin, 'POST', '/v1/accounts/acme/end-users', { email: 'not-an-address' });
    expect(bad.body.fields).toEqual([{ field: 'body.email', message: '"not-an-address" is not an email address' }]);
  });

  it('serves an OpenAPI 3 document generated from the schemas, with a docs page', async () => {
    const doc = (await api.call(null, 'GET', '/openapi.json')).body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const ops = Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>).flatMap(
      ([path, methods]) => Object.entries(methods).map(([m, op]) => ({ path, m, op })),
    );
    expect(ops.length).toBeGreaterThanOrEqual(28);
    for (const { path, m, op } of ops) {
      if (path === '/metrics') continue;
      // A success answer: 2xx, or the 303 the sign-in callbacks send the browser back to the web app with.
      const ok = Object.keys(op.responses).find((c) => /^[23]/.test(c));
      expect({ path, m, ok: !!ok }).toEqual({ path, m, ok: true });
    }
    const addUser = doc.paths['/v1/accounts/{accountId}/end-users'].post;
    expect(addUser.requestBody.content['application/json'].schema.required).toEqual(['email']);
    const docs = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('rate-limits per token: one token spent does not limit another', async () => {
    const limitedApi = await makeTestApi('sqlite', { rateLimit: { max: 8, timeWindowMs: 60_000 } });
    const { ws } = await limitedApi.workspace('burst');
    const a = await limitedApi.token(ws.id, 'csm', 'burst-a');
    const b = await limitedApi.token(ws.id, 'csm', 'burst-b');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await limitedApi.call(a, 'GET', '/v1/accounts')).status);
    expect(statuses.slice(0, 8).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(8)).toEqual([429, 429]);
    const limited = await limitedApi.call(a, 'GET', '/v1/accounts');
    expect(limited.body).toMatchObject({ error: 'rate_limited' });
    expect((await limitedApi.call(b, 'GET', '/v1/accounts')).status).toBe(200);
    expect((await limitedApi.call(null, 'GET', '/healthz')).status).toBe(200);
    await limitedApi.close();
  });
});
