// The scheduler under an injected clock: hours of ticks run in a few seconds, with the real
// store, the real in-process queue and the real sync job (only the sync itself is a
// recorder). No connection ever waits longer than its interval, connections drift apart
// (jitter), none is synced twice for one due time, and lowering the interval takes effect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { rescheduleWorkspace, Scheduler, SYNC_QUEUE, type Timing } from '../../src/service/scheduler.js';
import { makeSyncJob } from '../../src/service/sync-job.js';
import { InProcessQueue } from '../../src/queue/in-process.js';
import type { Store } from '../../src/store/db.js';
import { createConnection, updateConnection } from '../../src/store/connections.js';
import { addTeammate } from '../../src/store/directory.js';
import { createWorkspace, getWorkspace, updateWorkspaceSettings } from '../../src/store/workspaces.js';
import type { Ctx } from '../../src/store/context.js';
import type { SyncReport } from '../../src/sync/run-sync.js';
import { openTestStore } from '../support/databases.js';

const T0 = new Date('2026-03-20T08:00:00Z');
const TIMING: Timing = { tickMs: 2_000, startSlackMs: 10_000, jitterShare: 0.1 };
const MIN = 60_000;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('scheduler with an injected clock', () => {
  let db: Store;
  let close: () => Promise<void>;
  const clock = new ManualClock(T0);
  const starts = new Map<string, number[]>();
  const interval = new Map<string, number>(); // connection → workspace
  let broken = '';
  let reauth = '';
  const wsOf = new Map<string, string>();

  beforeAll(async () => {
    ({ db, close } = await openTestStore('sqlite', 'scheduler'));
    for (const [slug, minutes, n] of [
      ['five', 5, 12],
      ['thirty', 30, 4],
      ['one', 1, 3],
    ] as const) {
      const ws = await createWorkspace(db, slug, [], T0);
      await updateWorkspaceSettings(db, ws.id, { syncIntervalMinutes: minutes });
      const t = await addTeammate(db, ws.id, { email: `csm@${slug}.example`, aliases: [] }, T0);
      for (let i = 0; i < n; i++) {
        const id = await createConnection(
          db,
          ws.id,
          { teammateId: t.id, provider: 'folder', config: {}, hasMail: true, hasCalendar: false, authorizedAt: T0 },
          T0,
        );
        starts.set(id, []);
        wsOf.set(id, ws.id);
        interval.set(id, minutes);
      }
    }
    [broken = '', reauth = ''] = [...starts.keys()].slice(0, 2);
    await updateConnection(db, wsOf.get(broken)!, broken, { status: 'error', lastError: 'server said no' });
    await updateConnection(db, wsOf.get(reauth)!, reauth, { status: 'needs_reauth' });
  });
  afterAll(async () => close());

  it('syncs every connection at least once per interval for hours, spread out, never twice per due time', async () => {
    const queue = new InProcessQueue();
    const sync = async (ctx: Ctx, id: string): Promise<SyncReport[]> => {
      starts.get(id)!.push(ctx.now.getTime());
      const status = id === broken ? 'error' : 'active';
      return [
        {
          connectionId: id,
          teammate: 'x',
          status,
          mail: { seen: 0, linked: 0, notLinked: 0 },
          calendar: { linked: 0, notLinked: 0, upcoming: 0 },
          errors: [],
          ...(status === 'error' ? { failure: 'server said no' } : {}),
        },
      ];
    };
    await queue.work(SYNC_QUEUE, { concurrency: 4 }, makeSyncJob({ db, clock, timing: TIMING, random: seeded(7), sync }));
    const scheduler = new Scheduler({ db, queue, clock, timing: TIMING });
    const fiveWs = (await getWorkspace(db, wsOf.get([...starts.keys()][2]!)!))!;
    const HOURS = 3;
    const changeAt = T0.getTime() + 90 * MIN;
    for (let t = T0.getTime(); t < T0.getTime() + HOURS * 60 * MIN; t += TIMING.tickMs) {
      clock.set(new Date(t));
      if (t === changeAt) {
        // An admin lowers the "five" workspace to 2 minutes: pending due times move in.
        await updateWorkspaceSettings(db, fiveWs.id, { syncIntervalMinutes: 2 });
        await rescheduleWorkspace(db, fiveWs.id, 2, TIMING, clock.now());
        for (const [id, ws] of wsOf) if (ws === fiveWs.id) interval.set(id, 2);
      }
      await scheduler.tick();
      await queue.idle();
    }
    await queue.stop();

    expect(starts.get(reauth)).toEqual([]); // needs re-authorization: nothing syncs
    for (const [id, list] of starts) {
      if (id === reauth) continue;
      expect(list[0]).toBe(T0.getTime()); // new connections sync at once
      const minutes = interval.get(id)!;
      for (let i = 1; i < list.length; i++) {
        const gap = list[i]! - list[i - 1]!;
        // The interval in force: the old one for a gap that began before the change.
        const limit = (list[i - 1]! < changeAt && wsOf.get(id) === fiveWs.id ? Math.max(5, minutes) : minutes) * MIN;
        expect({ id, at: new Date(list[i]!).toISOString(), ok: gap <= limit }).toEqual({
          id,
          at: new Date(list[i]!).toISOString(),
          ok: true,
        });
        // No needless extra syncs: never sooner than half the interval (except right after lowering it).
        if (list[i - 1]! > changeAt + 5 * MIN || wsOf.get(id) !== fiveWs.id) expect(gap).toBeGreaterThanOrEqual((minutes * MIN) / 2);
      }
      const end = T0.getTime() + HOURS * 60 * MIN;
      expect(end - list[list.length - 1]!).toBeLessThanOrEqual(minutes * MIN);
    }
    // After the lowering, the "five" connections sync at least every 2 minutes.
    for (const [id, list] of starts) {
      if (wsOf.get(id) !== fiveWs.id || id === reauth) continue;
      const after = list.filter((t) => t >= changeAt);
      expect(after.length).toBeGreaterThanOrEqual(40);
    }
    // Jitter: connections that first synced together no longer start in the same tick.
    const thirty = [...starts.entries()].filter(([id]) => interval.get(id) === 30).map(([, l]) => l[3]);
    expect(new Set(thirty).size).toBeGreaterThan(1);
  }, 240_000); // 5,400 ticks: seconds alone, longer beside other suites
});
