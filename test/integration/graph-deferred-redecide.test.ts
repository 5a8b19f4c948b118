// A directory change never silently drops mail the provider was too busy to re-read (Graph):
// Outlook refuses every request to the mailbox (MailboxConcurrency, as when other clients hold
// its 4 slots) past our retry budget while an end user is added. The emails to re-read are not
// "unavailable": they wait, explain says so, and the next sync after the limit lifts links them.
// One that stays refused for 7 days is given up and audited; a message that is gone is
// unavailable at once and never waits. Through msal and the official Graph client, both stores.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addEndUser } from '../../src/app/directory-changes.js';
import { explainEmail } from '../../src/app/explain.js';
import type { Ctx } from '../../src/store/context.js';
import { syncAll } from '../../src/sync/run-sync.js';
import { MicrosoftEmulator } from '../emulators/microsoft.js';
import { microsoftEmulatorConfig, testConfig } from '../support/config.js';
import { DIALECTS } from '../support/databases.js';
import { liveWorkspace, type LiveWorkspace } from '../support/live-find.js';

vi.setConfig({ testTimeout: 120_000 });

const AUTH = '2026-03-01T00:00:00Z';
const T0 = new Date('2026-03-10T12:00:00Z');
const at = (days: number, hours = 0) => new Date(T0.getTime() + days * 86_400_000 + hours * 3_600_000);

for (const dialect of DIALECTS) {
  describe(`Graph: re-reads refused past the budget wait for the next sync (${dialect})`, () => {
    const ms = new MicrosoftEmulator();
    let w: LiveWorkspace;
    let connId = '';
    const ctxAt = (now: Date): Ctx => ({ ...w.deps, now });
    const add = (n: number, from: string) =>
      ms.addMessage({
        id: `AAMk-${n}`,
        folder: 'inbox',
        internetMessageId: `d${n}@example.com`,
        subject: `Renewal ${n}`,
        from,
        to: ['alice@ourco.com'],
        receivedDateTime: new Date(Date.UTC(2026, 2, 5, 10, 0, 0, n)).toISOString(),
        body: `Body ${n}`,
      });
    /** Every request to the mailbox refused, told to come back at once: the budget runs out in a moment. */
    const busy = (on: boolean) => {
      ms.mailboxConcurrency = on ? 0 : 4;
      ms.concurrencyRetryAfter = on ? '0' : '1';
    };
    const outcomes = async (prefix: string) =>
      (
        await w.deps.db
          .selectFrom('emails')
          .select(['message_id', 'outcome'])
          .where('workspace_id', '=', w.deps.ws.id)
          .where('message_id', 'like', `${prefix}%`)
          .execute()
      ).map((r) => r.outcome);
    const waitingRows = () => w.deps.db.selectFrom('deferred_redecisions').selectAll().where('workspace_id', '=', w.deps.ws.id).execute();

    beforeAll(async () => {
      await ms.start();
      for (let n = 0; n < 30; n++) add(n, 'zed@prospect.example');
      for (let n = 100; n < 105; n++) add(n, 'wes@stale.example');
      for (let n = 200; n < 202; n++) add(n, 'yan@gone.example');
      w = await liveWorkspace(
        T0.toISOString(),
        testConfig({ microsoft: microsoftEmulatorConfig({ authority: ms.authority, graphBaseUrl: ms.graphBaseUrl }) }),
        dialect,
      );
      connId = await w.connect({ provider: 'graph', config: {}, secret: ms.issueRefreshToken(), authorizedAt: AUTH });
      const [first] = await syncAll(w.deps, connId);
      expect(first?.failure ?? null).toBeNull();
      expect(first?.mail).toMatchObject({ seen: 37, linked: 0 });
    });
    afterAll(async () => {
      await w?.close();
      await ms.stop();
    });

    it('a message gone from the mailbox is unavailable at once, and never waits', async () => {
      ms.messages.delete('AAMk-201');
      const r = await addEndUser(w.deps, { accountId: 'acme', email: 'yan@gone.example', source: 'manual' });
      expect(r.linked.map((l) => l.ref)).toEqual(['d200@example.com']);
      expect(r.unavailable).toBe(1);
      expect(r.deferred).toBe(0);
      expect(await waitingRows()).toEqual([]);
    });

    it('refused past the budget: deferred, not unavailable; explain says it waits, since when and why', async () => {
      busy(true);
      const stale = await addEndUser(w.deps, { accountId: 'acme', email: 'wes@stale.example', source: 'manual' });
      expect(stale).toMatchObject({ linked: [], unavailable: 0, deferred: 5 });
      const r = await addEndUser(ctxAt(at(1)), { accountId: 'acme', email: 'zed@prospect.example', source: 'manual' });
      expect(r.unavailable).toBe(0);
      expect(r.deferred).toBe(30);
      expect(r.deferredBecause).toEqual([{ provider: 'graph', code: 'THROTTLED', emails: 30 }]);
      expect(r.linked).toEqual([]);
      // Only yan's readable one is linked: the change could not read zed's and wes's.
      expect((await outcomes('d')).filter((o) => o === 'linked')).toHaveLength(1);
      expect(await waitingRows()).toHaveLength(35);

      const e = await explainEmail(ctxAt(at(1, 1)), { messageId: '<d7@example.com>' });
      expect(e.waiting).toMatchObject({ since: at(1).toISOString(), attempts: 1, code: 'THROTTLED', provider: 'graph' });
      expect(e.summary).toContain('Waiting for a re-read after a directory change: since 11 Mar 2026 12:00 UTC');
      expect(e.summary).toContain('Microsoft 365 asked us to slow down');
      const audit = await w.deps.db.selectFrom('audit_log').select(['details']).where('action', '=', 'end_user.add').execute();
      expect(audit.map((a) => JSON.parse(a.details).deferred)).toContain(30);
    });

    it('still refused 7 days on: the oldest are given up and audited as unavailable; the younger keep waiting', async () => {
      const [synced] = await syncAll(ctxAt(at(7, 1)), connId);
      expect(synced?.failure).toMatch(/slow down/); // the mailbox still refuses: no re-read this time
      const rows = await waitingRows();
      expect(rows).toHaveLength(30);
      expect(rows.every((r) => r.first_failed_at === at(1).toISOString())).toBe(true);
      const [gaveUp] = await w.deps.db
        .selectFrom('audit_log')
        .select(['details', 'actor'])
        .where('workspace_id', '=', w.deps.ws.id)
        .where('action', '=', 'directory_change.gave_up')
        .execute();
      const details = JSON.parse(gaveUp!.details) as { unavailable: number; gaveUp: { ref: string; lastError: string }[] };
      expect(details.unavailable).toBe(5);
      expect(details.gaveUp.every((g) => g.lastError === 'THROTTLED')).toBe(true);
      expect((await explainEmail(ctxAt(at(7, 2)), { messageId: 'd100@example.com' })).waiting).toBeUndefined();
    });

    it('once the mailbox answers again, the next sync re-reads and links every waiting email; the queue is empty', async () => {
      busy(false);
      const [synced] = await syncAll(ctxAt(at(7, 2)), connId);
      expect(synced?.failure ?? null).toBeNull();
      expect(synced?.reread).toMatchObject({ deferred: 0, unavailable: 0 });
      expect(synced?.reread?.linked).toHaveLength(30);
      const zed = await outcomes('d');
      expect(zed.filter((o) => o === 'linked')).toHaveLength(31); // 30 of zed's, and yan's one still there
      expect(await waitingRows()).toEqual([]);
      expect((await explainEmail(ctxAt(at(7, 3)), { messageId: 'd7@example.com' })).outcome).toBe('linked');
    });
  });
}
