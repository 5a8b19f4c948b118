// The scheduler: every connection is synced at least once per its workspace's sync interval
// (default 5 minutes, never more than 30: the promise to users), spread with jitter, and
// "Sync now" starts one at once. It only enqueues: the sync job (sync-job.ts) runs the
// sync and sets the connection's next due time from the moment the sync started.
//
// It takes the clock and the random source as parameters: a test drives hours of ticks in
// milliseconds and checks that no connection waited longer than its interval.
import type { Store } from '../store/db.js';
import { DEFAULT_RETENTION_DAYS, purgeNotLinked } from '../store/retention.js';
import { dueConnections, scheduledConnections, setNextSyncAt } from '../store/schedule.js';
import { dueSources, postponeDueSource } from '../store/sources.js';
import { listWorkspaces } from '../store/workspaces.js';
import { workspacesWithDueEvents } from '../store/webhooks.js';
import { PRIORITY, type JobQueue } from '../queue/types.js';
import type { Clock } from '../domain/clock.js';

export const SYNC_QUEUE = 'sync';
export const WEBHOOK_QUEUE = 'webhooks';
export const MIN_INTERVAL_MINUTES = 1;
export const MAX_INTERVAL_MINUTES = 30;

export type SyncReason = 'schedule' | 'sync_now' | 'push';

/** What a sync job carries: ids only; the job reloads the rows. */
export interface SyncJobData {
  workspaceId: string;
  connectionId: string;
  reason: SyncReason;
  /** Set for a directory source's sync (connectionId is then empty): same queue, same workers. */
  sourceId?: string;
}

/** Directory sources sync every this many minutes unless the Config says otherwise. */
export const DEFAULT_SOURCE_INTERVAL_MINUTES = 15;

export interface WebhookJobData {
  workspaceId: string;
}

export interface Timing {
  /** How often the scheduler looks for due connections. */
  tickMs: number;
  /** Allowance for the time between "due" and the sync starting (a tick, queue pick-up). */
  startSlackMs: number;
  /** Up to this share of the interval is taken off at random, to spread connections. */
  jitterShare: number;
}

export const DEFAULT_TIMING: Timing = { tickMs: 2_000, startSlackMs: 10_000, jitterShare: 0.1 };

export function clampInterval(minutes: number): number {
  return Math.min(MAX_INTERVAL_MINUTES, Math.max(MIN_INTERVAL_MINUTES, Math.round(minutes)));
}

/**
 * When a connection whose sync started at `startedAt` is due again: early enough that,
 * after a tick and the queue's pick-up, the next sync starts within the interval; a random
 * part of the interval earlier still, so connections that synced together drift apart.
 */
export function nextDue(startedAt: Date, intervalMinutes: number, timing: Timing, random: () => number): Date {
  const interval = clampInterval(intervalMinutes) * 60_000;
  const lead = timing.tickMs + timing.startSlackMs + random() * timing.jitterShare * interval;
  return new Date(startedAt.getTime() + Math.max(interval / 2, interval - lead));
}

export interface SchedulerDeps {
  db: Store;
  queue: JobQueue;
  clock: Clock;
  timing?: Timing;
  onError?: (err: unknown) => void;
  /** Seen-but-not-linked items older than this are purged once a (UTC) day; default 30. */
  retentionDays?: number;
  /** Minutes between scheduled syncs of a directory source (the Config's sourceSyncMinutes). */
  sourceIntervalMinutes?: number;
  /** Work that looks at the clock on every tick and decides itself whether it is due (the daily alert digest). */
  onTick?: (now: Date) => Promise<unknown>;
}

export class Scheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private readonly timing: Timing;
  /** UTC day of the last retention purge by this process (several processes may each purge: it is idempotent). */
  private purgedDay?: string;

  constructor(private readonly deps: SchedulerDeps) {
    this.timing = deps.timing ?? DEFAULT_TIMING;
  }

  /** Enqueue every due connection (and webhook deliveries). Safe to run from several processes: the queue dedups. */
  async tick(): Promise<{ syncs: number; webhooks: number }> {
    const { db, queue, clock } = this.deps;
    const now = clock.now();
    let syncs = 0;
    for (const c of await dueConnections(db, now)) {
      const data: SyncJobData = { workspaceId: c.workspaceId, connectionId: c.id, reason: 'schedule' };
      if (await queue.send(SYNC_QUEUE, data, { key: c.id })) syncs++;
      // Not due again until the interval is up: the sync, when it starts, sets the real time.
      await setNextSyncAt(db, c.workspaceId, c.id, new Date(now.getTime() + clampInterval(c.intervalMinutes) * 60_000));
    }
    const sourceInterval = (this.deps.sourceIntervalMinutes ?? DEFAULT_SOURCE_INTERVAL_MINUTES) * 60_000;
    for (const src of await dueSources(db, now)) {
      if (await requestSourceSync(queue, src.workspaceId, src.id, 'schedule')) syncs++;
      // As for connections: the sync, when it runs, sets the real next time (sooner when a rate limit says so).
      await postponeDueSource(db, src.workspaceId, src.id, now, new Date(now.getTime() + sourceInterval));
    }
    let webhooks = 0;
    for (const ws of await workspacesWithDueEvents(db, now)) {
      if (await queue.send<WebhookJobData>(WEBHOOK_QUEUE, { workspaceId: ws }, { key: ws })) webhooks++;
    }
    // After the syncs are queued: a failed purge never delays a sync (it is retried tomorrow).
    await this.purgeOncePerDay(now).catch((err) => this.deps.onError?.(err));
    await this.deps.onTick?.(now).catch((err) => this.deps.onError?.(err));
    return { syncs, webhooks };
  }

  /** Retention (store/retention.ts) for every workspace, at the first tick of each UTC day;
   * the number of items purged, or undefined when this day's purge was done already. */
  async purgeOncePerDay(now: Date): Promise<number | undefined> {
    const day = now.toISOString().slice(0, 10);
    if (this.purgedDay === day) return undefined;
    this.purgedDay = day;
    let n = 0;
    for (const ws of await listWorkspaces(this.deps.db)) {
      const r = await purgeNotLinked(this.deps.db, ws.id, now, this.deps.retentionDays ?? DEFAULT_RETENTION_DAYS);
      n += r.emails + r.meetings;
    }
    return n;
  }

  start(): void {
    if (this.timer) return;
    const run = () => {
      if (this.running) return; // a slow tick is never overlapped by the next
      this.running = this.tick()
        .catch((err) => this.deps.onError?.(err))
        .finally(() => (this.running = undefined));
    };
    run();
    this.timer = setInterval(run, this.timing.tickMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

/**
 * The workspace's interval changed: a connection due later than its last sync's start plus
 * the new interval is due sooner (a lowered interval takes effect at once, not after the
 * syncs already scheduled with the old one).
 */
export async function rescheduleWorkspace(
  db: Store,
  workspaceId: string,
  intervalMinutes: number,
  timing: Timing,
  now: Date,
): Promise<number> {
  let moved = 0;
  for (const c of await scheduledConnections(db, workspaceId)) {
    const from = c.lastSyncAt ? new Date(c.lastSyncAt) : now;
    const latest = nextDue(from, intervalMinutes, timing, () => 0);
    if (!c.nextSyncAt || new Date(c.nextSyncAt) > latest) {
      await setNextSyncAt(db, workspaceId, c.id, latest < now ? now : latest);
      moved++;
    }
  }
  return moved;
}

/**
 * Someone waits for a push or "Sync now" sync (new mail announced, a user pressed the
 * button): it goes ahead of the routine polls and first syncs of other connections.
 */
export function syncPriority(reason: SyncReason): number {
  return reason === 'schedule' ? PRIORITY.routine : PRIORITY.urgent;
}

/** "Sync now": start a sync at once, unless one is already waiting (then that one is it, made as urgent). */
export async function requestSync(
  queue: JobQueue,
  workspaceId: string,
  connectionId: string,
  reason: SyncReason = 'sync_now',
): Promise<{ queued: boolean; jobId: string | null }> {
  const data: SyncJobData = { workspaceId, connectionId, reason };
  const jobId = await queue.send<SyncJobData>(SYNC_QUEUE, data, { key: connectionId, priority: syncPriority(reason) });
  return { queued: jobId !== null, jobId };
}

/** A directory source's sync, on the same queue and workers as mail; keyed apart from connections. */
export async function requestSourceSync(
  queue: JobQueue,
  workspaceId: string,
  sourceId: string,
  reason: SyncReason = 'sync_now',
): Promise<string | null> {
  const data: SyncJobData = { workspaceId, connectionId: '', sourceId, reason };
  return queue.send<SyncJobData>(SYNC_QUEUE, data, { key: `source:${sourceId}`, priority: syncPriority(reason) });
}
