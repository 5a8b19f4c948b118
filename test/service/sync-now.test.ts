// "Sync now" through the API while a sync of the same connection is running: exactly one
// follow-up is queued (repeated presses are deduplicated) and it runs after the first one,
// never beside it — on the embedded queue and on pg-boss.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { apiServiceHooks } from '../../src/service/api-hooks.js';
import { InProcessQueue } from '../../src/queue/in-process.js';
import { PgBossQueue } from '../../src/queue/pg-boss.js';
import type { JobQueue } from '../../src/queue/types.js';
import { systemClock } from '../../src/domain/clock.js';
import { createMetrics } from '../../src/service/metrics.js';
import { SYNC_QUEUE } from '../../src/service/scheduler.js';
import { makeSyncJob } from '../../src/service/sync-job.js';
import { createConnection } from '../../src/store/connections.js';
import { addTeammate } from '../../src/store/directory.js';
import { createToken } from '../../src/store/tokens.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import type { SyncReport } from '../../src/sync/run-sync.js';
import { testConfig, testGlobals } from '../support/config.js';
import { openTestStore, type Dialect } from '../support/databases.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  for (const start = Date.now(); !(await cond()); await sleep(20)) if (Date.now() - start > ms) throw new Error('timed out');
}

for (const [dialect, kind] of [
  ['sqlite', 'in-process'],
  ['postgres', 'pg-boss'],
] as const) {
  describe(`Sync now while a sync runs (${kind} queue)`, () => {
    let app: FastifyInstance;
    let queue: JobQueue;
    let close: () => Promise<void>;
    let token: string;
    let connectionId: string;
    let otherConnectionId: string;
    const runs: { at: number; done?: number }[] = [];
    /** Syncs of another connection: evidence that idle workers were taking jobs. */
    let otherRuns = 0;
    let release!: () => void;
    const firstRunHeld = new Promise<void>((r) => (release = r));

    beforeAll(async () => {
      const store = await openTestStore(dialect as Dialect, 'syncnow');
      const db = store.db;
      queue =
        kind === 'in-process'
          ? new InProcessQueue()
          : await new PgBossQueue({ url: store.database.location, pollingIntervalSeconds: 0.5 }).start();
      const now = new Date();
      const ws = await createWorkspace(db, 'acme-cs', [], now);
      const t = await addTeammate(db, ws.id, { email: 'alice@ourco.com', aliases: [] }, now);
      connectionId = await createConnection(
        db,
        ws.id,
        { teammateId: t.id, provider: 'folder', config: {}, hasMail: true, hasCalendar: false, authorizedAt: now },
        now,
      );
      otherConnectionId = await createConnection(
        db,
        ws.id,
        { teammateId: t.id, provider: 'folder', config: {}, hasMail: true, hasCalendar: false, authorizedAt: now },
        now,
      );
      token = (await createToken(db, ws.id, { name: 'csm', role: 'csm' }, now)).token;
      const sync = async (_ctx: unknown, id: string): Promise<SyncReport[]> => {
        if (id !== connectionId) otherRuns++;
        else {
          const run: { at: number; done?: number } = { at: Date.now() };
          runs.push(run);
          if (runs.length === 1) await firstRunHeld;
          run.done = Date.now();
        }
        return [
          {
            connectionId: id,
            teammate: 'alice@ourco.com',
            status: 'active',
            mail: { seen: 0, linked: 0, notLinked: 0 },
            calendar: { linked: 0, notLinked: 0, upcoming: 0 },
            errors: [],
          },
        ];
      };
      await queue.work(SYNC_QUEUE, { concurrency: 3 }, makeSyncJob({ db, clock: systemClock, sync }));
      app = await buildApp({
        db,
        queue,
        clock: systemClock,
        metrics: createMetrics({ db, queue, clock: systemClock, defaultMetrics: false }),
        service: apiServiceHooks({ db, queue }),
        secretKey: null,
        ...testGlobals(testConfig({ secretKey: undefined })),
      });
      close = async () => {
        await app.close();
        await queue.stop({ timeoutMs: 5000 });
        await store.close();
      };
    });
    afterAll(async () => close());

    const drained = async () => {
      const s = await queue.stats(SYNC_QUEUE);
      return s.queued === 0 && s.running === 0;
    };
    const press = async (id = connectionId) => {
      const res = await app.inject({
        method: 'POST',
        url: `/v1/connections/${id}/sync`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(202);
      return (JSON.parse(res.body) as { status: string }).status;
    };

    it('queues exactly one follow-up and runs it after the running sync', async () => {
      expect(await press()).toBe('queued');
      await until(() => runs.length === 1);
      // Running: the first press queues the follow-up, the next ones are that same follow-up.
      expect(await press()).toBe('queued');
      expect(await press()).toBe('already_queued');
      expect(await press()).toBe('already_queued');
      // Idle workers must not start the follow-up beside the running sync. Evidence that they
      // were taking jobs: another connection's sync, pressed after the follow-up, has run.
      expect(await press(otherConnectionId)).toBe('queued');
      await until(() => otherRuns === 1);
      expect(runs).toHaveLength(1);
      release();
      await until(() => runs.length === 2 && runs[1]!.done !== undefined);
      // Drained: nothing waits or runs, so no third sync can come from the repeated presses.
      await until(drained);
      expect(runs).toHaveLength(2);
      expect(runs[1]!.at).toBeGreaterThanOrEqual(runs[0]!.done!);
      // Idle again: the next press starts a new sync at once.
      expect(await press()).toBe('queued');
      await until(() => runs.length === 3);
    });
  });
}
