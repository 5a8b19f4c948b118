// The queue's promises, on both implementations: dedup while waiting, exactly one
// follow-up when sent while running, one run per key at a time whatever the workers,
// retries after a failure, a dead worker's job run again, graceful stop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import PgBoss from 'pg-boss';
import { InProcessQueue } from '../../src/queue/in-process.js';
import { PgBossQueue } from '../../src/queue/pg-boss.js';
import type { Job, JobQueue } from '../../src/queue/types.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

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

    async function makeQueue(): Promise<JobQueue> {
      const q =
        kind === 'in-process'
          ? new InProcessQueue(RETRY)
          : await new PgBossQueue({
              url: database!.location,
              retry: RETRY,
              pollingIntervalSeconds: 0.5,
              reapIntervalMs: 500,
              reapAfterMs: 1000,
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
        expect(await q.stats(queue)).toEqual({ queued: 0, running: 0 });
      });
    }
  });
}
