// An account's timeline a page at a time: following `next` from the newest page reads every
// item once, in order — emails and meetings at the very same instant included — and a bad
// cursor or an unknown account is answered in words. On both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountTimelinePage } from '../../src/app/account-timeline.js';
import type { EmailItem, MeetingOccurrence } from '../../src/domain/items.js';
import { listConnections } from '../../src/store/connections.js';
import { loadDirectoryIndex, type Ctx } from '../../src/store/context.js';
import { addAccount, insertEndUser } from '../../src/store/directory.js';
import { storeMeeting } from '../../src/sync/calendar-ingest.js';
import { ingestMailPage } from '../../src/sync/email-ingest.js';
import { DIALECTS, openTestStore } from '../support/databases.js';
import { appFailure } from '../support/app-errors.js';
import { seedWorkspace } from '../support/seed.js';

const NOW = new Date('2026-03-20T12:00:00Z');
// Several items share an instant: the page boundary must not drop or repeat any of them.
const TIMES = ['2026-03-06T10:00:00Z', '2026-03-06T10:00:00Z', '2026-03-06T10:00:00Z', '2026-03-05T09:00:00Z', '2026-03-04T08:00:00Z'];

const mail = (i: number, at: string): EmailItem => ({
  messageId: `m${i}@acme.com`,
  fingerprint: `fp-${i}`,
  sentAt: new Date(at),
  receivedAt: new Date(at),
  from: [{ address: 'john@acme.com' }],
  to: [{ address: 'alice@ourco.com' }],
  cc: [],
  bcc: [],
  subject: `Mail ${i}`,
});

const meeting = (i: number, at: string): MeetingOccurrence => ({
  uid: `meet-${i}@ourco.com`,
  start: new Date(at),
  end: new Date(new Date(at).getTime() + 3_600_000),
  allDay: false,
  title: `Meeting ${i}`,
  organizer: { address: 'alice@ourco.com' },
  attendees: [{ address: 'john@acme.com', partstat: 'ACCEPTED' }],
  cancelled: false,
  recurring: false,
});

describe.each(DIALECTS)('account timeline pages (%s)', (dialect) => {
  let close: () => Promise<void>;
  let ctx: Ctx;

  beforeAll(async () => {
    const store = await openTestStore(dialect, 'timeline-pages');
    close = store.close;
    const seed = await seedWorkspace(store.db, { now: NOW, folders: [{ hasCalendar: true }] });
    ctx = seed.ctx;
    const conn = seed.conns[0]!;
    const dir = await loadDirectoryIndex(ctx);
    await ingestMailPage(
      ctx,
      dir,
      conn,
      seed.byId,
      TIMES.map((at, i) => ({ ref: `INBOX/${i}`, folder: 'INBOX', item: mail(i, at) })),
    );
    for (const [i, at] of [TIMES[0]!, TIMES[3]!].entries())
      await storeMeeting(ctx, dir, seed.byId, meeting(i, at), { connectionId: conn.id, ref: `cal/${i}.ics` }, undefined);
  });
  afterAll(async () => close?.());

  it('following next two items at a time reads the whole timeline once, newest first', async () => {
    const whole = await accountTimelinePage(ctx, 'acme', { limit: 1000 });
    expect(whole.items).toHaveLength(7);
    expect(whole.next).toBeUndefined();
    const seen: string[] = [];
    let before: string | undefined;
    let pages = 0;
    do {
      const page = await accountTimelinePage(ctx, 'acme', { limit: 2, ...(before ? { before } : {}) });
      seen.push(...page.items.map((it) => `${it.kind}/${it.id}`));
      before = page.next;
      pages++;
    } while (before && pages < 10);
    expect(pages).toBe(4);
    expect(seen).toEqual(whole.items.map((it) => `${it.kind}/${it.id}`));
    expect(whole.items.map((it) => it.at)).toEqual([...whole.items.map((it) => it.at)].sort().reverse());
  });

  it('a page is 50 items unless more are asked for (up to 1000), with the cursor to the next', async () => {
    await addAccount(ctx.db, ctx.ws.id, { id: 'bigco', name: 'BigCo' }, NOW);
    await insertEndUser(ctx.db, ctx.ws.id, { accountId: 'bigco', email: 'ann@bigco.com', source: 'manual' }, NOW);
    const [conn] = await listConnections(ctx.db, ctx.ws.id);
    const many = Array.from({ length: 55 }, (_, i) => ({
      ref: `INBOX/big-${i}`,
      folder: 'INBOX',
      item: {
        ...mail(100 + i, new Date(Date.parse('2026-03-01T00:00:00Z') + i * 60_000).toISOString()),
        from: [{ address: 'ann@bigco.com' }],
      },
    }));
    await ingestMailPage(ctx, await loadDirectoryIndex(ctx), conn!, new Map([[conn!.id, conn!]]), many);
    const first = await accountTimelinePage(ctx, 'bigco');
    expect(first.items).toHaveLength(50);
    expect(first.next).toBeDefined();
    expect((await accountTimelinePage(ctx, 'bigco', { before: first.next! })).items).toHaveLength(5);
    expect((await accountTimelinePage(ctx, 'bigco', { limit: 500 })).items).toHaveLength(55);
  });

  it("each item of a page carries its own link's via and columns, however many items share one via", async () => {
    await addAccount(ctx.db, ctx.ws.id, { id: 'twoco', name: 'TwoCo' }, NOW);
    for (const email of ['ann@twoco.com', 'bob@twoco.com'])
      await insertEndUser(ctx.db, ctx.ws.id, { accountId: 'twoco', email, source: 'manual' }, NOW);
    const [conn] = await listConnections(ctx.db, ctx.ws.id);
    // From ann, from bob, or from ann with bob in Cc, in turn; newest last.
    const senders = [['ann@twoco.com'], ['bob@twoco.com'], ['ann@twoco.com', 'bob@twoco.com']];
    const mails = Array.from({ length: 9 }, (_, i) => {
      const [from, cc] = senders[i % 3]!;
      const item = {
        ...mail(200 + i, new Date(Date.parse('2026-03-02T00:00:00Z') + i * 60_000).toISOString()),
        from: [{ address: from! }],
      };
      return { ref: `INBOX/two-${i}`, folder: 'INBOX', item: cc ? { ...item, cc: [{ address: cc }] } : item };
    });
    await ingestMailPage(ctx, await loadDirectoryIndex(ctx), conn!, new Map([[conn!.id, conn!]]), mails);
    const page = await accountTimelinePage(ctx, 'twoco', { limit: 500 });
    const shown = page.items.map((it) => {
      if (it.kind !== 'email') throw new Error(`a ${it.kind} on twoco`);
      return [it.messageId, it.subject, it.via.map((v) => `${v.email} ${v.field}`)];
    });
    expect(shown).toEqual(
      [8, 7, 6, 5, 4, 3, 2, 1, 0].map((i) => [
        `m${200 + i}@acme.com`,
        `Mail ${200 + i}`,
        [['ann@twoco.com from'], ['bob@twoco.com from'], ['ann@twoco.com from', 'bob@twoco.com cc']][i % 3],
      ]),
    );
    const meetings = (await accountTimelinePage(ctx, 'acme', { limit: 1000 })).items.flatMap((it) =>
      it.kind === 'meeting' ? [[it.uid, it.title, it.occurrence, it.at, it.via.map((v) => `${v.email} ${v.field}`)]] : [],
    );
    expect(meetings).toEqual(
      [0, 1].map((i) => [
        `meet-${i}@ourco.com`,
        `Meeting ${i}`,
        new Date(TIMES[i * 3]!).toISOString(),
        new Date(TIMES[i * 3]!).toISOString(),
        ['john@acme.com attendee'],
      ]),
    );
  });

  it('a cursor that is not one, a bad limit, an unknown account: each said in words', async () => {
    const bad = await appFailure(accountTimelinePage(ctx, 'acme', { before: 'not-a-cursor' }));
    expect([bad.code, bad.fields?.[0]?.field]).toEqual(['invalid', 'before']);
    expect((await appFailure(accountTimelinePage(ctx, 'acme', { limit: 0 }))).fields?.[0]?.field).toBe('limit');
    expect((await appFailure(accountTimelinePage(ctx, 'nope'))).code).toBe('not_found');
  });
});
