// An API under test, in-process: the app on a fresh database of either dialect, the
// embedded queue with the real sync job, and helpers to make workspaces and tokens.
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { apiServiceHooks } from '../../src/service/api-hooks.js';
import { InProcessQueue } from '../../src/queue/in-process.js';
import { SYNC_QUEUE, WEBHOOK_QUEUE } from '../../src/service/scheduler.js';
import { makeSyncJob } from '../../src/service/sync-job.js';
import { makeWebhookJob } from '../../src/service/webhook-job.js';
import { OutboundPolicy } from '../../src/net/outbound-policy.js';
import { createMetrics, type ServiceMetrics } from '../../src/service/metrics.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Store } from '../../src/store/db.js';
import type { Config } from '../../src/config/index.js';
import { createSecrets, deriveKey } from '../../src/secrets/secrets.js';
import { createToken, type Role } from '../../src/store/tokens.js';
import { createWorkspace, type WorkspaceRecord } from '../../src/store/workspaces.js';
import { TEST_PASSPHRASE, testConfig } from './config.js';
import { openTestStore, type Dialect } from './databases.js';

export const SECRET_KEY = deriveKey(TEST_PASSPHRASE);

export interface TestApi {
  app: FastifyInstance;
  db: Store;
  queue: InProcessQueue;
  clock: ManualClock;
  metrics: ServiceMetrics;
  /** The Config the app and its sync jobs were given (a test may change a setting in it between steps). */
  config: Config;
  close(): Promise<void>;
  workspace(slug: string, internalDomains?: string[]): Promise<{ ws: WorkspaceRecord; admin: string; csm: string }>;
  token(ws: string, role: Role, name?: string): Promise<string>;
  call(
    token: string | null,
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    // biome-ignore lint/suspicious/noExplicitAny: each test reads the response body it expects
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
}

export async function makeTestApi(
  dialect: Dialect,
  opts: { now?: Date; rateLimit?: { max: number; timeWindowMs: number }; fetch?: typeof fetch; config?: Config } = {},
): Promise<TestApi> {
  const config = opts.config ?? testConfig();
  const secrets = createSecrets(config.secretKey);
  const { db, close } = await openTestStore(dialect, 'api');
  const clock = new ManualClock(opts.now ?? new Date('2026-03-20T12:00:00Z'));
  const queue = new InProcessQueue({ retryLimit: 0, retryDelayMs: 10, maxDelayMs: 10 });
  const metrics = createMetrics({ db, queue, clock, defaultMetrics: false });
  await queue.work(SYNC_QUEUE, { concurrency: 2 }, makeSyncJob({ db, clock, metrics, connectors: { secrets, settings: config } }));
  await queue.work(
    WEBHOOK_QUEUE,
    { concurrency: 1 },
    makeWebhookJob({
      db,
      clock,
      metrics,
      secretKey: SECRET_KEY,
      // Test receivers listen on 127.0.0.1: allowed like an operator's TOUCHPOINT_OUTBOUND_ALLOW would.
      outbound: new OutboundPolicy({ allow: ['127.0.0.1/32', 'localhost'] }),
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    }),
  );
  const app = await buildApp({
    db,
    queue,
    clock,
    metrics,
    service: apiServiceHooks({ db, queue }),
    secretKey: SECRET_KEY,
    config,
    secrets,
    rateLimit: opts.rateLimit ?? { max: 10_000, timeWindowMs: 60_000 },
  });
  const api: TestApi = {
    app,
    db,
    queue,
    clock,
    metrics,
    config,
    async close() {
      await app.close();
      await queue.stop({ timeoutMs: 5000 });
      await close();
    },
    async token(ws, role, name = role) {
      return (await createToken(db, ws, { name, role }, clock.now())).token;
    },
    async workspace(slug, internalDomains = ['ourco.com']) {
      const ws = await createWorkspace(db, slug, internalDomains, clock.now());
      return { ws, admin: await api.token(ws.id, 'admin'), csm: await api.token(ws.id, 'csm') };
    },
    async call(token, method, url, body) {
      const res = await app.inject({
        method,
        url,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        ...(body !== undefined ? { payload: body as InjectOptions['payload'] } : {}),
      });
      const text = res.body;
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON (metrics, docs)
      }
      return { status: res.statusCode, body: parsed, headers: res.headers };
    },
  };
  return api;
}
