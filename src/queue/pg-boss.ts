// The PostgreSQL queue: pg-boss jobs feeding any number of worker processes.
//
// - Dedup: the queue policy "short" allows one waiting ('created') job per singleton key,
//   so a second send while one waits returns null, and a send while one runs is accepted:
//   exactly one follow-up. The follow-up is not always 'created', though: an idle worker may
//   fetch it (it becomes 'active') and, finding its key running, put it back as a new job. In
//   that moment no job of the key waits and "short" would accept a second follow-up, so send
//   also counts a second active job of the key as the waiting one (see send), and a failed
//   job waiting for its retry ('retry', which "short" ignores) too.
// - One run per key at a time: "short" does not stop two workers from running the waiting
//   job and the running one together, so each run holds a PostgreSQL advisory lock on its
//   key, on a session of its own. A job that finds the key locked is put back with a growing
//   delay (it IS the follow-up) and completes. pg-boss's "stately" policy would promise the
//   same, but in pg-boss 10 a waiting job whose key is active makes every fetch of the queue
//   fail until that run ends (timgit/pg-boss#535), stalling all other connections.
// - A worker that dies (SIGKILL, lost machine) loses its session and so its locks. The
//   reaper finds active jobs whose key is not locked any more and fails them, so pg-boss
//   retries them at once instead of after their expiry (which must be long: a first sync of a
//   large mailbox takes a while). One reaper runs at a time (a transaction-level lock).
import pg from 'pg';
import PgBoss from 'pg-boss';
import { reportUnawaitedSettles } from './pg-boss-settle.js';
import { DEFAULT_RETRY, PRIORITY, type JobHandler, type JobQueue, type QueueStats, type RetryPolicy, type SendOptions } from './types.js';

/** Advisory lock "class" of per-key job locks (two-int form: class, hashtext(name:key)). */
const JOB_LOCK_CLASS = 0x7470; // "tp"
/** Class of the service's own locks: (class, 0) the reaper, (class, 1) queue creation. */
const REAPER_LOCK = 0x7471;

export interface PgBossQueueOptions {
  url: string;
  schema?: string;
  /** pg-boss's own pool (default 4). */
  poolMax?: number;
  /** How often an idle worker asks for a job (default 1 s; pg-boss allows ≥ 0.5 s). */
  pollingIntervalSeconds?: number;
  /** A run longer than this is failed and retried by pg-boss (default 1 h). */
  expireInSeconds?: number;
  /** Reaper period and the age an active job must have before it can be reaped (default 5 s, 5 s). */
  reapIntervalMs?: number;
  reapAfterMs?: number;
  retry?: RetryPolicy;
  onError?: (err: unknown, context: string) => void;
  /**
   * Tests only: awaited when a job found its key running, before it is put back. A test holds
   * it to send in the very moment the follow-up is neither waiting nor running.
   */
  beforeDeferral?: (key: string) => Promise<void>;
  /**
   * Tests only: awaited when a run has released its key's lock, before pg-boss hears back. A
   * test holds it to look at the queue (and reap) in that very moment.
   */
  afterRelease?: (key: string) => Promise<void>;
}

interface Envelope<T> {
  key: string;
  data: T;
  /** How many times this job found its key locked and was put back. */
  deferrals?: number;
  /** Its priority, kept when it is put back. */
  priority?: number;
}

export class PgBossQueue implements JobQueue {
  readonly kind = 'pg-boss' as const;
  private readonly boss: PgBoss;
  /** Sessions that hold per-key locks, one per running job, plus one for the reaper. */
  private readonly locks: pg.Pool;
  private readonly created = new Set<string>();
  private readonly worked = new Set<string>();
  private reaper?: NodeJS.Timeout;
  private reaping = false;
  private readonly onError: (err: unknown, context: string) => void;
  private readonly schema: string;

  constructor(private readonly opts: PgBossQueueOptions) {
    this.schema = opts.schema ?? 'pgboss';
    this.onError = opts.onError ?? (() => {});
    reportUnawaitedSettles();
    this.boss = new PgBoss({
      connectionString: opts.url,
      schema: this.schema,
      max: opts.poolMax ?? 4,
      application_name: 'touchpoint-queue',
    });
    this.boss.on('error', (err) => this.onError(err, 'pg-boss'));
    this.locks = new pg.Pool({ connectionString: opts.url, max: 32, application_name: 'touchpoint-locks' });
    this.locks.on('error', (err) => this.onError(err, 'lock pool'));
    // A lock session is checked out for a whole job: the pool's listener does not cover it,
    // and a lost server would emit 'error' to nobody and crash the worker. The job's unlock
    // then fails quietly and the reaper sees the key free (the session is gone).
    this.locks.on('connect', (client) => client.on('error', (err) => this.onError(err, 'lock session')));
  }

  async start(): Promise<this> {
    await this.boss.start();
    return this;
  }

  private async ensureQueue(name: string): Promise<void> {
    if (this.created.has(name)) return;
    const retry = this.opts.retry ?? DEFAULT_RETRY;
    // Creating a queue adds a partition to pg-boss's job table; workers starting together
    // and creating different queues at once can deadlock there. One process at a time.
    const session = await this.locks.connect();
    try {
      await session.query('SELECT pg_advisory_lock($1, 1)', [REAPER_LOCK]);
      if (!(await this.boss.getQueue(name))) {
        await this.boss.createQueue(name, {
          name,
          policy: 'short',
          retryLimit: retry.retryLimit,
          retryDelay: Math.max(1, Math.round(retry.retryDelayMs / 1000)),
          retryBackoff: true,
          expireInSeconds: this.opts.expireInSeconds ?? 3600,
        });
      }
    } finally {
      await session.query('SELECT pg_advisory_unlock($1, 1)', [REAPER_LOCK]).catch(() => {});
      session.release();
    }
    this.created.add(name);
  }

  async send<T>(name: string, data: T, opts: SendOptions, deferrals = 0): Promise<string | null> {
    await this.ensureQueue(name);
    // A deferral is the follow-up itself moving back to 'created': it skips the check below.
    const priority = opts.priority ?? 0;
    if (deferrals === 0 && (await this.followUpPending(name, opts.key, priority))) return null;
    const envelope: Envelope<T> = { key: opts.key, data, ...(deferrals ? { deferrals } : {}), ...(priority ? { priority } : {}) };
    const delay = opts.delayMs ? Math.ceil(opts.delayMs / 1000) : 0;
    return this.boss.send(name, envelope as object, {
      singletonKey: `${name}:${opts.key}`,
      ...(delay ? { startAfter: delay } : {}),
      ...(priority ? { priority } : {}),
    });
  }

  /**
   * Whether a job of this key already waits: 'created', 'retry' (it failed and waits for its
   * backoff; "short" does not count it, and a second job would run beside its retry), or a
   * second 'active' one (at most one runs, so another active job is a follow-up being put
   * back; it is re-created before it completes, so one snapshot always shows it one way or
   * the other).
   */
  private async followUpPending(name: string, key: string, priority: number): Promise<boolean> {
    const r = await this.locks.query<{ waiting: number; active: number }>(
      `SELECT count(*) FILTER (WHERE state IN ('created', 'retry'))::int AS waiting, count(*) FILTER (WHERE state = 'active')::int AS active
       FROM ${this.schema}.job WHERE name = $1 AND singleton_key = $2`,
      [name, `${name}:${key}`],
    );
    const row = r.rows[0];
    const pending = !!row && (row.waiting > 0 || row.active > 1);
    // Deduplicated, but an urgent send makes the waiting job urgent and, if it waited for a
    // retry's backoff, due now (see types.ts). A follow-up being put back (the second active
    // job) keeps its own priority: it is a moment.
    if (pending && row.waiting > 0 && priority > PRIORITY.routine)
      await this.locks.query(
        `UPDATE ${this.schema}.job SET priority = GREATEST(priority, $3), start_after = LEAST(start_after, now())
         WHERE name = $1 AND singleton_key = $2 AND state IN ('created', 'retry') AND (priority < $3 OR start_after > now())`,
        [name, `${name}:${key}`, priority],
      );
    return pending;
  }

  async work<T>(name: string, opts: { concurrency: number }, handler: JobHandler<T>): Promise<void> {
    await this.ensureQueue(name);
    this.worked.add(name);
    const workOptions = { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.opts.pollingIntervalSeconds ?? 1 } as const;
    for (let i = 0; i < Math.max(1, opts.concurrency); i++) {
      // The callback runs after a fetch's round trip, so `slot` is set by then.
      const slot: string = await this.boss.work<Envelope<T>>(name, workOptions, async ([job]) => {
        if (!job) return;
        // pg-boss waits out the rest of its polling interval after every fetch, even one that
        // brought a job: a slot whose job took less than the interval (an incremental sync, a
        // push: 0.2–0.5 s) would sit idle while jobs wait. Notified, it fetches again at once;
        // it waits only when that fetch finds the queue empty.
        this.boss.notifyWorker(slot);
        await this.runLocked(name, job, handler);
      });
    }
    if (!this.reaper) {
      this.reaper = setInterval(() => void this.reap(), this.opts.reapIntervalMs ?? 5000);
      this.reaper.unref();
    }
  }

  private async runLocked<T>(name: string, job: PgBoss.JobWithMetadata<Envelope<T>>, handler: JobHandler<T>): Promise<void> {
    const { key, data, deferrals = 0, priority } = job.data;
    const session = await this.locks.connect();
    let locked = false;
    try {
      const r = await session.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [JOB_LOCK_CLASS, `${name}:${key}`]);
      locked = r.rows[0]?.ok === true;
      if (!locked) {
        // Another worker runs this key: this job is its follow-up. Wait our turn, backing off.
        await this.opts.beforeDeferral?.(key);
        const delayMs = Math.min(30_000, 1000 * 2 ** Math.min(deferrals, 5));
        await this.send(name, data, { key, delayMs, ...(priority ? { priority } : {}) }, deferrals + 1);
        return;
      }
      await handler({ id: job.id, name, key, data, retryCount: job.retryCount });
      // Completed while the key is still ours. pg-boss marks it only after we return: with the
      // key already free, the reaper would take the finished job for a dead worker's and run
      // it again, and a send would count it as a second active job. pg-boss's own complete()
      // then finds it completed and changes nothing. (A failed run is left to pg-boss's fail():
      // a reaper in between fails it too, to the same retry.)
      await this.boss.complete(name, job.id);
    } finally {
      if (locked) await session.query('SELECT pg_advisory_unlock($1, hashtext($2))', [JOB_LOCK_CLASS, `${name}:${key}`]).catch(() => {});
      session.release();
      if (locked) await this.opts.afterRelease?.(key);
    }
  }

  /** Fail active jobs whose worker is gone (their key's lock is free), so they are retried now. */
  async reap(): Promise<number> {
    if (this.reaping) return 0;
    this.reaping = true;
    let reaped = 0;
    try {
      const session = await this.locks.connect();
      try {
        await session.query('BEGIN');
        const me = await session.query('SELECT pg_try_advisory_xact_lock($1, 0) AS ok', [REAPER_LOCK]);
        const orphans: { name: string; id: string }[] = [];
        if (me.rows[0]?.ok === true) {
          const active = await session.query<{ id: string; name: string; data: Envelope<unknown> }>(
            `SELECT id, name, data FROM ${this.schema}.job WHERE name = ANY($1) AND state = 'active' AND started_on < now() - make_interval(secs => $2)`,
            [[...this.worked], (this.opts.reapAfterMs ?? 5000) / 1000],
          );
          for (const j of active.rows) {
            const lockKey = `${j.name}:${j.data.key}`;
            const free = await session.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [JOB_LOCK_CLASS, lockKey]);
            if (free.rows[0]?.ok === true) {
              await session.query('SELECT pg_advisory_unlock($1, hashtext($2))', [JOB_LOCK_CLASS, lockKey]);
              orphans.push({ name: j.name, id: j.id });
            }
          }
          for (const o of orphans)
            await this.boss.fail(o.name, o.id, { reason: 'the worker running this job stopped (its lock was released)' });
          reaped = orphans.length;
        }
        await session.query('COMMIT');
      } catch (err) {
        await session.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        session.release();
      }
    } catch (err) {
      this.onError(err, 'reaper');
    } finally {
      this.reaping = false;
    }
    return reaped;
  }

  async stats(name: string): Promise<QueueStats> {
    await this.ensureQueue(name);
    const r = await this.locks.query<{ queued: number; running: number }>(
      `SELECT count(*) FILTER (WHERE state IN ('created', 'retry'))::int AS queued, count(*) FILTER (WHERE state = 'active')::int AS running
       FROM ${this.schema}.job WHERE name = $1`,
      [name],
    );
    return r.rows[0] ?? { queued: 0, running: 0 };
  }

  async stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    // Graceful: stop fetching, wait for running jobs; what is still running at the timeout is
    // failed by pg-boss and so retried by another worker.
    await this.boss.stop({ graceful: true, wait: true, timeout: opts.timeoutMs ?? 30_000 });
    await this.locks.end();
  }
}
