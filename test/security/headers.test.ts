// Issue 18, finding 8: every response — an API route, the web app's index.html, a static
// asset, a 404, an auth error, the docs page — carries the security headers, so the app
// cannot be framed and the browser runs only the app's own scripts.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { apiServiceHooks } from '../../src/service/api-hooks.js';
import { CONTENT_SECURITY_POLICY, EMAIL_FRAME_STYLE_HASH } from '../../src/api/security-headers.js';
import { emailFrameDoc } from '../../web/src/sanitize.js';
import { testConfig, testConnectors } from '../support/config.js';
import { makeTestApi, type TestApi } from '../support/service.js';

describe('security headers', () => {
  let api: TestApi;
  let app: FastifyInstance;
  let admin = '';
  beforeAll(async () => {
    api = await makeTestApi('sqlite');
    ({ admin } = await api.workspace('acme-cs'));
    const webRoot = mkdtempSync(join(tmpdir(), 'tp-headers-web-'));
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><script type="module" src="/assets/app.js"></script>');
    writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log(1)');
    app = await buildApp({
      db: api.db,
      queue: api.queue,
      clock: api.clock,
      metrics: api.metrics,
      service: apiServiceHooks({ db: api.db, queue: api.queue }),
      secretKey: null,
      config: testConfig(),
      secrets: testConnectors().secrets,
      webRoot,
    });
  });
  afterAll(async () => {
    await app?.close();
    await api?.close();
  });

  const get = (url: string, token?: string) =>
    app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it.each([
    ['an API route', '/v1/workspace', 200, true],
    ["the web app's index.html", '/', 200, false],
    ['a static asset', '/assets/app.js', 200, false],
    ['a 404', '/no/such/page', 404, false],
    ['a 401', '/v1/workspace', 401, false],
    ['the health check', '/healthz', 200, false],
  ])('%s (%s) carries them', async (_what, url, status, withToken) => {
    const res = await get(url, withToken ? admin : undefined);
    expect(res.statusCode).toBe(status);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('is strict: only its own scripts, API and styles; no framing, plugins or foreign form targets', () => {
    const directives = Object.fromEntries(
      CONTENT_SECURITY_POLICY.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    expect(directives).toMatchObject({
      'default-src': "'none'",
      'script-src': "'self'",
      'connect-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
    });
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it("allows the email frame's one inline style by its hash (the sandboxed srcdoc frame inherits this policy)", () => {
    const style = /<style>([^<]*)<\/style>/.exec(emailFrameDoc('<p>x</p>', false))?.[1] ?? '';
    expect(style).not.toBe('');
    expect(EMAIL_FRAME_STYLE_HASH).toBe(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
  });

  it("keeps the docs page's own CSP but never lets it be framed", async () => {
    const res = await get('/docs/');
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/frame-ancestors 'none'$/);
    expect(csp.match(/frame-ancestors/g)).toHaveLength(1);
    expect(res.headers['x-frame-options']).toBe('DENY');
  });
});
