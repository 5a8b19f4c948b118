// Issue 13: "Where is my email?" — find by what a CSM remembers (sender, recipient, subject
// words, a day, a teammate), answered from the store with the explain document per candidate,
// on SQLite and PostgreSQL. The live lookup is a stand-in here (its own tests are wt-live's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/app/errors.js';
import { findEmails, findMeetings } from '../../src/app/find.js';
import type { FindCandidate, FindEmailQuery, LiveFind } from '../../src/app/find-types.js';
import type { EmailItem, MeetingOccurrence } from '../../src/domain/items.js';
import { loadDirectoryIndex, type Ctx } from '../../src/store/context.js';
import type { Store } from '../../src/store/db.js';
import { purgeNotLinked } from '../../src/store/retention.js';
import { storeMeeting } from '../../src/sync/calendar-ingest.js';
import { ingestMailPage } from '../../src/sync/email-ingest.js';
import { type SeedFolder, seedWorkspace } from '../support/seed.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

const AUTH = new Date('2026-03-01T00:00:00Z');
const NOW = new Date('2026-03-08T12:00:00Z');

const mail = (messageId: string, from: string, to: string, at: string, subject: string): EmailItem => ({
  messageId,
  fingerprint: `fp-${messageId}`,
  sentAt: new Date(at),
  receivedAt: new Date(at),
  from: [{ address: from }],
  to: [{ address: to }],
  cc: [],
  bcc: [],
  subject,
});

const ids = (r: { candidates: FindCandidate[] }) => r.candidates.map((c) => c.messageId ?? c.uid ?? c.ref);

async function invalidField(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('invalid');
  return (err as AppError).fields?.[0]?.field;
}

for (const dialect of DIALECTS) {
  describe(`find on ${dialect}`, () => {
    let db: Store;
    let close: () => Promise<void>;
    let ctx: Ctx;
    let other: Ctx;
    let aliceConn: string;

    /** Alice and Ben (their folders with calendars), account acme with john@acme.com. */
    const workspace = (slug: string, folders: SeedFolder[]) =>
      seedWorkspace(db, {
        now: NOW,
        slug,
        teammates: [
          { email: 'alice@ourco.com', name: 'Alice' },
          { email: 'ben@ourco.com', name: 'Ben' },
        ],
        folders: folders.map((f) => ({ hasCalendar: true, authorizedAt: AUTH, ...f })),
      });

    beforeAll(async () => {
      ({ db, close } = await openTestStore(dialect, 'find'));
      const a = await workspace('cs', [{ mail: '/nowhere/alice' }, { teammate: 'ben@ourco.com', mail: '/nowhere/ben' }]);
      ctx = a.ctx;
      const alice = a.conns[0]!;
      const ben = a.conns[1]!;
      aliceConn = alice.id;
      const conns = a.byId;
      const dir = await loadDirectoryIndex(ctx);
      await ingestMailPage(ctx, dir, alice, conns, [
        {
          ref: 'INBOX/1',
          folder: 'INBOX',
          item: mail('m1@acme.com', 'john@acme.com', 'alice@ourco.com', '2026-03-06T10:00:00Z', 'Invoice question'),
        },
        {
          ref: 'INBOX/2',
          folder: 'INBOX',
          item: mail('m2@acme.com', 'john+billing@acme.com', 'alice@ourco.com', '2026-03-06T11:00:00Z', 'Invoice question'),
        },
        {
          ref: 'Sent/3',
          folder: 'Sent',
          item: mail('m3@ourco.com', 'alice@ourco.com', 'john@acme.com', '2026-03-07T08:00:00Z', 'Re: Invoice question'),
        },
        {
          ref: 'INBOX/4',
          folder: 'INBOX',
          item: mail('m4@acme.com', 'john@acme.com', 'alice@ourco.com', '2026-02-10T09:30:00Z', 'Old contract'),
        },
      ]);
      await ingestMailPage(ctx, dir, ben, conns, [
        { ref: 'INBOX/5', folder: 'INBOX', item: mail('m5@acme.com', 'john@acme.com', 'ben@ourco.com', '2026-03-06T09:00:00Z', 'Renewal') },
      ]);
      const review: MeetingOccurrence = {
        uid: 'review-1@ourco.com',
        start: new Date('2026-03-05T15:00:00Z'),
        end: new Date('2026-03-05T16:00:00Z'),
        allDay: false,
        title: 'Quarterly review',
        organizer: { address: 'alice@ourco.com' },
        attendees: [{ address: 'john@acme.com', partstat: 'ACCEPTED' }],
        cancelled: false,
        recurring: false,
      };
      await storeMeeting(ctx, dir, conns, review, { connectionId: alice.id, ref: 'cal/review.ics' }, undefined);

      // Another workspace with the same people and a mail of the same day.
      const b = await workspace('other', [{ mail: '/nowhere/b' }]);
      other = b.ctx;
      await ingestMailPage(other, await loadDirectoryIndex(other), b.conns[0]!, b.byId, [
        {
          ref: 'INBOX/1',
          folder: 'INBOX',
          item: mail('b-only@acme.com', 'john@acme.com', 'alice@ourco.com', '2026-03-06T12:00:00Z', 'Invoice question'),
        },
      ]);
    });
    afterAll(async () => close());

    it('by sender: what they sent, newest first, each explained, with where it was seen', async () => {
      const r = await findEmails(ctx, { from: 'John@Acme.com' });
      expect(ids(r)).toEqual(['m1@acme.com', 'm5@acme.com', 'm4@acme.com']);
      const [m1] = r.candidates;
      expect(m1).toMatchObject({ outcome: 'linked', date: '2026-03-06T10:00:00.000Z', subject: 'Invoice question', live: false });
      expect(m1!.where).toEqual([{ connection: aliceConn, teammate: 'alice@ourco.com', folder: 'INBOX' }]);
      expect(m1!.accounts.map((a) => a.id)).toEqual(['acme']);
    });

    it('by recipient: mail to them, not mail they sent', async () => {
      expect(ids(await findEmails(ctx, { to: 'john@acme.com' }))).toEqual(['m3@ourco.com']);
    });

    it('by subject words alone: linked mail, whatever the case and order of the words', async () => {
      expect(ids(await findEmails(ctx, { subject: 'QUESTION invoice' }))).toEqual(['m3@ourco.com', 'm1@acme.com']);
      expect(ids(await findEmails(ctx, { subject: 'invoice nothing-like-this' }))).toEqual([]);
    });

    it('by sender and a day or a range', async () => {
      expect(ids(await findEmails(ctx, { from: 'john@acme.com', on: '2026-03-06' }))).toEqual(['m1@acme.com', 'm5@acme.com']);
      expect(ids(await findEmails(ctx, { from: 'john@acme.com', since: '2026-03-06T09:30:00Z', until: '2026-03-07T00:00:00Z' }))).toEqual([
        'm1@acme.com',
      ]);
      expect(ids(await findEmails(ctx, { from: 'john@acme.com', on: '2026-03-01' }))).toEqual([]);
    });

    it('scoped to a teammate: only what their connections saw', async () => {
      expect(ids(await findEmails(ctx, { from: 'john@acme.com', teammate: 'ben@ourco.com' }))).toEqual(['m5@acme.com']);
      expect(ids(await findEmails(ctx, { from: 'john@acme.com', teammate: 'alice@ourco.com' }))).toEqual(['m1@acme.com', 'm4@acme.com']);
    });

    it('historic mail (before authorization) is answered E2 with its date, never "unknown"', async () => {
      const [c] = (await findEmails(ctx, { from: 'john@acme.com', on: '2026-02-10' })).candidates;
      expect(c).toMatchObject({ messageId: 'm4@acme.com', outcome: 'not_linked', date: '2026-02-10T09:30:00.000Z' });
      const e2 = c!.checks.find((x) => x.rule === 'E2');
      expect(e2).toMatchObject({ status: 'fail', code: 'E2_HISTORIC' });
      expect(e2!.detail).toContain('2026-02-10T09:30');
      expect(c!.subject).toBeUndefined(); // not linked: the subject was not kept, and is not shown
    });

    it('the +tag near miss: found by sender + day, not linked, with E3 failing', async () => {
      const [c] = (await findEmails(ctx, { from: 'john+billing@acme.com', on: '2026-03-06' })).candidates;
      expect(c).toMatchObject({ messageId: 'm2@acme.com', outcome: 'not_linked' });
      expect(c!.checks.find((x) => x.status === 'fail')?.code).toBe('E3_NO_END_USER');
    });

    it('subject words with an address: not-linked mail kept no subject, so it is shown flagged and the live lookup is asked', async () => {
      const asked: FindEmailQuery[] = [];
      const live: LiveFind = {
        emails: async (q) => {
          asked.push(q);
          return [];
        },
        meetings: async () => [],
      };
      const r = await findEmails({ ...ctx, live }, { from: 'john+billing@acme.com', subject: 'Invoice' });
      expect(r.candidates).toEqual([expect.objectContaining({ messageId: 'm2@acme.com', subjectNotKept: true })]);
      expect(asked).toEqual([{ from: 'john+billing@acme.com', subject: 'Invoice', limit: 20 }]);
      // A linked match needs no provider: the store answered.
      asked.length = 0;
      await findEmails({ ...ctx, live }, { from: 'john@acme.com', subject: 'invoice', on: '2026-03-06' });
      expect(asked).toEqual([]);
    });

    it('nothing in the store: the live lookup answers, merged one per Message-ID with every place kept', async () => {
      const where = { connection: aliceConn, teammate: 'alice@ourco.com', folder: 'Archive/2026' };
      const found: FindCandidate = {
        kind: 'email',
        outcome: 'not_linked',
        ref: 'live@acme.com',
        accounts: [],
        checks: [],
        remedies: [],
        remedyCodes: [],
        remedyActions: [],
        hints: [],
        messageId: 'live@acme.com',
        date: '2026-03-06T13:00:00.000Z',
        where: [where],
        live: true,
      };
      const live: LiveFind = { emails: async () => [found, { ...found, messageId: 'm2@acme.com' }], meetings: async () => [] };
      const none = await findEmails({ ...ctx, live }, { from: 'nobody@acme.com' });
      expect(none.candidates.map((c) => [c.messageId, c.live])).toEqual([
        ['live@acme.com', true],
        ['m2@acme.com', true],
      ]);
      const merged = await findEmails({ ...ctx, live }, { from: 'john+billing@acme.com', subject: 'invoice' });
      const m2 = merged.candidates.find((c) => c.messageId === 'm2@acme.com')!;
      expect(m2.live).toBe(false);
      expect(m2.where.map((w) => w.folder)).toEqual(['INBOX', 'Archive/2026']);
      expect(merged.candidates.filter((c) => c.messageId === 'm2@acme.com')).toHaveLength(1);
    });

    it('a failing live lookup leaves the store answer and says why', async () => {
      const live: LiveFind = {
        emails: async () => {
          throw new Error('imap.example.com timed out');
        },
        meetings: async () => [],
      };
      const r = await findEmails({ ...ctx, live }, { from: 'nobody@acme.com' });
      expect(r).toEqual({ candidates: [], liveAsked: true, liveError: 'imap.example.com timed out' });
    });

    it('askMailboxes asks the calendars too when the store has the meeting; without it they are not asked', async () => {
      const asked: string[] = [];
      const live: LiveFind = {
        emails: async () => [],
        meetings: async (q) => {
          asked.push(q.title ?? '');
          return [];
        },
      };
      const plain = await findMeetings({ ...ctx, live }, { title: 'quarterly' });
      expect([plain.candidates.length, plain.liveAsked, asked]).toEqual([1, false, []]);
      const also = await findMeetings({ ...ctx, live }, { title: 'quarterly', askMailboxes: true });
      expect([also.candidates.length, also.liveAsked, asked]).toEqual([1, true, ['quarterly']]);
    });

    it("another workspace's mail is never found", async () => {
      const mine = ids(await findEmails(ctx, { from: 'john@acme.com', on: '2026-03-06' }));
      expect(mine).not.toContain('b-only@acme.com');
      expect(ids(await findEmails(other, { from: 'john@acme.com' }))).toEqual(['b-only@acme.com']);
      expect(ids(await findEmails(other, { subject: 'invoice' }))).toEqual(['b-only@acme.com']);
    });

    it('meetings: by title words, by attendee, by day', async () => {
      const [m] = (await findMeetings(ctx, { title: 'quarterly' })).candidates;
      expect(m).toMatchObject({
        uid: 'review-1@ourco.com',
        outcome: 'linked',
        subject: 'Quarterly review',
        date: '2026-03-05T15:00:00.000Z',
      });
      expect(m!.where).toEqual([{ connection: aliceConn, teammate: 'alice@ourco.com', folder: null }]);
      expect(ids(await findMeetings(ctx, { attendee: 'john@acme.com', on: '2026-03-05' }))).toEqual(['review-1@ourco.com']);
      expect(ids(await findMeetings(ctx, { attendee: 'john@acme.com', on: '2026-03-04' }))).toEqual([]);
      expect(ids(await findMeetings(other, { title: 'quarterly' }))).toEqual([]);
    });

    it('a bad query is refused naming the field, before anything is searched', async () => {
      expect(await invalidField(findEmails(ctx, {}))).toBe('from|to|subject');
      expect(await invalidField(findEmails(ctx, { from: 'john' }))).toBe('from');
      expect(await invalidField(findEmails(ctx, { to: 'john@' }))).toBe('to');
      expect(await invalidField(findEmails(ctx, { subject: '   ' }))).toBe('subject');
      expect(await invalidField(findEmails(ctx, { from: 'john@acme.com', on: '2026-02-30' }))).toBe('on');
      expect(await invalidField(findEmails(ctx, { from: 'john@acme.com', on: '2026-03-06', since: '2026-03-01' }))).toBe('on');
      expect(await invalidField(findEmails(ctx, { from: 'john@acme.com', since: 'last tuesday' }))).toBe('since');
      expect(await invalidField(findEmails(ctx, { from: 'john@acme.com', since: '2026-03-06', until: '2026-03-05' }))).toBe('until');
      expect(await invalidField(findEmails(ctx, { from: 'john@acme.com', limit: 0 }))).toBe('limit');
      expect(await invalidField(findMeetings(ctx, { on: '2026-03-05' }))).toBe('title|attendee');
    });

    it('after the retention purge, a not-linked email is still found by sender + day, from its tombstone', async () => {
      const later = new Date('2026-04-20T00:00:00Z');
      await purgeNotLinked(db, ctx.ws.id, later, 30);
      const [c] = (await findEmails({ ...ctx, now: later }, { from: 'john+billing@acme.com', on: '2026-03-06' })).candidates;
      expect(c).toMatchObject({ outcome: 'not_linked', date: '2026-03-06T11:00:00.000Z', live: false });
      expect(c!.checks.map((x) => x.code)).toEqual(['E3_NO_END_USER']);
      expect(c!.summary).toMatch(/^Seen on 8 Mar 2026 in INBOX, not linked: .*details removed after 30 days/);
      expect(c!.where).toEqual([{ connection: aliceConn, teammate: 'alice@ourco.com', folder: 'INBOX' }]);
    });
  });
}
