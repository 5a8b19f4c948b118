// The service over real HTTP: `startService` listening on a port (fetch, not inject), and the
// CLI's `touchpoint serve` as a child process that stops cleanly on SIGTERM. Logs never
// carry a token.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceConfig } from '../../src/service/config.js';
import { testConfig } from '../support/config.js';
import { createLogger } from '../../src/service/logger.js';
import { startService, type RunningService } from '../../src/service/runtime.js';
import { createToken } from '../../src/store/tokens.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { aliceFolders, AUTHORIZED_AT } from './fixtures.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'touchpoint');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('touchpoint serve over HTTP', () => {
  let database: TestDatabase;
  let svc: RunningService;
  let token: string;
  const logs: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('sqlite', 'http');
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _enc, cb) {
          logs.push(String(chunk));
          cb();
        },
      }),
    });
    svc = await startService(
      serviceConfig(
        testConfig({ db: database.location, secretKey: undefined, service: { port: 0, host: '127.0.0.1', tickMs: 200 } }),
        'serve',
      ),
      { logger },
    );
    const ws = await createWorkspace(svc.db, 'acme-cs', ['ourco.com'], new Date());
    token = (await createToken(svc.db, ws.id, { name: 'http-test', role: 'admin' }, new Date())).token;
  });
  afterAll(async () => {
    await svc?.close();
    await database?.drop();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${svc.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };

  it('serves health, the OpenAPI document, the docs page and metrics', async () => {
    expect(await call('GET', '/healthz')).toMatchObject({ status: 200, body: { ok: true, queue: 'in-process' } });
    const doc = await call('GET', '/openapi.json');
    expect(doc.body.info.title).toBe('Touchpoint API');
    expect((await call('GET', '/docs/')).body).toContain('swagger-ui');
    const metrics = await call('GET', '/metrics');
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.body).toContain('# TYPE touchpoint_syncs_total counter');
    expect(metrics.body).toContain('touchpoint_process_cpu_seconds_total');
  });

  it('connects a folder and the scheduler syncs it; Sync now over HTTP', async () => {
    await call('POST', '/v1/teammates', { email: 'alice@ourco.com' });
    await call('POST', '/v1/accounts', { id: 'acme', name: 'Acme' });
    await call('POST', '/v1/accounts/acme/end-users', { email: 'bob@acme.com' });
    const { mail } = aliceFolders();
    const created = await call('POST', '/v1/connections/folder', { teammate: 'alice@ourco.com', mail, authorizedAt: AUTHORIZED_AT });
    expect(created.status).toBe(201);
    let health = created.body;
    for (let i = 0; i < 100 && !health.lastSuccessAt; i++) {
      await sleep(100);
      health = (await call('GET', `/v1/connections/${created.body.id}`)).body;
    }
    expect(health).toMatchObject({ status: 'active', lastError: null, counts: { email: { seen: 5, linked: 1 } } });
    expect(await call('POST', `/v1/connections/${created.body.id}/sync`)).toMatchObject({ status: 202 });
    expect((await call('GET', '/v1/accounts/acme/timeline')).body.items).toHaveLength(1);
  });

  it('logs requests and syncs as JSON lines without the token', async () => {
    const all = logs.join('');
    expect(all).toContain('"msg":"sync finished"');
    expect(all).toContain('"msg":"request completed"');
    expect(all).not.toContain(token);
    expect(all).not.toContain(token.slice(3, 20));
  });
});

describe('the touchpoint serve command', () => {
  it('starts, answers, and shuts down gracefully on SIGTERM', async () => {
    const database = await createTestDatabase('sqlite', 'cli-serve');
    const child = spawn(process.execPath, [BIN, '--db', database.location, 'serve', '--port', '0'], {
      env: { ...process.env, TOUCHPOINT_LOG_LEVEL: 'warn' },
    });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    for (let i = 0; i < 600 && !/listening on (http:\S+)/.test(err); i++) await sleep(100);
    const url = /listening on (http:\S+)/.exec(err)?.[1];
    expect(url, err).toBeDefined();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(err).toContain('SIGTERM, finishing running syncs');
    await database.drop();
  });
});
