// One small queue interface, two implementations: in-process (the embedded SQLite
// default, one process) and pg-boss on PostgreSQL (any number of worker processes).
//
// Semantics both keep, per job name and key (a connection id):
// - at most one job RUNS at a time, whatever the number of workers;
// - at most one job WAITS: sending while one waits is deduplicated (returns null), and
//   sending while one runs queues exactly one follow-up;
// - waiting jobs run highest priority first, then in arrival order; a send deduplicated into
//   a waiting job of lower priority raises that job to the new priority (a push for a
//   mailbox whose routine poll already waits must not wait behind every other routine poll);
// - a failed job waiting for its retry is the key's waiting job: a send is deduplicated into
//   it, and an urgent one (above routine) makes it due now ("Sync now" starts a sync at once,
//   even after a failure; a routine poll leaves the backoff alone);
// - a job whose handler throws is retried with backoff; a job whose worker dies is run
//   again by another worker. Handlers must be idempotent (ours are: the store dedups).
// Jobs carry ids only; the handler reloads the rows it needs.

export interface Job<T> {
  id: string;
  name: string;
  key: string;
  data: T;
  /** 0 on the first run, then 1, 2, … on retries. */
  retryCount: number;
}

export type JobHandler<T> = (job: Job<T>) => Promise<void>;

export interface SendOptions {
  /** Jobs with the same name and key never run at once and never wait twice. */
  key: string;
  /** Do not start before this many milliseconds from now. */
  delayMs?: number;
  /** Higher runs first among the jobs that are due (default 0, PRIORITY.routine). */
  priority?: number;
}

/** Priorities the service uses: someone (a user, or the mail server's push) waits for these. */
export const PRIORITY = { routine: 0, urgent: 10 } as const;

export interface QueueStats {
  /** Waiting to run (including delayed and retrying jobs). */
  queued: number;
  running: number;
}

export interface JobQueue {
  readonly kind: 'in-process' | 'pg-boss';
  /** The job's id, or null when one with the same key is already waiting. */
  send<T>(name: string, data: T, opts: SendOptions): Promise<string | null>;
  /** Run jobs of this name, up to `concurrency` at once in this process. */
  work<T>(name: string, opts: { concurrency: number }, handler: JobHandler<T>): Promise<void>;
  stats(name: string): Promise<QueueStats>;
  /** Stop taking jobs and wait (up to timeoutMs) for the running ones to finish. */
  stop(opts?: { timeoutMs?: number }): Promise<void>;
}

export interface RetryPolicy {
  /** Retries after the first run (default 5). */
  retryLimit: number;
  /** First retry delay; doubled each time (default 2 s), capped at maxDelayMs (default 5 min). */
  retryDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retryLimit: 5, retryDelayMs: 2_000, maxDelayMs: 300_000 };

export function retryDelay(policy: RetryPolicy, retryCount: number): number {
  return Math.min(policy.maxDelayMs, policy.retryDelayMs * 2 ** retryCount);
}
