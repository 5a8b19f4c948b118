// Issue 18, finding 7: secrets in URLs never reach the request log. The API runs with a real
// pino logger at info level writing to a buffer; every push route and OAuth callback (and a
// 404) is hit with secrets in the query, and the buffer is searched for them.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { apiServiceHooks } from '../../src/service/api-hooks.js';
import { createLogger, redactUrl } from '../../src/service/logger.js';
import { testConfig, testConnectors } from '../support/config.js';
import { makeTestApi, type TestApi } from '../support/service.js';

const SECRETS = {
  gmailPush: 'gmail-push-secret-7d1f',
  googleCode: '4/0AeanS-google-code-9a8b',
  googleState: 'sealed-google-state-c3d4',
  msCode: 'M.R3_BAY.ms-code-e5f6',
  msState: 'sealed-ms-state-a7b8',
  validationToken: 'graph-validation-token-1234',
  clientState: 'graph-client-state-5678',
  apiKey: 'api-key-value-9999',
  password: 'hunter2-password-0000',
  notFound: 'secret-in-a-404-url-4242',
};

describe('request logs', () => {
  let api: TestApi;
  let app: FastifyInstance;
  let logs = '';
  beforeAll(async () => {
    api = await makeTestApi('sqlite');
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination: sink });
    app = await buildApp({
      db: api.db,
      queue: api.queue,
      clock: api.clock,
      metrics: api.metrics,
      service: apiServiceHooks({ db: api.db, queue: api.queue }),
      secretKey: null,
      config: testConfig(),
      secrets: testConnectors().secrets,
      webRoot: false,
      logger,
    });
  });
  afterAll(async () => {
    await app?.close();
    await api?.close();
  });

  it('mask secret query parameters on every push route and OAuth callback', async () => {
    const s = SECRETS;
    const requests: { method: 'GET' | 'POST'; url: string; headers?: Record<string, string> }[] = [
      { method: 'POST', url: `/push/google/gmail?token=${s.gmailPush}` },
      {
        method: 'POST',
        url: `/push/google/calendar?token=${s.gmailPush}`,
        headers: { 'x-goog-channel-id': 'c1', 'x-goog-resource-state': 'exists' },
      },
      { method: 'POST', url: `/push/microsoft/ws1/conn1?validationToken=${s.validationToken}` },
      { method: 'POST', url: `/push/microsoft/ws1/conn1?clientState=${s.clientState}` },
      { method: 'GET', url: `/oauth/google/callback?code=${encodeURIComponent(s.googleCode)}&state=${s.googleState}&scope=gmail` },
      { method: 'GET', url: `/oauth/microsoft/callback?code=${s.msCode}&state=${s.msState}&session_state=x` },
      { method: 'GET', url: `/v1/workspace?api_key=${s.apiKey}&Password=${s.password}` },
      { method: 'GET', url: `/no/such/route?secret=${s.notFound}` },
    ];
    for (const r of requests)
      await app.inject({
        ...r,
        headers: { 'content-type': 'application/json', ...r.headers },
        payload: r.method === 'POST' ? '{}' : undefined,
      });
    await new Promise((r) => setImmediate(r));

    // The log did record these requests — with the secrets masked, and nothing else lost.
    expect(logs).toContain('"url":"/push/google/gmail?token=[redacted]"');
    expect(logs).toContain('"url":"/oauth/google/callback?code=[redacted]&state=[redacted]&scope=gmail"');
    expect(logs).toContain('"url":"/push/microsoft/ws1/conn1?validationToken=[redacted]"');
    for (const [name, value] of Object.entries(SECRETS)) expect(logs.includes(value), `${name} leaked into the log`).toBe(false);
    expect(logs.includes(encodeURIComponent(s.googleCode))).toBe(false);
  });

  it('redactUrl keeps paths and harmless parameters', () => {
    expect(redactUrl('/a/b')).toBe('/a/b');
    expect(redactUrl('/x?teammate=a%40b.com&products=gmail&refresh_token=r&sig=1#frag')).toBe(
      '/x?teammate=a%40b.com&products=gmail&refresh_token=[redacted]&sig=[redacted]',
    );
  });
});
