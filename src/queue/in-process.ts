// The embedded queue: jobs live in memory in the one `touchpoint serve` process (SQLite).
// Nothing is lost across a restart that matters: the scheduler finds due connections from
// their next_sync_at column again. Same semantics as the pg-boss queue (see types.ts).
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_RETRY,
  PRIORITY,
  retryDelay,
  type Job,
  type JobHandler,
  type JobQueue,
  type QueueStats,
  type RetryPolicy,
  type SendOptions,
} from './types.js';

interface Waiting {
  job: Job<unknown>;
  runAt: number;
  priority: number;
  /** Arrival order, for ties in priority (a retry keeps its place by arriving again). */
  seq: number;
}

interface Lane {
  handler?: JobHandler<unknown>;
  concurrency: number;
  /** By key, in arrival order (Map keeps insertion order): at most one waiting job per key. */
  waiting: Map<string, Waiting>;
  running: Set<string>;
}

export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  private readonly lanes = new Map<string, Lane>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private seq = 0;

  constructor(
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly onError: (err: unknown, job: Job<unknown>) => void = () => {},
  ) {}

  private lane(name: string): Lane {
    let l = this.lanes.get(name);
    if (!l) {
      l = { concurrency: 0, waiting: new Map(), running: new Set() };
      this.lanes.set(name, l);
    }
    return l;
  }

  async send<T>(name: string, data: T, opts: SendOptions): Promise<string | null> {
    if (this.stopped) return null;
    const lane = this.lane(name);
    const priority = opts.priority ?? 0;
    const queued = lane.waiting.get(opts.key);
    if (queued) {
      // Deduplicated, but an urgent send makes the waiting job urgent and, if it waited for a
      // retry's backoff, due now: someone waits for it (see types.ts).
      if (priority > queued.priority) queued.priority = priority;
      if (priority > PRIORITY.routine) queued.runAt = Math.min(queued.runAt, Date.now());
      this.pump(lane);
      return null;
    }
    const job: Job<unknown> = { id: randomUUID(), name, key: opts.key, data, retryCount: 0 };
    this.enqueue(lane, job, opts.delayMs ?? 0, priority);
    return job.id;
  }

  private enqueue(lane: Lane, job: Job<unknown>, delayMs: number, priority: number): void {
    const runAt = Date.now() + delayMs;
    lane.waiting.set(job.key, { job, runAt, priority, seq: this.seq++ });
    if (delayMs > 0) this.wakeAt(lane, runAt);
    this.pump(lane);
  }

  /** Pump the lane once `runAt` has passed by the wall clock that `pump` reads. */
  private wakeAt(lane: Lane, runAt: number): void {
    // Timers run on a monotonic clock and may fire a millisecond before Date.now() reaches
    // runAt; pump would then skip the job and nothing would wake it again, so arm again.
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        if (Date.now() < runAt) this.wakeAt(lane, runAt);
        else this.pump(lane);
      },
      Math.max(1, runAt - Date.now()),
    );
    t.unref();
    this.timers.add(t);
  }

  async work<T>(name: string, opts: { concurrency: number }, handler: JobHandler<T>): Promise<void> {
    const lane = this.lane(name);
    lane.handler = handler as JobHandler<unknown>;
    lane.concurrency = Math.max(1, opts.concurrency);
    this.pump(lane);
  }

  /** Start every waiting job that is due and whose key is not running, up to the concurrency. */
  private pump(lane: Lane): void {
    if (this.stopped || !lane.handler) return;
    if (lane.running.size >= lane.concurrency) return;
    const now = Date.now();
    const byPriority = [...lane.waiting.values()].sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    for (const w of byPriority) {
      const key = w.job.key;
      if (lane.running.size >= lane.concurrency) return;
      if (lane.running.has(key) || w.runAt > now) continue;
      lane.waiting.delete(key);
      lane.running.add(key);
      const p = this.run(lane, w.job, w.priority).finally(() => {
        this.inFlight.delete(p);
        lane.running.delete(key);
        this.pump(lane);
      });
      this.inFlight.add(p);
    }
  }

  private async run(lane: Lane, job: Job<unknown>, priority: number): Promise<void> {
    try {
      await lane.handler!(job);
    } catch (err) {
      this.onError(err, job);
      // A newer job for the key supersedes the retry: it does the same work.
      if (job.retryCount < this.retry.retryLimit && !lane.waiting.has(job.key) && !this.stopped) {
        this.enqueue(lane, { ...job, retryCount: job.retryCount + 1 }, retryDelay(this.retry, job.retryCount), priority);
      }
    }
  }

  async stats(name: string): Promise<QueueStats> {
    const lane = this.lanes.get(name);
    return { queued: lane?.waiting.size ?? 0, running: lane?.running.size ?? 0 };
  }

  /** Resolves when nothing runs or waits (tests, and `serve --once`-style tools). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.inFlight.size === 0 && [...this.lanes.values()].every((l) => l.waiting.size === 0)) return;
      if (this.inFlight.size) await Promise.race(this.inFlight);
      else await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const all = Promise.allSettled([...this.inFlight]);
    await Promise.race([all, new Promise((r) => setTimeout(r, opts.timeoutMs ?? 30_000).unref())]);
  }
}
