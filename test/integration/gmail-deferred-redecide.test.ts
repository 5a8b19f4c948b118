// A directory change never silently drops mail the provider was too busy to re-read (Gmail):
// the per-user quota (gmail-quota.ts, numbers lowered for the test) refuses the change's
// re-reads past our retry budget. The emails wait instead of counting unavailable, explain says
// so, and the next sync after the quota refills links them. One the quota keeps refusing at
// every sync is given up after the bound of attempts and audited. Through the official client
// and the real OAuth2Client, both stores. The retry budget is cut to 3 quick rounds here (Gmail's
// refusal names no wait: the real budget backs off for a minute before it gives up).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addEndUser } from '../../src/app/directory-changes.js';
import { explainEmail } from '../../src/app/explain.js';
import type { Ctx } from '../../src/store/context.js';
import { DEFERRED_LIMITS } from '../../src/sync/deferred-redecide.js';
import { syncAll } from '../../src/sync/run-sync.js';
import { GoogleEmulator } from '../emulators/google.js';
import { GMAIL_USER_QUOTA } from '../emulators/gmail-quota.js';
import { eml } from '../support/cli.js';
import { googleEmulatorConfig, testConfig } from '../support/config.js';
import { DIALECTS } from '../support/databases.js';
import { liveWorkspace, type LiveWorkspace } from '../support/live-find.js';

vi.mock('../../src/providers/retry-after.js', async (original) => ({
  ...(await original<typeof import('../../src/providers/retry-after.js')>()),
  DEFAULT_RETRY: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 },
}));
vi.setConfig({ testTimeout: 120_000 });

const AUTH = '2026-03-01T00:00:00Z';
const T0 = new Date('2026-03-10T12:00:00Z');
const hoursLater = (h: number) => new Date(T0.getTime() + h * 3_600_000);

for (const dialect of DIALECTS) {
  describe(`Gmail: re-reads the quota refused wait for the next sync (${dialect})`, () => {
    const g = new GoogleEmulator();
    let w: LiveWorkspace;
    let connId = '';
    const ctxAt = (now: Date): Ctx => ({ ...w.deps, now });
    const add = (n: number, from: string) =>
      g.addMessage(
        `q${n}`,
        eml({ from, to: 'alice@ourco.com', date: '2026-03-05T10:00:00Z', messageId: `q${n}@example.com`, body: `body ${n}` }),
        new Date(Date.UTC(2026, 2, 5, 10, 0, 0, n)).toISOString(),
      );
    const linked = async () =>
      (
        await w.deps.db
          .selectFrom('emails')
          .select('message_id')
          .where('workspace_id', '=', w.deps.ws.id)
          .where('outcome', '=', 'linked')
          .orderBy('message_id')
          .execute()
      ).map((r) => r.message_id);
    const waitingRows = () => w.deps.db.selectFrom('deferred_redecisions').selectAll().where('workspace_id', '=', w.deps.ws.id).execute();
    /** A quota with nothing saved up and no refill: every request that costs units is refused. */
    const exhausted = () => g.setUserQuota({ unitsPerSecond: 0, burstUnits: 0 });
    /** Enough for a sync with no new mail (history.list, 2 units), not for one messages.get (5). */
    const enoughForHistory = () => g.setUserQuota({ unitsPerSecond: 0, burstUnits: 4 });

    beforeAll(async () => {
      await g.start();
      for (let n = 0; n < 20; n++) add(n, 'zed@prospect.example');
      for (let n = 100; n < 104; n++) add(n, 'wes@stale.example');
      w = await liveWorkspace(
        T0.toISOString(),
        testConfig({ google: googleEmulatorConfig({ tokenUrl: g.tokenUrl, rootUrl: g.rootUrl }) }),
        dialect,
      );
      connId = await w.connect({ provider: 'gmail', config: {}, secret: g.issueRefreshToken(), authorizedAt: AUTH });
      const [first] = await syncAll(w.deps, connId);
      expect(first?.failure ?? null).toBeNull();
      expect(first?.mail).toMatchObject({ seen: 24, linked: 0 });
    });
    afterAll(async () => {
      DEFERRED_LIMITS.maxAttempts = 24;
      await w?.close();
      await g.stop();
    });

    it('refused by the quota: deferred, not unavailable; explain says it waits; the next sync links them all', async () => {
      exhausted();
      const r = await addEndUser(w.deps, { accountId: 'acme', email: 'zed@prospect.example', source: 'manual' });
      expect(r).toMatchObject({ linked: [], unavailable: 0, deferred: 20 });
      expect(r.deferredBecause).toEqual([{ provider: 'gmail', code: 'THROTTLED', emails: 20 }]);
      expect(await linked()).toEqual([]);
      const e = await explainEmail(ctxAt(hoursLater(1)), { messageId: 'q3@example.com' });
      expect(e.waiting).toMatchObject({ since: T0.toISOString(), attempts: 1, code: 'THROTTLED', provider: 'gmail' });
      expect(e.summary).toContain('Gmail asked us to slow down');

      g.setUserQuota(GMAIL_USER_QUOTA);
      const [synced] = await syncAll(ctxAt(hoursLater(1)), connId);
      expect(synced?.failure ?? null).toBeNull();
      expect(synced?.reread?.linked).toHaveLength(20);
      expect(await linked()).toEqual(Array.from({ length: 20 }, (_, n) => `q${n}@example.com`).sort());
      expect(await waitingRows()).toEqual([]);
    });

    it('refused at every sync: given up after the bound of attempts, audited as unavailable', async () => {
      DEFERRED_LIMITS.maxAttempts = 3;
      exhausted();
      const r = await addEndUser(ctxAt(hoursLater(2)), { accountId: 'acme', email: 'wes@stale.example', source: 'manual' });
      expect(r).toMatchObject({ unavailable: 0, deferred: 4 });
      // The syncs themselves pass (no new mail: history only); the re-reads are refused again.
      enoughForHistory();
      const [second] = await syncAll(ctxAt(hoursLater(3)), connId);
      expect(second?.failure ?? null).toBeNull();
      expect(second?.reread).toMatchObject({ deferred: 4, gaveUp: 0 });
      expect((await waitingRows()).map((x) => Number(x.attempts))).toEqual([2, 2, 2, 2]);
      enoughForHistory();
      const [third] = await syncAll(ctxAt(hoursLater(4)), connId);
      expect(third?.reread).toMatchObject({ deferred: 0, gaveUp: 4, unavailable: 4 });
      expect(await waitingRows()).toEqual([]);
      const entries = await w.deps.db
        .selectFrom('audit_log')
        .select('details')
        .where('workspace_id', '=', w.deps.ws.id)
        .where('action', '=', 'directory_change.reread')
        .orderBy('id')
        .execute();
      const last = JSON.parse(entries.at(-1)!.details) as { gaveUp: { ref: string; attempts: number; lastError: string }[] };
      expect(last.gaveUp.map((x) => x.ref).sort()).toEqual([
        'q100@example.com',
        'q101@example.com',
        'q102@example.com',
        'q103@example.com',
      ]);
      expect(last.gaveUp.every((x) => x.lastError === 'THROTTLED' && x.attempts === 2)).toBe(true);
      expect((await explainEmail(ctxAt(hoursLater(5)), { messageId: 'q100@example.com' })).waiting).toBeUndefined();
    });
  });
}
