// Service settings: the serve/worker view of the Config read once at start-up
// (src/config; flags win over the environment, which wins over the defaults), with the
// defaults that depend on the role and the database filled in.
import type { Config } from '../config/schema.js';
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
  /** The whole Config: the key, provider settings and the public URL for the API and the connectors. */
  config: Config;
}

export function serviceConfig(config: Config, role: 'serve' | 'worker'): ServiceConfig {
  const s = config.service;
  return {
    db: config.db,
    role,
    port: s.port ?? (role === 'serve' ? 8080 : 0),
    host: s.host,
    // SQLite has one writer: two at once overlap reading files with storing; PostgreSQL takes more.
    concurrency: s.concurrency ?? (isPostgresUrl(config.db) ? 4 : 2),
    logLevel: config.logLevel,
    rateLimitPerMinute: s.rateLimit,
    shutdownTimeoutMs: s.shutdownTimeoutMs,
    timing: { ...DEFAULT_TIMING, tickMs: s.tickMs },
    retentionDays: s.retentionDays,
    queue: {
      pollingIntervalSeconds: s.queuePollMs / 1000,
      reapIntervalMs: s.reapIntervalMs,
      reapAfterMs: s.reapAfterMs,
      expireInSeconds: s.jobTimeoutS,
    },
    config,
  };
}
