// The queue's promises, on both implementations: dedup while waiting, exactly one
// follow-up when sent while running, one run per key at a time whatever the workers,
// retries after a failure, a dead worker's job run again, graceful stop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import PgBoss from 'pg-boss';
import { InProcessQueue } from '../../src/queue/in-process.js';
import { PgBossQueue, type PgBossQueueOptions } from '../../src/queue/pg-boss.js';
import { PRIORITY, type Job, type JobQueue } from '../../src/queue/types.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { countingProxy } from '../support/tcp-proxy.js';

const RETRY = { retryLimit: 3, retryDelayMs: 1000, maxDelayMs: 1000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await sleep(20);
  }
}

function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

/** Records runs per key and the most runs of one key seen at once. */
function recorder() {
  const runs: { key: string; data: unknown; retryCount: number }[] = [];
  const running = new Map<string, number>();
  let maxSameKey = 0;
  return {
    runs,
    get maxSameKey() {
      return maxSameKey;
    },
    async around(job: Job<unknown>, body: () => Promise<void>) {
      running.set(job.key, (running.get(job.key) ?? 0) + 1);
      maxSameKey = Math.max(maxSameKey, running.get(job.key)!);
      runs.push({ key: job.key, data: job.data, retryCount: job.retryCount });
      try {
        await body();
      } finally {
        running.set(job.key, running.get(job.key)! - 1);
      }
    },
  };
}

const KINDS = ['in-process', 'pg-boss'] as const;

for (const kind of KINDS) {
  describe(`${kind} queue`, () => {
    let database: TestDatabase | undefined;
    const opened: JobQueue[] = [];
    let n = 0;

    async function makeQueue(extra: Partial<PgBossQueueOptions> = {}): Promise<JobQueue> {
      const q =
        kind === 'in-process'
          ? new InProcessQueue(extra.retry ?? RETRY)
          : await new PgBossQueue({
              url: database!.location,
              retry: RETRY,
              pollingIntervalSeconds: 0.5,
              reapIntervalMs: 500,
              reapAfterMs: 1000,
              ...extra,
            }).start();
      opened.push(q);
      return q;
    }
    const name = () => `test-${++n}`;

    beforeAll(async () => {
      if (kind === 'pg-boss') database = await createTestDatabase('postgres', 'queue');
    });
    afterAll(async () => {
      for (const q of opened) await q.stop({ timeoutMs: 2000 }).catch(() => {});
      await database?.drop();
    });

    it('a second send while one waits is deduplicated', async () => {
      const q = await makeQueue();
      const queue = name();
      expect(await q.send(queue, { n: 1 }, { key: 'c1' })).toEqual(expect.any(String));
      expect(await q.send(queue, { n: 2 }, { key: 'c1' })).toBeNull();
      expect(await q.send(queue, { n: 3 }, { key: 'c2' })).toEqual(expect.any(String));
      expect(await q.stats(queue)).toEqual({ queued: 2, running: 0 });
      const rec = recorder();
      await q.work(queue, { concurrency: 2 }, (job) => rec.around(job, async () => {}));
      await until(() => rec.runs.length === 2);
      // Drained: nothing waits or runs, so the deduplicated send can never run later.
      await until(async () => (await q.stats(queue)).queued + (await q.stats(queue)).running === 0);
      expect(rec.runs.map((r) => r.key).sort()).toEqual(['c1', 'c2']);
      expect(rec.runs.find((r) => r.key === 'c1')?.data).toEqual({ n: 1 });
    });

    it('"Sync now" while a run is going queues exactly one follow-up, run after it', async () => {
      const q = await makeQueue();
      const queue = name();
      const first = gate();
      const rec = recorder();
      await q.work(queue, { concurrency: 3 }, (job) =>
        rec.around(job, async () => {
          if (job.key === 'c1' && rec.runs.length === 1) await first.p;
        }),
      );
      await q.send(queue, { why: 'schedule' }, { key: 'c1' });
      await until(() => rec.runs.length === 1);
      // Running now: the first "Sync now" is queued, the next ones are the same follow-up.
      expect(await q.send(queue, { why: 'now-1' }, { key: 'c1' })).toEqual(expect.any(String));
      expect(await q.send(queue, { why: 'now-2' }, { key: 'c1' })).toBeNull();
      expect(await q.send(queue, { why: 'now-3' }, { key: 'c1' })).toBeNull();
      // Free workers must not start the follow-up while the first runs. Evidence that they
      // looked: another key's job, sent after the follow-up (so fetched after it), has run.
      await q.send(queue, { why: 'other' }, { key: 'c2' });
      await until(() => rec.runs.some((r) => r.key === 'c2'));
      expect(rec.runs.filter((r) => r.key === 'c1')).toHaveLength(1);
      first.open();
      await until(() => rec.runs.filter((r) => r.key === 'c1').length === 2);
      // Drained: the deduplicated "Sync now"s left nothing behind that could run a third time.
      await until(async () => (await q.stats(queue)).queued + (await q.stats(queue)).running === 0);
      expect(rec.runs.filter((r) => r.key === 'c1').map((r) => r.data)).toEqual([{ why: 'schedule' }, { why: 'now-1' }]);
      expect(rec.maxSameKey).toBe(1);
    });

    it('an urgent job (new mail announced, "Sync now") runs before the routine jobs waiting ahead of it', async () => {
      const q = await makeQueue();
      const queue = name();
      const busy = gate();
      const rec = recorder();
      // One worker, kept busy while the queue fills, so the order of the waiting jobs decides.
      await q.work(queue, { concurrency: 1 }, (job) => rec.around(job, async () => (job.key === 'busy' ? busy.p : undefined)));
      await q.send(queue, {}, { key: 'busy' });
      await until(() => rec.runs.length === 1);
      for (const key of ['r1', 'r2', 'r3', 'r4']) await q.send(queue, { why: 'schedule' }, { key, priority: PRIORITY.routine });
      expect(await q.send(queue, { why: 'push' }, { key: 'pushed', priority: PRIORITY.urgent })).toEqual(expect.any(String));
      // A routine poll of a mailbox already waits when its push comes: still one job, made urgent.
      await q.send(queue, { why: 'schedule' }, { key: 'r5' });
      expect(await q.send(queue, { why: 'push' }, { key: 'r5', priority: PRIORITY.urgent })).toBeNull();
      busy.open();
      await until(() => rec.runs.length === 7);
      expect(rec.runs.map((r) => r.key)).toEqual(['busy', 'pushed', 'r5', 'r1', 'r2', 'r3', 'r4']);
      await until(async () => {
        const s = await q.stats(queue);
        return s.queued + s.running === 0;
      });
      expect(rec.runs).toHaveLength(7);
    });

    it('runs one job per key at a time across workers, different keys in parallel', async () => {
      const q1 = await makeQueue();
      const q2 = kind === 'pg-boss' ? await makeQueue() : q1; // two worker processes' worth
      const queue = name();
      const rec = recorder();
      let parallel = 0;
      let maxParallel = 0;
      const handler = (job: Job<unknown>) =>
        rec.around(job, async () => {
          maxParallel = Math.max(maxParallel, ++parallel);
          await sleep(150);
          parallel--;
        });
      await q1.work(queue, { concurrency: 3 }, handler);
      if (q2 !== q1) await q2.work(queue, { concurrency: 3 }, handler);
      for (let round = 0; round < 6; round++) {
        for (const key of ['a', 'b', 'c']) await q1.send(queue, { round }, { key });
        await sleep(100);
      }
      await until(async () => {
        const s = await q1.stats(queue);
        return s.queued === 0 && s.running === 0;
      });
      expect(rec.maxSameKey).toBe(1);
      expect(maxParallel).toBeGreaterThan(1);
      for (const key of ['a', 'b', 'c']) expect(rec.runs.filter((r) => r.key === key).length).toBeGreaterThanOrEqual(2);
    });

    it('retries a job whose handler failed', async () => {
      const q = await makeQueue();
      const queue = name();
      const rec = recorder();
      await q.work(queue, { concurrency: 1 }, (job) =>
        rec.around(job, async () => {
          if (job.retryCount === 0) throw new Error('transient');
        }),
      );
      await q.send(queue, {}, { key: 'c1' });
      await until(() => rec.runs.length === 2);
      expect(rec.runs.map((r) => r.retryCount)).toEqual([0, 1]);
    });

    // A retry far off: while it waits, only a send can make it run, so the test needs no timing.
    const LATE_RETRY = { retryLimit: 3, retryDelayMs: 600_000, maxDelayMs: 600_000 };

    /** A queue whose key c1 has failed once and now waits for its retry (nothing runs). */
    async function failedOnce() {
      const q = await makeQueue({ retry: LATE_RETRY });
      const queue = name();
      const rec = recorder();
      await q.work(queue, { concurrency: 2 }, (job) =>
        rec.around(job, async () => {
          if (job.retryCount === 0) throw new Error('transient');
        }),
      );
      expect(await q.send(queue, { why: 'schedule' }, { key: 'c1' })).toEqual(expect.any(String));
      await until(() => rec.runs.length === 1);
      // The failure is recorded: its retry waits, nothing runs.
      await until(async () => {
        const s = await q.stats(queue);
        return s.queued === 1 && s.running === 0;
      });
      return { q, queue, rec };
    }

    it('a routine send while a failed job waits for its retry is deduplicated into that retry', async () => {
      const { q, queue, rec } = await failedOnce();
      expect(await q.send(queue, { why: 'schedule-2' }, { key: 'c1' })).toBeNull();
      expect(await q.stats(queue)).toEqual({ queued: 1, running: 0 });
      expect(rec.runs).toHaveLength(1);
    });

    it('"Sync now" while a failed job waits for its retry: deduplicated, and the retry runs now', async () => {
      const { q, queue, rec } = await failedOnce();
      expect(await q.send(queue, { why: 'now' }, { key: 'c1', priority: PRIORITY.urgent })).toBeNull();
      // The retry was due in 10 minutes; the wait below is a hang guard 30 times shorter.
      await until(() => rec.runs.length === 2);
      expect(rec.runs.map((r) => ({ data: r.data, retryCount: r.retryCount }))).toEqual([
        { data: { why: 'schedule' }, retryCount: 0 },
        { data: { why: 'schedule' }, retryCount: 1 },
      ]);
      await until(async () => {
        const s = await q.stats(queue);
        return s.queued + s.running === 0;
      });
      expect(rec.runs).toHaveLength(2);
    });

    it('stops gracefully: a running job finishes first', async () => {
      const q = await makeQueue();
      const queue = name();
      let finished = false;
      let started = false;
      await q.work(queue, { concurrency: 1 }, async () => {
        started = true;
        await sleep(800);
        finished = true;
      });
      await q.send(queue, {}, { key: 'c1' });
      await until(() => started);
      await q.stop({ timeoutMs: 10_000 });
      expect(finished).toBe(true);
    });

    if (kind === 'pg-boss') {
      it('"Sync now" while the follow-up is being put back (fetched by an idle worker, its key running) is still deduplicated', async () => {
        // The race: an idle worker fetches the waiting follow-up ('active'), finds its key
        // running and puts it back as a new job. In between, no job of the key is 'created'. The
        // queue holds the worker in exactly that moment (beforeDeferral) until the test has sent
        // again, so every round reproduces it; rounds vary which worker fetched what.
        const deferring = new Map<string, { seen: ReturnType<typeof gate>; release: ReturnType<typeof gate> }>();
        const q = await makeQueue({
          beforeDeferral: async (key) => {
            const d = deferring.get(key);
            if (!d) return;
            deferring.delete(key); // later deferrals of this key pass straight through
            d.seen.open();
            await d.release.p;
          },
        });
        const queue = name();
        const rec = recorder();
        const firstRun = new Map<string, ReturnType<typeof gate>>();
        await q.work(queue, { concurrency: 3 }, (job) =>
          rec.around(job, async () => {
            const g = firstRun.get(job.key);
            firstRun.delete(job.key);
            await g?.p;
          }),
        );
        for (const key of ['r1', 'r2', 'r3']) {
          const running = gate();
          firstRun.set(key, running);
          const d = { seen: gate(), release: gate() };
          deferring.set(key, d);
          try {
            await q.send(queue, { why: 'schedule' }, { key });
            await until(() => rec.runs.some((r) => r.key === key));
            expect(await q.send(queue, { why: 'now-1' }, { key })).toEqual(expect.any(String));
            await d.seen.p; // a worker holds the follow-up, about to put it back
            expect(await q.send(queue, { why: 'now-2' }, { key })).toBeNull();
          } finally {
            // Also on failure: a held worker would make the queue's stop wait out the hook timeout.
            d.release.open();
            running.open();
          }
          await until(() => rec.runs.filter((r) => r.key === key).length === 2);
          await until(async () => {
            const s = await q.stats(queue);
            return s.queued + s.running === 0;
          });
          expect(rec.runs.filter((r) => r.key === key).map((r) => r.data)).toEqual([{ why: 'schedule' }, { why: 'now-1' }]);
        }
        expect(rec.maxSameKey).toBe(1);
      });

      it("a finished job is not taken for a dead worker's: the reaper, right after the run lets go of its key, leaves it alone", async () => {
        // The reaper fails an active job whose key is free. If the run let go of its key before
        // the job was marked completed, a reaper looking in between would fail a finished job
        // and pg-boss would run it again. The queue holds the worker in exactly that moment.
        const released = gate();
        const resume = gate();
        const q = (await makeQueue({
          reapIntervalMs: 600_000, // the test calls reap() itself, at the moment it means
          reapAfterMs: 0,
          afterRelease: async () => {
            released.open();
            await resume.p;
          },
        })) as PgBossQueue;
        const queue = name();
        const rec = recorder();
        await q.work(queue, { concurrency: 1 }, (job) => rec.around(job, async () => {}));
        await q.send(queue, { n: 1 }, { key: 'c1' });
        try {
          await released.p;
          expect(await q.stats(queue)).toEqual({ queued: 0, running: 0 });
          expect(await q.reap()).toBe(0);
        } finally {
          resume.open();
        }
        await until(async () => {
          const s = await q.stats(queue);
          return s.queued + s.running === 0;
        });
        expect(rec.runs).toEqual([{ key: 'c1', data: { n: 1 }, retryCount: 0 }]);
      });

      it('a job that ends while PostgreSQL is unreachable is an error reported to the service, not a crashed process', async () => {
        // pg-boss 10 marks a finished job completed without awaiting it (src/queue/pg-boss-settle.ts):
        // with the database gone that rejection went unhandled and Node exited the worker.
        const target = new URL(database!.location);
        const proxy = await countingProxy({ host: target.hostname, port: Number(target.port || 5432) });
        const through = new URL(database!.location);
        through.hostname = proxy.host;
        through.port = String(proxy.port);
        const errors: string[] = [];
        const q = await new PgBossQueue({
          url: through.toString(),
          retry: RETRY,
          pollingIntervalSeconds: 0.5,
          reapIntervalMs: 60_000,
          onError: (err, where) => errors.push(`${where}: ${(err as Error).message}`),
        }).start();
        const queue = name();
        const ran = gate();
        await q.work(queue, { concurrency: 1 }, async () => {
          await proxy.close(); // the database goes away while the job runs
          ran.open();
        });
        await q.send(queue, { n: 1 }, { key: 'cut' });
        await ran.p;
        await until(() => errors.some((e) => e.startsWith('pg-boss:')));
        await Promise.race([q.stop({ timeoutMs: 500 }).catch(() => {}), sleep(3000)]);
      });

      it('a slot that just ran a job takes the next waiting one at once, not after its polling interval', async () => {
        // pg-boss waits out the rest of the polling interval after every fetch, a job or not.
        // With one slot and a 10-minute interval, only a slot that fetches again right after
        // its job can run the four queued jobs; the wait is a hang guard 30 times shorter.
        const q = await makeQueue({ pollingIntervalSeconds: 600 });
        const queue = name();
        for (const key of ['j1', 'j2', 'j3', 'j4']) await q.send(queue, {}, { key });
        const rec = recorder();
        await q.work(queue, { concurrency: 1 }, (job) => rec.around(job, async () => {}));
        await until(() => rec.runs.length === 4, 20_000);
        expect(rec.runs.map((r) => r.key).sort()).toEqual(['j1', 'j2', 'j3', 'j4']);
      });

      it('a job whose worker died (its lock is gone) is run again by another worker, not after its expiry', async () => {
        const queue = name();
        const q = (await makeQueue()) as PgBossQueue;
        await q.send(queue, { n: 1 }, { key: 'c1' });
        // A "worker" takes the job and dies: it never holds the lock, never completes.
        const dead = new PgBoss({ connectionString: database!.location });
        await dead.start();
        const [taken] = await dead.fetch(queue);
        expect(taken).toBeDefined();
        await dead.stop({ graceful: false, wait: true });
        const rec = recorder();
        await q.work(queue, { concurrency: 1 }, (job) => rec.around(job, async () => {}));
        // The job's expiry is pg-boss's 3600 s (PgBossQueue's default expireInSeconds); the
        // reaper, every 500 ms here, fails it as soon as its key's lock is gone. The wait is a
        // hang guard 240 times shorter than the expiry, so only the reaper can have freed it.
        await until(() => rec.runs.length === 1, 15_000);
        expect(rec.runs[0]).toMatchObject({ key: 'c1', data: { n: 1 }, retryCount: 1 });
        // The run is recorded before pg-boss marks the job completed; wait for that write.
        await until(async () => {
          const s = await q.stats(queue);
          return s.queued + s.running === 0;
        });
        expect(await q.stats(queue)).toEqual({ queued: 0, running: 0 });
      });
    }
  });
}
