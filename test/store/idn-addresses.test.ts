// An internationalised domain is one domain in either spelling, Unicode (anna@bücher.example)
// or punycode (anna@xn--bcher-kva.example), with the ASCII form canonical (docs/decisions.md,
// 2026-12-07). What an earlier release stored of a Unicode spelling (its keyed hashes, the
// directory's keys) is rewritten by migration 017 where the address is kept (linked mail,
// meetings, the directory), and found by its earlier hash where it is not (not-linked mail,
// tombstones). On both databases.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addEndUser } from '../../src/app/directory-changes.js';
import { findEmails, findMeetings } from '../../src/app/find.js';
import { search } from '../../src/app/search.js';
import type { FindCandidate } from '../../src/app/find-types.js';
import type { EmailItem, MeetingOccurrence } from '../../src/domain/items.js';
import { hashAddress, loadDirectoryIndex, type Ctx } from '../../src/store/context.js';
import type { Store } from '../../src/store/db.js';
import { findEndUser, isSuppressed, teammateByAddress } from '../../src/store/directory.js';
import * as m017 from '../../src/store/migrations/017-idn-ascii-domains.js';
import { purgeNotLinked } from '../../src/store/retention.js';
import { getWorkspace } from '../../src/store/workspaces.js';
import { storeMeeting } from '../../src/sync/calendar-ingest.js';
import { ingestMailPage } from '../../src/sync/email-ingest.js';
import { DIALECTS, openTestStore } from '../support/databases.js';
import { seedWorkspace } from '../support/seed.js';

const AUTH = new Date('2026-03-01T00:00:00Z');
const NOW = new Date('2026-03-08T12:00:00Z');

const mail = (messageId: string, from: string, at: string): EmailItem => ({
  messageId,
  fingerprint: `fp-${messageId}`,
  sentAt: new Date(at),
  receivedAt: new Date(at),
  from: [{ address: from }],
  to: [{ address: 'alice@ourco.com' }],
  cc: [],
  bcc: [],
  subject: `From ${from}`,
});

const ids = (r: { candidates: FindCandidate[] }) => r.candidates.map((c) => c.messageId ?? c.uid ?? c.ref);

describe.each(DIALECTS)('addresses on an internationalised domain stored by an earlier release (%s)', (dialect) => {
  let db: Store;
  let close: () => Promise<void>;
  let ctx: Ctx;
  let aliceId: string;
  /** The linked email's sender hash before the migration. */
  let storedFromHash: string | null;
  /** The hashes as the earlier release wrote them: of the Unicode spelling. */
  const legacy = (unicode: string) => hashAddress(ctx, unicode);
  const hashesOf = async (itemId: string) =>
    (await db.selectFrom('participant_hashes').select('addr_hash').where('item_id', '=', itemId).execute()).map((r) => r.addr_hash).sort();
  const emailId = async (messageId: string) =>
    await db
      .selectFrom('emails')
      .select(['id', 'from_hash'])
      .where('workspace_id', '=', ctx.ws.id)
      .where('message_id', '=', messageId)
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    ({ db, close } = await openTestStore(dialect, 'idn'));
    const seed = await seedWorkspace(db, {
      now: NOW,
      endUsers: [{ accountId: 'acme', email: 'Anna@Bücher.Example' }],
      folders: [{ hasCalendar: true, authorizedAt: AUTH }],
    });
    ctx = seed.ctx;
    aliceId = seed.teammates.get('alice@ourco.com')!;
    const conn = seed.conns[0]!;
    const dir = await loadDirectoryIndex(ctx);
    await ingestMailPage(ctx, dir, conn, seed.byId, [
      // SMTPUTF8 mail carries the Unicode spelling.
      { ref: 'INBOX/1', folder: 'INBOX', item: mail('linked@bücher.example', 'anna@bücher.example', '2026-03-06T10:00:00Z') },
      { ref: 'INBOX/2', folder: 'INBOX', item: mail('stranger@bücher.example', 'otto@bücher.example', '2026-03-06T11:00:00Z') },
      { ref: 'INBOX/3', folder: 'INBOX', item: mail('later@bücher.example', 'eva@bücher.example', '2026-03-07T09:00:00Z') },
    ]);
    const review: MeetingOccurrence = {
      uid: 'review-1@ourco.com',
      start: new Date('2026-03-05T15:00:00Z'),
      end: new Date('2026-03-05T16:00:00Z'),
      allDay: false,
      title: 'Review',
      organizer: { address: 'alice@ourco.com' },
      attendees: [{ address: 'Anna@Bücher.Example', partstat: 'ACCEPTED' }],
      cancelled: false,
      recurring: false,
    };
    await storeMeeting(ctx, dir, seed.byId, review, { connectionId: conn.id, ref: 'cal/review.ics' }, undefined);

    // What the earlier release stored: each hash and key of the Unicode spelling.
    for (const [unicode, ascii] of [
      ['anna@bücher.example', 'anna@xn--bcher-kva.example'],
      ['otto@bücher.example', 'otto@xn--bcher-kva.example'],
      ['eva@bücher.example', 'eva@xn--bcher-kva.example'],
    ] as const) {
      const [before, after] = [hashAddress(ctx, ascii), legacy(unicode)];
      await db
        .updateTable('participant_hashes')
        .set({ addr_hash: after })
        .where('workspace_id', '=', ctx.ws.id)
        .where('addr_hash', '=', before)
        .execute();
      await db
        .updateTable('emails')
        .set({ from_hash: after })
        .where('workspace_id', '=', ctx.ws.id)
        .where('from_hash', '=', before)
        .execute();
    }
    const ws = ctx.ws.id;
    await db.updateTable('end_users').set({ email_norm: 'anna@bücher.example' }).where('workspace_id', '=', ws).execute();
    await db
      .updateTable('workspaces')
      .set({ internal_domains: JSON.stringify(['ourco.com', 'bücher.de', 'xn--bcher-kva.de']) })
      .where('id', '=', ws)
      .execute();
    const at = NOW.toISOString();
    await db
      .insertInto('blocklist')
      .values([
        { workspace_id: ws, entry: 'spam@bücher.example', kind: 'address', created_at: at },
        { workspace_id: ws, entry: 'exämple.de', kind: 'domain', created_at: at },
        { workspace_id: ws, entry: 'xn--exmple-cua.de', kind: 'domain', created_at: at },
      ])
      .execute();
    await db.insertInto('teammate_addresses').values({ workspace_id: ws, teammate_id: aliceId, address: 'alice@bücher.de' }).execute();
    await db
      .insertInto('suppressions')
      .values({ workspace_id: ws, source: 'csv', account_id: 'acme', email_norm: 'anna@bücher.example', external_id: null, created_at: at })
      .execute();

    storedFromHash = (await emailId('linked@bücher.example')).from_hash;
    await m017.up(db as unknown as Kysely<unknown>);
  });
  afterAll(async () => close?.());

  it("the earlier release's rows held the Unicode spelling's hash", () => {
    expect(storedFromHash).toBe(legacy('anna@bücher.example'));
    expect(storedFromHash).not.toBe(hashAddress(ctx, 'anna@xn--bcher-kva.example'));
  });

  it("recomputes a linked email's hashes (its addresses are kept): participants and sender in the ASCII form", async () => {
    const e = await emailId('linked@bücher.example');
    expect(e.from_hash).toBe(hashAddress(ctx, 'anna@xn--bcher-kva.example'));
    expect(await hashesOf(e.id)).toEqual([hashAddress(ctx, 'anna@xn--bcher-kva.example'), hashAddress(ctx, 'alice@ourco.com')].sort());
  });

  it("recomputes a meeting's attendee hashes (its attendees are kept)", async () => {
    const m = await db.selectFrom('meetings').select('id').where('workspace_id', '=', ctx.ws.id).executeTakeFirstOrThrow();
    expect(await hashesOf(m.id)).toEqual([hashAddress(ctx, 'anna@xn--bcher-kva.example'), hashAddress(ctx, 'alice@ourco.com')].sort());
  });

  it("leaves a not-linked email's hashes (it kept no address to hash again)", async () => {
    const e = await emailId('stranger@bücher.example');
    expect(e.from_hash).toBe(legacy('otto@bücher.example'));
  });

  it('find by sender finds the email by either spelling, linked (migrated) or not linked (by the earlier hash)', async () => {
    for (const from of ['Anna@Bücher.Example', 'anna@xn--bcher-kva.example'])
      expect(ids(await findEmails(ctx, { from, on: '2026-03-06' }))).toEqual(['linked@bücher.example']);
    for (const from of ['otto@bücher.example', 'OTTO@XN--BCHER-KVA.EXAMPLE'])
      expect(ids(await findEmails(ctx, { from, on: '2026-03-06' }))).toEqual(['stranger@bücher.example']);
    expect(ids(await findEmails(ctx, { to: 'alice@ourco.com', on: '2026-03-06' })).sort()).toEqual([
      'linked@bücher.example',
      'stranger@bücher.example',
    ]);
  });

  it('find by attendee finds the meeting by either spelling', async () => {
    for (const attendee of ['anna@bücher.example', 'anna@xn--bcher-kva.example'])
      expect(ids(await findMeetings(ctx, { attendee, on: '2026-03-05' }))).toEqual(['review-1@ourco.com']);
  });

  it('adding an end user re-decides the not-linked mail stored under the Unicode spelling (found by its earlier hash)', async () => {
    // The folder connection's files are gone (/nowhere): the email is found, and cannot be re-read.
    const r = await addEndUser(ctx, { accountId: 'acme', email: 'eva@xn--bcher-kva.example', source: 'manual' });
    expect(r.unavailable).toBe(1);
  });

  it('after the retention purge, the not-linked email is found from its tombstone by either spelling', async () => {
    const later = { ...ctx, now: new Date('2026-04-20T00:00:00Z') };
    await purgeNotLinked(db, ctx.ws.id, later.now, 30);
    for (const from of ['otto@bücher.example', 'otto@xn--bcher-kva.example']) {
      const r = await findEmails(later, { from, on: '2026-03-06' });
      expect(r.candidates.map((c) => [c.outcome, c.date])).toEqual([['not_linked', '2026-03-06T11:00:00.000Z']]);
    }
  });

  it('rewrites the directory keys to the ASCII form: end users, suppressions, teammate addresses, blocklist, internal domains', async () => {
    const ws = ctx.ws.id;
    for (const spelling of ['anna@bücher.example', 'Anna@XN--BCHER-KVA.example']) {
      expect((await findEndUser(db, ws, 'acme', spelling))?.email).toBe('Anna@Bücher.Example');
      expect(await isSuppressed(db, ws, 'csv', 'acme', spelling)).toBe(true);
    }
    expect((await teammateByAddress(db, ws, 'alice@xn--bcher-kva.de'))?.id).toBe(aliceId);
    const blocklist = await db.selectFrom('blocklist').select(['entry', 'kind']).where('workspace_id', '=', ws).orderBy('entry').execute();
    expect(blocklist).toEqual([
      { entry: 'spam@xn--bcher-kva.example', kind: 'address' },
      { entry: 'xn--exmple-cua.de', kind: 'domain' },
    ]);
    expect((await getWorkspace(db, ws))!.internalDomains).toEqual(['ourco.com', 'xn--bcher-kva.de']);
  });

  it('search by a fragment of the Unicode domain without an "@" finds the end users and teammates stored in ASCII', async () => {
    const r = await search(ctx, { q: 'Bücher' });
    expect(r.accounts.map((a) => a.endUser.email)).toContain('Anna@Bücher.Example');
    expect(r.teammates.map((t) => t.id)).toEqual([aliceId]); // alice@bücher.de, stored as alice@xn--bcher-kva.de
    expect((await search(ctx, { q: 'anna@bücher' })).accounts.map((a) => a.endUser.email)).toEqual(['Anna@Bücher.Example']);
    // Punycode encodes a label as a whole: part of one ("büch") cannot be found in the ASCII form.
    const partial = await search(ctx, { q: 'büch' });
    expect([partial.accounts, partial.teammates]).toEqual([[], []]);
  });

  it('running it again changes nothing', async () => {
    const snapshot = () =>
      sql<{ n: string }>`select
        (select count(*) from participant_hashes) || '/' || (select count(*) from blocklist) || '/' ||
        (select count(*) from teammate_addresses) || '/' || (select count(*) from suppressions) as n`.execute(db);
    const before = (await snapshot()).rows[0]!.n;
    const e = await emailId('linked@bücher.example');
    await m017.up(db as unknown as Kysely<unknown>);
    expect((await snapshot()).rows[0]!.n).toBe(before);
    expect(await hashesOf(e.id)).toEqual([hashAddress(ctx, 'anna@xn--bcher-kva.example'), hashAddress(ctx, 'alice@ourco.com')].sort());
  });
});
