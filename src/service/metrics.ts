// Prometheus metrics (prom-client), one registry per service instance (tests run several).
// Counters are per process; gauges that describe the whole system (queue depth, lag,
// connections by status) are read from the queue and the database at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Decision } from '../domain/decision.js';
import type { JobQueue } from '../queue/types.js';
import type { Store } from '../store/db.js';
import { connectionsByStatus, oldestDue } from '../store/schedule.js';
import type { Clock } from '../domain/clock.js';
import { SYNC_QUEUE, WEBHOOK_QUEUE } from './scheduler.js';

export interface ServiceMetrics {
  registry: Registry;
  syncFinished(result: 'success' | 'failure' | 'skipped', seconds: number, status?: string): void;
  decided(kind: 'email' | 'meeting', d: Decision): void;
  itemErrors(n: number): void;
  webhookDelivery(result: 'delivered' | 'retry' | 'failed'): void;
}

/** The reason a not-linked item was skipped: its first failing check's code. */
export function skipReason(d: Decision): string {
  return d.checks.find((c) => c.status === 'fail')?.code ?? 'NO_ACCOUNT';
}

export interface MetricsDeps {
  db: Store;
  queue: JobQueue;
  clock: Clock;
  defaultMetrics?: boolean;
  /** IMAP IDLE sessions of this process (service/push-supervisor.ts), read at scrape time. */
  pushSessions?: () => { idle: number; watched: number };
}

export function createMetrics(deps: MetricsDeps): ServiceMetrics {
  const registry = new Registry();
  if (deps.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'touchpoint_' });

  const syncs = new Counter({
    name: 'touchpoint_syncs_total',
    help: 'Connection syncs run by this process, by result',
    labelNames: ['result'],
    registers: [registry],
  });
  const syncSeconds = new Histogram({
    name: 'touchpoint_sync_duration_seconds',
    help: 'Duration of connection syncs',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const syncErrors = new Counter({
    name: 'touchpoint_sync_errors_total',
    help: 'Failed syncs by the connection status they left',
    labelNames: ['status'],
    registers: [registry],
  });
  const seen = new Counter({
    name: 'touchpoint_items_seen_total',
    help: 'Emails and meeting occurrences decided while syncing',
    labelNames: ['kind'],
    registers: [registry],
  });
  const linked = new Counter({
    name: 'touchpoint_items_linked_total',
    help: 'Items linked to at least one account',
    labelNames: ['kind'],
    registers: [registry],
  });
  const upcoming = new Counter({
    name: 'touchpoint_items_upcoming_total',
    help: 'Meetings seen before their start (not yet an activity)',
    registers: [registry],
  });
  const skipped = new Counter({
    name: 'touchpoint_items_skipped_total',
    help: 'Items not linked, by the first failing rule code',
    labelNames: ['kind', 'reason'],
    registers: [registry],
  });
  const itemErrors = new Counter({
    name: 'touchpoint_item_errors_total',
    help: 'Items that could not be read (per-item errors)',
    registers: [registry],
  });
  const hooks = new Counter({
    name: 'touchpoint_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by result',
    labelNames: ['result'],
    registers: [registry],
  });

  const depth = new Gauge({
    name: 'touchpoint_queue_depth',
    help: 'Jobs waiting or running, by queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const q of [SYNC_QUEUE, WEBHOOK_QUEUE]) {
        const s = await deps.queue.stats(q);
        this.set({ queue: q, state: 'queued' }, s.queued);
        this.set({ queue: q, state: 'running' }, s.running);
      }
    },
  });
  const lag = new Gauge({
    name: 'touchpoint_sync_lag_seconds',
    help: 'How far past its due time the most overdue connection is (0 when none is)',
    registers: [registry],
    async collect() {
      const t = await oldestDue(deps.db);
      this.set(t ? Math.max(0, (deps.clock.now().getTime() - t.getTime()) / 1000) : 0);
    },
  });
  const byStatus = new Gauge({
    name: 'touchpoint_connections',
    help: 'Connections by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [status, n] of Object.entries(await connectionsByStatus(deps.db))) this.set({ status }, n);
    },
  });
  const push = new Gauge({
    name: 'touchpoint_push_sessions',
    help: 'IMAP IDLE sessions of this process: idle (alive, listening) and watched (connections it keeps one for)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const s = deps.pushSessions?.() ?? { idle: 0, watched: 0 };
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'watched' }, s.watched);
    },
  });
  void push;
  void depth;
  void lag;
  void byStatus;

  return {
    registry,
    syncFinished(result, seconds, status) {
      syncs.inc({ result });
      if (result !== 'skipped') syncSeconds.observe(seconds);
      if (result === 'failure') syncErrors.inc({ status: status ?? 'error' });
    },
    decided(kind, d) {
      seen.inc({ kind });
      if (d.outcome === 'linked') linked.inc({ kind });
      else if (d.outcome === 'upcoming') upcoming.inc();
      else skipped.inc({ kind, reason: skipReason(d) });
    },
    itemErrors(n) {
      if (n > 0) itemErrors.inc(n);
    },
    webhookDelivery(result) {
      hooks.inc({ result });
    },
  };
}
