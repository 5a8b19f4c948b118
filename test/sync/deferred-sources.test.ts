// Emails a directory change leaves waiting when the change is not a manual one, against mail
// sources the test controls (each connection's copies refused or read on demand) and a real
// store of either dialect:
// - a directory source's sync and its disconnect report `deferred` and `deferredBecause` (and
//   audit `deferred`) as a manual change does; before, only the queue knew;
// - a waiting email whose last readable copy's connection is disconnected is given up at once
//   (audited, explain says why), not after 7 days; one with a copy left keeps waiting;
// - a sync whose pages re-decide the same email counts it once, in its state after the last
//   page: before, each page's count was added (twice waiting; waiting though read later).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addEndUser } from '../../src/app/directory-changes.js';
import { disconnect } from '../../src/app/disconnect.js';
import { disconnectSource } from '../../src/app/sources.js';
import { runSourceSync } from '../../src/app/source-sync.js';
import { loadConfig } from '../../src/config/load.js';
import type { EmailItem } from '../../src/domain/items.js';
import { SourceError, type SourceErrorCode } from '../../src/providers/types.js';
import { createSecrets } from '../../src/secrets/secrets.js';
import { DEFAULT_MAPPING } from '../../src/sources/mapping.js';
import type { SourcePage } from '../../src/sources/types.js';
import { createConnection, listConnections } from '../../src/store/connections.js';
import { loadDirectoryIndex, type Ctx } from '../../src/store/context.js';
import type { Store } from '../../src/store/db.js';
import { addAccount, addTeammate } from '../../src/store/directory.js';
import { createSource } from '../../src/store/sources.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { ingestMailPage } from '../../src/sync/email-ingest.js';
import { explainEmail } from '../../src/troubleshoot/explain.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

/**
 * A connection's copies: refused with a code while `refuse` is set, else read. `refusals`: that
 * many reads refused (THROTTLED) first, whoever asks: a sync reads its next page while it
 * stores one, so a page cannot switch the refusal on time.
 */
class FakeCopies {
  items = new Map<string, EmailItem>();
  refuse: SourceErrorCode | null = null;
  refusals = 0;
  async fetch(ref: string): Promise<EmailItem | null> {
    if (this.refuse) throw new SourceError(this.refuse, 'refused for now');
    if (this.refusals > 0) {
      this.refusals--;
      throw new SourceError('THROTTLED', 'refused for now');
    }
    return this.items.get(ref) ?? null;
  }
}

const fakes = vi.hoisted(() => new Map<string, unknown>());
vi.mock('../../src/providers/registry.js', async (original) => ({
  ...(await original<typeof import('../../src/providers/registry.js')>()),
  mailSourceFor: async (c: { id?: string }) => fakes.get(c.id ?? '') ?? null,
}));

const T0 = new Date('2026-03-10T12:00:00Z');
const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const secrets = createSecrets('a test passphrase of more than 32 characters');

const mail = (messageId: string, from: string, to: string): EmailItem => ({
  messageId,
  fingerprint: `fp-${messageId}`,
  sentAt: T0,
  receivedAt: new Date('2026-03-05T10:00:00Z'),
  from: [{ address: from }],
  to: [{ address: to }],
  cc: [],
  bcc: [],
  subject: 'Pilot',
});

/** An email with two external participants, whose contacts can come on different pages. */
const mailWith = (messageId: string, from: string, cc: string): EmailItem => ({
  ...mail(messageId, from, 'alice@ourco.com'),
  cc: [{ address: cc }],
});

/** One page of a HubSpot-like source: a company and its contacts. */
const page = (contacts: { id: string; email: string }[]): SourcePage => ({
  companies: [{ externalId: 'c1', name: 'Globex', domains: ['globex.com'] }],
  contacts: contacts.map((c) => ({ externalId: c.id, emails: { email: [c.email] }, primaryField: 'email', companyIds: ['c1'] })),
  deletedCompanyIds: [],
  deletedContactIds: [],
  cursor: `after-${contacts.length}`,
});

for (const dialect of DIALECTS) {
  describe(`waiting emails of other changes (${dialect})`, () => {
    let db: Store;
    let close: () => Promise<void>;
    let ctx: Ctx;
    const ids: Record<'alice' | 'bob', string> = { alice: '', bob: '' };
    const copies = { alice: new FakeCopies(), bob: new FakeCopies() };
    const at = (now: Date): Ctx => ({ ...ctx, now });

    /** The message stored from these connections' copies. */
    async function seen(item: EmailItem, who: (keyof typeof ids)[]) {
      const conns = new Map((await listConnections(db, ctx.ws.id)).map((c) => [c.id, c]));
      const dir = await loadDirectoryIndex(ctx);
      for (const w of who) {
        const ref = `INBOX/${item.messageId}`;
        copies[w].items.set(ref, item);
        await ingestMailPage(ctx, dir, conns.get(ids[w])!, conns, [{ ref, folder: 'INBOX', item }]);
      }
    }
    const queued = async () =>
      (await db.selectFrom('deferred_redecisions').select('email_id').where('workspace_id', '=', ctx.ws.id).execute()).length;
    const lastAudit = (action: string) =>
      db
        .selectFrom('audit_log')
        .select('details')
        .where('workspace_id', '=', ctx.ws.id)
        .where('action', '=', action)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow()
        .then((r) => JSON.parse(r.details) as Record<string, unknown>);

    beforeAll(async () => {
      ({ db, close } = await openTestStore(dialect, 'deferred-sources'));
      const ws = await createWorkspace(db, 'cs', ['ourco.com'], T0);
      ctx = { db, ws, now: T0, actor: 'test', connectors: { secrets, settings: loadConfig({}) } };
      await addAccount(db, ws.id, { id: 'initech', name: 'Initech' }, T0);
      for (const who of ['alice', 'bob'] as const) {
        const teammate = (await addTeammate(db, ws.id, { email: `${who}@ourco.com`, aliases: [] }, T0)).id;
        ids[who] = await createConnection(
          db,
          ws.id,
          { teammateId: teammate, provider: 'gmail', config: {}, hasMail: true, hasCalendar: false, authorizedAt: T0 },
          T0,
        );
        fakes.set(ids[who], copies[who]);
      }
    });
    afterAll(async () => close());

    /** A HubSpot-like source that gives these pages, one contact each (the pages share a company). */
    const pagedSource = async (contacts: { id: string; email: string }[]) => ({
      sourceId: await createSource(
        db,
        ctx.ws.id,
        { kind: 'hubspot', settings: {}, secretEnc: secrets.encrypt('token'), mapping: JSON.stringify(DEFAULT_MAPPING) },
        T0,
      ),
      factory: () => ({
        kind: 'hubspot' as const,
        async *changes() {
          for (const c of contacts) yield page([c]);
        },
      }),
    });

    it("a source's sync and its disconnect report the emails they could not re-read yet, as a manual change does", async () => {
      await seen(mail('pilot@x', 'carol@globex.com', 'alice@ourco.com'), ['alice']);
      const sourceId = await createSource(
        db,
        ctx.ws.id,
        { kind: 'hubspot', settings: {}, secretEnc: secrets.encrypt('token'), mapping: JSON.stringify(DEFAULT_MAPPING) },
        T0,
      );
      copies.alice.refuse = 'THROTTLED';
      const synced = await runSourceSync(at(later(10)), sourceId, {
        factory: () => ({
          kind: 'hubspot',
          async *changes() {
            yield page([{ id: 'p1', email: 'carol@globex.com' }]);
          },
        }),
      });
      expect(synced).toMatchObject({ status: 'active', linked: [], unavailable: 0, deferred: 1 });
      expect(synced.deferredBecause).toEqual([{ provider: 'gmail', code: 'THROTTLED', emails: 1 }]);
      expect(await lastAudit('source.sync')).toMatchObject({ deferred: 1, unavailable: 0 });
      expect(await queued()).toBe(1);

      const gone = await disconnectSource(at(later(20)), { sourceId, users: 'remove' });
      expect(gone).toMatchObject({ removedEndUsers: 1, linked: 0, unlinked: 0, unavailable: 0, deferred: 1 });
      expect(gone.deferredBecause).toEqual([{ provider: 'gmail', code: 'THROTTLED', emails: 1 }]);
      expect(await lastAudit('source.disconnect')).toMatchObject({ deferred: 1 });
      copies.alice.refuse = null;
    });

    it('a waiting email is given up when the last mailbox holding a copy is disconnected, and explain says why', async () => {
      await seen(mail('orphan@x', 'dan@initech.example', 'bob@ourco.com'), ['bob']);
      await seen(mail('shared@x', 'dan@initech.example', 'alice@ourco.com'), ['alice', 'bob']);
      copies.alice.refuse = 'THROTTLED';
      copies.bob.refuse = 'THROTTLED';
      const r = await addEndUser(at(later(100)), { accountId: 'initech', email: 'dan@initech.example', source: 'manual' });
      expect(r).toMatchObject({ deferred: 2, unavailable: 0 });
      const before = await queued();

      await disconnect(at(later(200)), { connectionId: ids.bob });
      // Bob's was the only copy of one: given up now. Alice still holds the other: it waits for her sync.
      expect(await queued()).toBe(before - 1);
      const gaveUp = await lastAudit('directory_change.gave_up');
      expect(gaveUp).toMatchObject({ reason: 'no_copy_left', connection: ids.bob, unavailable: 1 });
      const { id } = await db
        .selectFrom('emails')
        .select('id')
        .where('workspace_id', '=', ctx.ws.id)
        .where('message_id', '=', 'orphan@x')
        .executeTakeFirstOrThrow();
      expect(gaveUp.gaveUp).toEqual([expect.objectContaining({ id, attempts: 1, lastError: 'THROTTLED', provider: 'gmail' })]);
      const orphan = await explainEmail(at(later(300)), 'orphan@x');
      expect(orphan).toMatchObject({ outcome: 'not_linked', fromStoredCodes: true });
      expect(orphan.waiting).toBeUndefined();
      expect(orphan.summary).toContain('every copy was in a mailbox since disconnected or removed');
      expect((await explainEmail(at(later(300)), 'shared@x')).waiting).toMatchObject({ attempts: 1 });
    });

    it('a sync whose two pages re-decide the same refused email counts it once (report, audit entry, disconnect)', async () => {
      copies.alice.refuse = null;
      await seen(mailWith('twice@x', 'gina@globex.com', 'hank@globex.com'), ['alice']);
      const { sourceId, factory } = await pagedSource([
        { id: 'g1', email: 'gina@globex.com' },
        { id: 'h1', email: 'hank@globex.com' },
      ]);
      copies.alice.refuse = 'THROTTLED';
      const synced = await runSourceSync(at(later(400)), sourceId, { factory });
      expect(synced).toMatchObject({ status: 'active', pages: 2, linked: [], unavailable: 0, deferred: 1 });
      expect(synced.deferredBecause).toEqual([{ provider: 'gmail', code: 'THROTTLED', emails: 1 }]);
      // What `source sync --json` prints: the fields it always had, nothing of the per-email tally.
      expect(Object.keys(synced).sort()).toEqual(
        [
          'counts',
          'deferred',
          'deferredBecause',
          'kind',
          'linked',
          'nextSyncAt',
          'pages',
          'problem',
          'restarted',
          'rows',
          'sourceId',
          'status',
          'unavailable',
          'unlinked',
        ].sort(),
      );
      // Each page's entry is its own change: the second re-read the email once more, and says so once.
      expect(await lastAudit('source.sync')).toEqual(expect.objectContaining({ deferred: 1, unavailable: 0 }));
      expect(Object.keys(await lastAudit('source.sync')).sort()).toEqual([
        'counts',
        'deferred',
        'kind',
        'linked',
        'unavailable',
        'unlinked',
      ]);

      const gone = await disconnectSource(at(later(410)), { sourceId, users: 'remove' });
      expect(gone).toMatchObject({ removedEndUsers: 2, unavailable: 0, deferred: 1 });
      expect(gone.deferredBecause).toEqual([{ provider: 'gmail', code: 'THROTTLED', emails: 1 }]);
      copies.alice.refuse = null;
    });

    it('an email refused on one page and read on a later one is not counted; one found gone later counts as unavailable only', async () => {
      copies.alice.refuse = null;
      await seen(mailWith('later@x', 'ivan@globex.com', 'jane@globex.com'), ['alice']);
      await seen(mailWith('vanished@x', 'ivan@globex.com', 'jane@globex.com'), ['alice']);
      copies.alice.items.delete('INBOX/vanished@x'); // gone from the mailbox: its next read finds nothing
      const { sourceId, factory } = await pagedSource([
        { id: 'i1', email: 'ivan@globex.com' },
        { id: 'j1', email: 'jane@globex.com' },
      ]);
      copies.alice.refusals = 2; // both reads of the first page, none of the second
      const synced = await runSourceSync(at(later(500)), sourceId, { factory });
      expect(copies.alice.refusals).toBe(0);
      expect(synced).toMatchObject({ status: 'active', pages: 2, unavailable: 1, deferred: 0, deferredBecause: [] });
      // Read on the second page (and decided: historic mail stays not linked), so not waiting any more.
      expect((await explainEmail(at(later(505)), 'later@x')).waiting).toBeUndefined();
      expect(synced.linked).toEqual([]);
      // The first page's entry said what that page left waiting; the second's what it found.
      expect(await lastAudit('source.sync')).toMatchObject({ deferred: 0, unavailable: 1 });
      await disconnectSource(at(later(510)), { sourceId, users: 'remove' });
    });
  });
}
