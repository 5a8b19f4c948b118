// One service process: `serve` (HTTP API + scheduler + sync workers) or `worker` (sync
// workers only, PostgreSQL). Wires the store, the queue, the jobs and the API, and shuts
// down gracefully: stop scheduling, stop taking requests, let running syncs finish (up to
// the timeout; the queue hands unfinished jobs to other workers), close the store.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import { apiServiceHooks } from './api-hooks.js';
import { InProcessQueue } from '../queue/in-process.js';
import { PgBossQueue } from '../queue/pg-boss.js';
import { DEFAULT_RETRY, type JobQueue } from '../queue/types.js';
import type { Store } from '../store/db.js';
import { isPostgresUrl, openStore, redactUrl } from '../store/open.js';
import { createSecrets, type SecretKey } from '../secrets/secrets.js';
import { systemClock, type Clock } from '../domain/clock.js';
import type { ServiceConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type ServiceMetrics } from './metrics.js';
import { Scheduler, SYNC_QUEUE, WEBHOOK_QUEUE } from './scheduler.js';
import { makeSyncJob, type SyncJobDeps } from './sync-job.js';
import { PushSupervisor } from './push-supervisor.js';
import { makeWebhookJob } from './webhook-job.js';
import { OutboundPolicy } from '../net/outbound-policy.js';
import { sendDailyDigests, type AlertSettings } from '../app/alerts.js';
import { smtpMailer } from '../app/notify.js';
import { listWorkspaces } from '../store/workspaces.js';
import { providersInUse } from '../store/connections.js';
import { loadConnectors } from '../providers/registry.js';

export interface RunningService {
  db: Store;
  queue: JobQueue;
  metrics: ServiceMetrics;
  scheduler?: Scheduler;
  app?: FastifyInstance;
  /** http://host:port when listening. */
  url?: string;
  close(): Promise<void>;
}

export interface ServiceOverrides {
  clock?: Clock;
  logger?: Logger;
  sync?: SyncJobDeps['sync'];
}

export async function startService(cfg: ServiceConfig, o: ServiceOverrides = {}): Promise<RunningService> {
  const log = o.logger ?? createLogger({ level: cfg.logLevel });
  const clock = o.clock ?? systemClock;
  const pg = isPostgresUrl(cfg.db);
  if (cfg.role === 'worker' && !pg)
    throw new Error('touchpoint worker needs --db postgres://…: on SQLite, `touchpoint serve` runs the workers in its own process');
  const db = await openStore(cfg.db, { poolMax: cfg.concurrency + 4 });
  const queue: JobQueue = pg
    ? await new PgBossQueue({
        url: cfg.db,
        ...cfg.queue,
        retry: DEFAULT_RETRY,
        onError: (err, where) => log.error({ err, where }, 'queue error'),
      }).start()
    : new InProcessQueue(DEFAULT_RETRY, (err, job) => log.error({ err, job: { name: job.name, key: job.key } }, 'job failed'));
  let push: PushSupervisor | undefined;
  const metrics = createMetrics({ db, queue, clock, pushSessions: () => push?.sessions() ?? { idle: 0, watched: 0 } });
  // The one key of this process, from the Config; connectors, webhooks and the API get it from here.
  const secrets = createSecrets(cfg.config.secretKey);
  const secretKey: SecretKey | null = secrets.configured ? secrets.key() : null;
  const connectors = { secrets, settings: cfg.config };
  const mailer = smtpMailer(cfg.config.smtp);
  const alerts: AlertSettings = { mailer, publicUrl: cfg.config.publicUrl, brokenPercent: cfg.config.alerts.brokenPercent };

  // The connectors the store's connections use, loaded before the first job: otherwise every
  // slot's first sync waits for them (registry.ts).
  await loadConnectors(await providersInUse(db));
  await queue.work(
    SYNC_QUEUE,
    { concurrency: cfg.concurrency },
    makeSyncJob({ db, clock, metrics, log, timing: cfg.timing, connectors, alerts, ...(o.sync ? { sync: o.sync } : {}) }),
  );
  await queue.work(
    WEBHOOK_QUEUE,
    { concurrency: 2 },
    makeWebhookJob({ db, clock, secretKey, metrics, log, outbound: new OutboundPolicy({ allow: cfg.config.outboundAllow }) }),
  );

  let scheduler: Scheduler | undefined;
  if (cfg.role === 'serve') {
    scheduler = new Scheduler({
      db,
      queue,
      clock,
      timing: cfg.timing,
      retentionDays: cfg.retentionDays,
      sourceIntervalMinutes: cfg.config.sourceSyncMinutes,
      onTick: digestsEveryMinute(db, alerts),
      onError: (err) => log.error({ err }, 'scheduler tick failed'),
    });
    scheduler.start();
    if (cfg.config.service.imapPush) {
      push = new PushSupervisor({ db, queue, connectors, log });
      push.start();
    }
  }
  let app: FastifyInstance | undefined;
  let url: string | undefined;
  if (cfg.role === 'serve' || cfg.port > 0) {
    app = await buildApp({
      db,
      queue,
      clock,
      metrics,
      secretKey,
      config: cfg.config,
      secrets,
      logger: log,
      systemOnly: cfg.role === 'worker',
      service: apiServiceHooks({ db, queue, timing: cfg.timing }),
      rateLimit: { max: cfg.rateLimitPerMinute, timeWindowMs: 60_000 },
    });
    url = await app.listen({ port: cfg.port, host: cfg.host });
  }
  log.info(
    { role: cfg.role, db: pg ? redactUrl(cfg.db) : cfg.db, queue: queue.kind, concurrency: cfg.concurrency, url },
    'touchpoint started',
  );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      log.info({ role: cfg.role }, 'shutting down');
      await scheduler?.stop();
      await push?.stop();
      await app?.close();
      await queue.stop({ timeoutMs: cfg.shutdownTimeoutMs });
      await db.destroy();
      mailer?.close();
      log.info({ role: cfg.role }, 'stopped');
    })());
  return { db, queue, metrics, ...(scheduler ? { scheduler } : {}), ...(app ? { app } : {}), ...(url ? { url } : {}), close };
}

/** The daily digests (app/alerts.ts decides who is due): looked at once a minute, not every tick. */
function digestsEveryMinute(db: Store, alerts: AlertSettings): ((now: Date) => Promise<void>) | undefined {
  if (!alerts.mailer) return undefined;
  let last = 0;
  return async (now) => {
    if (now.getTime() - last < 60_000) return;
    last = now.getTime();
    for (const ws of await listWorkspaces(db)) await sendDailyDigests({ db, ws, now, actor: 'alerts' }, alerts);
  };
}
