// The re-reads a directory change left waiting (sync/deferred-redecide.ts), against mail
// sources the test controls (each connection's copies, refused or read on demand) and a real
// store of either dialect:
// - a not-linked result on the copies read waits while the copy that could link it (a Sent
//   copy with Bcc) is refused;
// - a disconnected connection's copies count as gone, not as waiting for credentials;
// - an email waits 1, 2, 4 … minutes between attempts whichever of its connections syncs, and
//   a pushed sync re-reads nothing; explain shows it as decided before the change meanwhile;
// - a copy added by another sync while the re-read ran is not undone by the older read;
// - with nothing waiting a sync asks the queue once, and nothing more.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addEndUser } from '../../src/app/directory-changes.js';
import type { EmailItem } from '../../src/domain/items.js';
import { SourceError, type SourceErrorCode } from '../../src/providers/types.js';
import { createConnection, listConnections, updateConnection } from '../../src/store/connections.js';
import { loadDirectoryIndex, type Ctx } from '../../src/store/context.js';
import type { Store } from '../../src/store/db.js';
import { deferRedecisions } from '../../src/store/deferred-redecisions.js';
import { addAccount, addTeammate, insertEndUser } from '../../src/store/directory.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { DEFERRED_LIMITS, waitAfter } from '../../src/sync/deferred-redecide.js';
import { ingestMailPage } from '../../src/sync/email-ingest.js';
import { explainEmail } from '../../src/troubleshoot/explain.js';
import { type SourceFactory, syncAll } from '../../src/sync/run-sync.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

/** A connection's copies as the test wants them read: refused with a code, or read (a hook may run first). */
class FakeCopies {
  items = new Map<string, EmailItem>();
  refuse: SourceErrorCode | null = null;
  reads = 0;
  duringRead: (() => Promise<void>) | null = null;
  async fetch(ref: string): Promise<EmailItem | null> {
    this.reads++;
    if (this.refuse) throw new SourceError(this.refuse, 'refused for now');
    const hook = this.duringRead;
    this.duringRead = null;
    await hook?.();
    return this.items.get(ref) ?? null;
  }
}

const fakes = vi.hoisted(() => new Map<string, unknown>());
vi.mock('../../src/providers/registry.js', async (original) => ({
  ...(await original<typeof import('../../src/providers/registry.js')>()),
  mailSourceFor: async (c: { id?: string }) => fakes.get(c.id ?? '') ?? null,
}));

/** The syncs themselves bring no new mail: only what they do after is under test. */
const NO_NEW_MAIL: SourceFactory = { mail: async () => null, calendar: async () => null, maintainPush: async () => null };
const T0 = new Date('2026-03-10T12:00:00Z');
const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

const mail = (messageId: string, p: { from: string; to: string[]; cc?: string[]; bcc?: string[] }): EmailItem => ({
  messageId,
  fingerprint: `fp-${messageId}`,
  sentAt: T0,
  receivedAt: new Date('2026-03-05T10:00:00Z'),
  from: [{ address: p.from }],
  to: p.to.map((address) => ({ address })),
  cc: (p.cc ?? []).map((address) => ({ address })),
  bcc: (p.bcc ?? []).map((address) => ({ address })),
  subject: 'Renewal',
});

describe('the wait between attempts', () => {
  it('1, 2, 4 … 32 minutes, then hourly: 24 attempts span at least 18 hours, whatever the sync frequency', () => {
    expect([1, 2, 3, 6, 7, 23].map((n) => waitAfter(n) / 60_000)).toEqual([1, 2, 4, 32, 60, 60]);
    let total = 0;
    for (let n = 1; n < DEFERRED_LIMITS.maxAttempts; n++) total += waitAfter(n);
    expect(total / 60_000).toBe(63 + 17 * 60);
  });
});

for (const dialect of DIALECTS) {
  describe(`deferred re-reads (${dialect})`, () => {
    let db: Store;
    let close: () => Promise<void>;
    let ctx: Ctx;
    const ids: Record<'alice' | 'bob' | 'carol', string> = { alice: '', bob: '', carol: '' };
    const copies: Record<'alice' | 'bob' | 'carol', FakeCopies> = {
      alice: new FakeCopies(),
      bob: new FakeCopies(),
      carol: new FakeCopies(),
    };
    const at = (now: Date): Ctx => ({ ...ctx, now });
    const sync = (who: keyof typeof ids, now: Date, rereads?: boolean) =>
      syncAll(at(now), ids[who], { sources: NO_NEW_MAIL, ...(rereads === false ? { rereads } : {}) });

    /** The message stored from these connections' copies (each as that mailbox shows it). */
    async function seen(item: EmailItem, where: Partial<Record<keyof typeof ids, EmailItem>>, now = T0) {
      const conns = new Map((await listConnections(db, ctx.ws.id)).map((c) => [c.id, c]));
      const dir = await loadDirectoryIndex(at(now));
      for (const [who, copy] of Object.entries(where) as [keyof typeof ids, EmailItem][]) {
        const ref = `INBOX/${item.messageId}`;
        copies[who].items.set(ref, copy);
        await ingestMailPage(at(now), dir, conns.get(ids[who])!, conns, [{ ref, folder: 'INBOX', item: copy }]);
      }
    }
    const email = (messageId: string) =>
      db
        .selectFrom('emails')
        .select(['id', 'outcome', 'participants'])
        .where('workspace_id', '=', ctx.ws.id)
        .where('message_id', '=', messageId)
        .executeTakeFirstOrThrow();
    const attempts = async (messageId: string) => {
      const { id } = await email(messageId);
      const row = await db
        .selectFrom('deferred_redecisions')
        .select('attempts')
        .where('workspace_id', '=', ctx.ws.id)
        .where('email_id', '=', id)
        .executeTakeFirst();
      return row ? Number(row.attempts) : null;
    };

    beforeAll(async () => {
      ({ db, close } = await openTestStore(dialect, 'deferred-reread'));
      const ws = await createWorkspace(db, 'cs', ['ourco.com'], T0);
      ctx = { db, ws, now: T0, actor: 'test' };
      await addAccount(db, ws.id, { id: 'acme', name: 'Acme' }, T0);
      await insertEndUser(db, ws.id, { accountId: 'acme', email: 'kim@acme.com', source: 'manual' }, T0);
      for (const who of ['alice', 'bob', 'carol'] as const) {
        const teammate = (await addTeammate(db, ws.id, { email: `${who}@ourco.com`, aliases: [] }, T0)).id;
        ids[who] = await createConnection(
          db,
          ws.id,
          {
            teammateId: teammate,
            provider: 'gmail',
            config: {},
            hasMail: true,
            hasCalendar: false,
            authorizedAt: new Date('2026-03-01T00:00:00Z'),
          },
          T0,
        );
        fakes.set(ids[who], copies[who]);
      }
    });
    afterAll(async () => close());

    it('not linked on the copy read while the Sent copy with the Bcc is refused: it waits, and links once that copy is read', async () => {
      const sent = mail('bcc@x', { from: 'alice@ourco.com', to: ['zed@prospect.example'], cc: ['bob@ourco.com'], bcc: ['john@acme.com'] });
      const { bcc: _, ...shown } = sent;
      await seen(sent, { alice: sent, bob: { ...shown, bcc: [] } });
      copies.alice.refuse = 'THROTTLED';
      const r = await addEndUser(at(later(0)), { accountId: 'acme', email: 'john@acme.com', source: 'manual' });
      expect(r).toMatchObject({ linked: [], unavailable: 0, deferred: 1 });
      expect(await attempts('bcc@x')).toBe(1);

      copies.alice.refuse = null;
      const [synced] = await sync('alice', later(120));
      expect(synced?.reread?.linked.map((l) => l.ref)).toEqual(['bcc@x']);
      expect((await email('bcc@x')).outcome).toBe('linked');
      expect(await attempts('bcc@x')).toBeNull();
    });

    it("a disconnected connection's copy is gone at once: unavailable, not waiting for credentials", async () => {
      await seen(mail('disc@x', { from: 'vic@prospect.example', to: ['carol@ourco.com'] }), {
        carol: mail('disc@x', { from: 'vic@prospect.example', to: ['carol@ourco.com'] }),
      });
      await updateConnection(db, ctx.ws.id, ids.carol, { status: 'disconnected', secretEnc: null });
      copies.carol.refuse = 'AUTH_FAILED'; // no credentials any more
      const r = await addEndUser(at(later(200)), { accountId: 'acme', email: 'vic@prospect.example', source: 'manual' });
      expect(r).toMatchObject({ unavailable: 1, deferred: 0 });
      expect(await attempts('disc@x')).toBeNull();
    });

    it('waits 1, 2 … minutes between attempts whichever connection syncs; younger ones keep waiting; a pushed sync re-reads nothing', async () => {
      const item = mail('wait@x', { from: 'yan@prospect.example', to: ['alice@ourco.com', 'bob@ourco.com'] });
      await seen(item, { alice: item, bob: item });
      copies.alice.refuse = 'THROTTLED';
      copies.bob.refuse = 'THROTTLED';
      const t = 1000;
      expect(await addEndUser(at(later(t)), { accountId: 'acme', email: 'yan@prospect.example', source: 'manual' })).toMatchObject({
        deferred: 1,
      });
      const reads = () => copies.alice.reads + copies.bob.reads;
      const before = reads();

      await sync('alice', later(t + 30)); // within its first minute: not asked
      expect(reads()).toBe(before);
      expect(await attempts('wait@x')).toBe(1);
      const [again] = await sync('alice', later(t + 60));
      expect(again?.reread).toMatchObject({ deferred: 1, gaveUp: 0, unavailable: 0 });
      expect(await attempts('wait@x')).toBe(2);
      // Bob's mailbox syncs a second later: the email waits 2 minutes now, whoever syncs.
      await sync('bob', later(t + 61));
      expect(await attempts('wait@x')).toBe(2);
      const asked = reads();

      copies.alice.refuse = null;
      copies.bob.refuse = null;
      const [pushed] = await sync('bob', later(t + 600), false);
      expect(pushed?.reread).toBeUndefined();
      expect(reads()).toBe(asked);
      // Until a sync re-reads it, explain shows it as it stands on the timeline: decided before the change.
      const e = await explainEmail(at(later(t + 600)), 'wait@x');
      expect(e).toMatchObject({ outcome: 'not_linked', fromStoredCodes: true, waiting: { attempts: 2 } });
      expect(e.summary).toContain('any mailbox holding a copy');
      expect(e.summary).toContain('stays as decided before the change');
      expect(reads()).toBe(asked); // and the refusing provider is not asked
      const [polled] = await sync('bob', later(t + 601));
      expect(polled?.reread?.linked.map((l) => l.ref)).toEqual(['wait@x']);
      expect(await attempts('wait@x')).toBeNull();
    });

    it('a copy another sync stores while the re-read runs is not undone by the older read; the email waits for the next', async () => {
      // Bob wrote to a prospect with Kim (an end user) in Bcc: Alice's copy shows no end user.
      const sent = mail('race@x', { from: 'bob@ourco.com', to: ['wes@prospect.example'], cc: ['alice@ourco.com'], bcc: ['kim@acme.com'] });
      const inbox = { ...sent, bcc: [] };
      await seen(sent, { alice: inbox });
      expect((await email('race@x')).outcome).toBe('not_linked');
      const { id } = await email('race@x');
      await deferRedecisions(db, ctx.ws.id, [{ emailId: id, code: 'THROTTLED', provider: 'gmail' }], later(2000));
      // While Alice's copy is read, Bob's mailbox syncs its Sent copy: the email is linked.
      copies.alice.duringRead = () => seen(sent, { bob: sent }, later(2100));
      await sync('alice', later(2100));
      const stored = await email('race@x');
      expect(stored.outcome).toBe('linked');
      expect(stored.participants).not.toBeNull();
      expect(await attempts('race@x')).toBe(1);
      // The next re-read decides it with both copies, as stored: linked, and out of the queue.
      const [next] = await sync('alice', later(2200));
      expect(next?.reread?.unlinked).toEqual([]);
      expect((await email('race@x')).outcome).toBe('linked');
      expect(await attempts('race@x')).toBeNull();
    });

    it('nothing waiting: a sync asks the queue once and clears no re-read error', async () => {
      const seenQueries: string[] = [];
      const counted = db.withPlugin({
        transformQuery: ({ node }) => {
          seenQueries.push(JSON.stringify(node));
          return node;
        },
        transformResult: async ({ result }) => result,
      });
      const [r] = await syncAll({ ...ctx, db: counted, now: later(3000) }, ids.alice, { sources: NO_NEW_MAIL });
      expect(r?.failure ?? null).toBeNull();
      expect(seenQueries.filter((q) => q.includes('deferred_redecisions'))).toHaveLength(1);
      expect(seenQueries.filter((q) => q.includes('directory change re-reads'))).toEqual([]);
    });
  });
}
