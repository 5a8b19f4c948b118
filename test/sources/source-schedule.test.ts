// Directory sources on the scheduler, through the same queue and sync job as mail: a connected
// source is due at once, its sync runs in a worker, and it is due again after the configured
// interval (15 minutes by default); a throttled sync is due again when the provider said, and a
// source needing re-authorization is never queued.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { InProcessQueue } from '../../src/queue/in-process.js';
import { connectSource } from '../../src/app/sources.js';
import { requestSourceSync, Scheduler, SYNC_QUEUE, type SyncJobData } from '../../src/service/scheduler.js';
import { makeSyncJob } from '../../src/service/sync-job.js';
import { getSource } from '../../src/store/sources.js';
import { HubSpotEmulator } from '../emulators/hubspot.js';
import { START, sourceWorld, type SourceWorld } from './fixture.js';

const MIN = 60_000;

describe('directory sources on the scheduler', () => {
  let w: SourceWorld;
  let queue: InProcessQueue;
  let scheduler: Scheduler;
  const clock = new ManualClock(START);

  beforeEach(async () => {
    clock.set(START);
    w = await sourceWorld('sqlite', 'hubspot', () => HubSpotEmulator.start());
    w.emulator.seed([{ id: '1', name: 'Globex', domain: 'globex.com' }], [{ id: '2', email: 'bob@globex.com', companyIds: ['1'] }]);
    queue = new InProcessQueue();
    await queue.work(
      SYNC_QUEUE,
      { concurrency: 2 },
      makeSyncJob({ db: w.deps.db, clock, ...(w.deps.connectors ? { connectors: w.deps.connectors } : {}) }),
    );
    scheduler = new Scheduler({ db: w.deps.db, queue, clock });
  });
  afterEach(async () => {
    await queue.stop();
    await w.close();
  });

  /** Whether the tick at `minutes` synced the source (the teammate's mailbox syncs on its own schedule too). */
  async function tickAt(minutes: number): Promise<number> {
    const at = new Date(START.getTime() + minutes * MIN);
    clock.set(at);
    await scheduler.tick();
    await queue.idle();
    return (await getSource(w.deps.db, w.deps.ws.id, w.sourceId))?.lastSyncAt === at.toISOString() ? 1 : 0;
  }

  it('syncs a new source at once, then every 15 minutes', async () => {
    expect(await tickAt(0)).toBe(1);
    expect((await w.endUsers()).map((u) => u.email)).toEqual(['bob@globex.com']);
    const src = await getSource(w.deps.db, w.deps.ws.id, w.sourceId);
    expect(src?.nextSyncAt).toBe(new Date(START.getTime() + 15 * MIN).toISOString());
    expect(await tickAt(14)).toBe(0);
    w.emulator.upsertContact({ id: '3', email: 'carol@globex.com', companyIds: ['1'] });
    expect(await tickAt(15)).toBe(1);
    expect((await w.endUsers()).map((u) => u.email)).toEqual(['bob@globex.com', 'carol@globex.com']);
  });

  it('a source connected in the service syncs once: its first sync, already queued, is not queued again by the next tick', async () => {
    const fresh = await sourceWorld('sqlite', 'hubspot', () => HubSpotEmulator.start(), false);
    try {
      fresh.emulator.seed([{ id: '1', name: 'Globex', domain: 'globex.com' }], [{ id: '2', email: 'bob@globex.com', companyIds: ['1'] }]);
      const syncs: string[] = [];
      const q = new InProcessQueue();
      const job = makeSyncJob({ db: fresh.deps.db, clock, ...(fresh.deps.connectors ? { connectors: fresh.deps.connectors } : {}) });
      // Held until the tick has run: the first sync is in a worker while the scheduler looks.
      let release: () => void = () => undefined;
      const held = new Promise<void>((r) => (release = r));
      await q.work<SyncJobData>(SYNC_QUEUE, { concurrency: 2 }, async (j) => {
        if (j.data.sourceId) syncs.push(j.data.reason);
        await held;
        return job(j);
      });
      const { source } = await connectSource(
        {
          ...fresh.deps,
          requestSourceSync: async (id) => ((await requestSourceSync(q, fresh.deps.ws.id, id)) ? 'queued' : 'already_queued'),
        },
        { kind: 'hubspot', settings: fresh.emulator.settings, secret: fresh.emulator.secret },
      );
      expect(source.nextSyncAt).toBe(new Date(START.getTime() + 15 * MIN).toISOString());
      await new Scheduler({ db: fresh.deps.db, queue: q, clock }).tick();
      release();
      await q.idle();
      await q.stop();
      expect(syncs).toEqual(['sync_now']);
      expect((await getSource(fresh.deps.db, fresh.deps.ws.id, source.id))?.counts).toMatchObject({ added: 2 });
    } finally {
      await fresh.close();
    }
  });

  it('waits as told when throttled, and never queues a source that needs re-authorization', async () => {
    w.emulator.throttleNext(1, 30);
    expect(await tickAt(0)).toBe(1);
    const throttled = await getSource(w.deps.db, w.deps.ws.id, w.sourceId);
    expect(throttled).toMatchObject({ status: 'throttled', nextSyncAt: new Date(START.getTime() + 30_000).toISOString() });
    expect(await tickAt(1)).toBe(1);
    expect((await getSource(w.deps.db, w.deps.ws.id, w.sourceId))?.status).toBe('active');

    w.emulator.revokeToken();
    expect(await tickAt(16)).toBe(1);
    expect((await getSource(w.deps.db, w.deps.ws.id, w.sourceId))?.status).toBe('needs_reauth');
    expect(await tickAt(60)).toBe(0);
  });
});
