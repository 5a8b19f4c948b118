// Service settings, read once, here: command-line flags win over the environment, which
// wins over the defaults.
import { isPostgresUrl } from '../store/open.js';
import { DEFAULT_TIMING, type Timing } from './scheduler.js';

export interface ServiceConfig {
  /** SQLite file path or postgres:// URL. */
  db: string;
  role: 'serve' | 'worker';
  /** serve: the API's port; worker: a port for /healthz and /metrics only (0: none). */
  port: number;
  host: string;
  /** Sync jobs run at once by this process. */
  concurrency: number;
  logLevel: string;
  /** API requests per token per minute. */
  rateLimitPerMinute: number;
  /** SIGTERM: how long running syncs may take to finish before their jobs are handed back. */
  shutdownTimeoutMs: number;
  timing: Timing;
  /** serve: seen-but-not-linked items are purged once a day after this many days. */
  retentionDays: number;
  queue: { pollingIntervalSeconds: number; reapIntervalMs: number; reapAfterMs: number; expireInSeconds: number };
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: "${raw}" is not a number`);
  return n;
}

export function serviceConfig(
  base: { db: string; role: 'serve' | 'worker'; port?: number; host?: string; concurrency?: number },
  env: Env = process.env,
): ServiceConfig {
  const pg = isPostgresUrl(base.db);
  return {
    db: base.db,
    role: base.role,
    port: base.port ?? int(env, 'TOUCHPOINT_PORT', base.role === 'serve' ? 8080 : 0),
    host: base.host ?? env.TOUCHPOINT_HOST ?? '127.0.0.1',
    // SQLite has one writer: two at once overlap reading files with storing; PostgreSQL takes more.
    concurrency: base.concurrency ?? int(env, 'TOUCHPOINT_WORKER_CONCURRENCY', pg ? 4 : 2),
    logLevel: env.TOUCHPOINT_LOG_LEVEL ?? 'info',
    rateLimitPerMinute: int(env, 'TOUCHPOINT_RATE_LIMIT', 600),
    shutdownTimeoutMs: int(env, 'TOUCHPOINT_SHUTDOWN_TIMEOUT_MS', 30_000),
    timing: { ...DEFAULT_TIMING, tickMs: int(env, 'TOUCHPOINT_TICK_MS', DEFAULT_TIMING.tickMs) },
    retentionDays: int(env, 'TOUCHPOINT_RETENTION_DAYS', 30),
    queue: {
      pollingIntervalSeconds: int(env, 'TOUCHPOINT_QUEUE_POLL_MS', 1000) / 1000,
      reapIntervalMs: int(env, 'TOUCHPOINT_REAP_INTERVAL_MS', 5000),
      reapAfterMs: int(env, 'TOUCHPOINT_REAP_AFTER_MS', 5000),
      expireInSeconds: int(env, 'TOUCHPOINT_JOB_TIMEOUT_S', 3600),
    },
  };
}
