// Account timelines and activity look-ups for search.
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { LinkVia } from '../domain/decision.js';
import type { Store } from './db.js';
import { dialectOf } from './dialects/dialect.js';
import { reusableQuery, reusableRowsQuery } from './reusable-query.js';

export type TimelineItem =
  | { kind: 'email'; id: string; messageId: string | null; at: string; subject: string; via: LinkVia[] }
  | { kind: 'meeting'; id: string; uid: string; occurrence: string; at: string; title: string; via: LinkVia[] };

/** Where a timeline page ends: the last item's time, kind and id (the order is at desc, kind, id). */
export interface TimelineCursor {
  at: string;
  kind: 'email' | 'meeting';
  id: string;
}

/**
 * An account's newest `limit` items, or the `limit` after `before` (the last item of the page
 * before). Ordered by the link's own `at` (written with the item's time, see store/emails.ts),
 * not the joined item's: then the (workspace, account, at) index yields the page in order and
 * the read stops after `limit` rows, where ordering by emails.at sorted every email of the
 * account first (a 100k-email account: bench:scale). Keyset, not OFFSET: page 1,000 costs what
 * page 1 does. Only the columns a page shows are read (no participants JSON): on SQLite
 * migration 014's covering indexes then answer the page from index pages alone.
 */
export async function accountTimeline(
  db: Store,
  ws: string,
  accountId: string,
  limit = 500,
  before?: TimelineCursor,
): Promise<TimelineItem[]> {
  const page = { ws, account: accountId, limit };
  // At the cursor's own time, emails come before meetings, each kind by id. Both at once: on
  // PostgreSQL each is a round trip (SQLite runs them one after the other anyway).
  const [emails, meetings] = await Promise.all(
    !before
      ? [emailPage.first(db, page), meetingPage.first(db, page)]
      : before.kind === 'email'
        ? [emailPage.tieById(db, { ...page, at: before.at, id: before.id }), meetingPage.atOrOlder(db, { ...page, at: before.at })]
        : [emailPage.older(db, { ...page, at: before.at }), meetingPage.tieById(db, { ...page, at: before.at, id: before.id })],
  );
  return mergePages(emails, meetings, limit);
}

/** An email page's row: its select's columns, in order. */
type EmailRow = [id: string, messageId: string | null, at: string, subject: string | null, via: string];
/** A meeting page's row: its select's columns, in order. */
type MeetingRow = [id: string, uid: string, occurrence: string, title: string, via: string];

/**
 * The two kinds' pages, each already in timeline order (their statements' ORDER BY: at desc,
 * then id, the order the cursor's conditions resume), merged into the first `limit` items:
 * newest first, an email before a meeting at the same time. This replaced a sort of both pages
 * whole, then a slice: only the rows kept become items, and each distinct `via` text is parsed once per page: an
 * account's mail mostly comes through a few end users, so a 500-item page held a handful of
 * distinct texts and parsed 500 (bench:scale). Items with the same text share one parsed array;
 * nothing changes an item's `via` after the read.
 */
function mergePages(emails: EmailRow[], meetings: MeetingRow[], limit: number): TimelineItem[] {
  const vias = new Map<string, LinkVia[]>();
  const via = (text: string): LinkVia[] => {
    let v = vias.get(text);
    if (v === undefined) {
      v = JSON.parse(text) as LinkVia[];
      vias.set(text, v);
    }
    return v;
  };
  const items: TimelineItem[] = [];
  let e = 0;
  let m = 0;
  while (items.length < limit) {
    const email = emails[e];
    const meeting = meetings[m];
    if (email && (!meeting || email[2] >= meeting[2])) {
      items.push({ kind: 'email', id: email[0], messageId: email[1], at: email[2], subject: email[3] ?? '', via: via(email[4]) });
      e++;
    } else if (meeting) {
      items.push({
        kind: 'meeting',
        id: meeting[0],
        uid: meeting[1],
        occurrence: meeting[2],
        at: meeting[2],
        title: meeting[3],
        via: via(meeting[4]),
      });
      m++;
    } else break;
  }
  return items;
}

type PageValues = { ws: string; account: string; limit: number; at?: string; id?: string };
/** Where a page of one kind starts: the newest; older than the cursor; at its time or older; after it at its time (by id). */
type PageStart = 'first' | 'older' | 'atOrOlder' | 'tieById';
const PAGE_STARTS: PageStart[] = ['first', 'older', 'atOrOlder', 'tieById'];

function startWhere(start: PageStart, links: 'email_links' | 'meeting_links', v: PageValues): RawBuilder<SqlBool> {
  const at = sql.ref(`${links}.at`);
  const id = sql.ref(`${links}.item_id`);
  if (start === 'older') return sql<SqlBool>`${at} < ${v.at}`;
  if (start === 'atOrOlder') return sql<SqlBool>`${at} <= ${v.at}`;
  return sql<SqlBool>`(${at} < ${v.at} or (${at} = ${v.at} and ${id} > ${v.id}))`;
}

// Each start's statement is built once per store (store/reusable-query.ts): building and
// compiling them was a fifth of a 50-item page's time. An email's page is its links alone:
// they carry its Message-ID and subject (migration 016), and its time is the link's (written
// together). Joining each email, even through a covering index, was 500 seeks for a 500-item
// page: 2.6× the links' read alone at 1M emails (bench:scale).
const emailPage = pageReads((start) =>
  reusableRowsQuery<PageValues, EmailRow>((db, v: PageValues) =>
    db
      .selectFrom('email_links')
      .select(['email_links.item_id as id', 'email_links.message_id', 'email_links.at', 'email_links.subject', 'email_links.via'])
      .where('email_links.workspace_id', '=', v.ws)
      .where('email_links.account_id', '=', v.account)
      .$if(start !== 'first', (q) => q.where(startWhere(start, 'email_links', v)))
      .orderBy('email_links.at', 'desc')
      .orderBy('email_links.item_id')
      .limit(v.limit),
  ),
);
const meetingPage = pageReads((start) =>
  reusableRowsQuery<PageValues, MeetingRow>(
    (db, v: PageValues) =>
      db
        .selectFrom('meeting_links')
        .innerJoin('meetings', 'meetings.id', 'meeting_links.item_id')
        .select(['meetings.id', 'meetings.uid', 'meetings.occurrence_start', 'meetings.title', 'meeting_links.via'])
        .where('meeting_links.workspace_id', '=', v.ws)
        .where('meeting_links.account_id', '=', v.account)
        .$if(start !== 'first', (q) => q.where(startWhere(start, 'meeting_links', v)))
        .orderBy('meeting_links.at', 'desc')
        .orderBy('meeting_links.item_id')
        .limit(v.limit),
    throughCoveringIndex('meetings', 'meetings_timeline'),
  ),
);

function pageReads<R>(read: (start: PageStart) => R): Record<PageStart, R> {
  return Object.fromEntries(PAGE_STARTS.map((s) => [s, read(s)])) as Record<PageStart, R>;
}

/**
 * On SQLite, a meeting page reads its meetings through migration 014's covering index (an
 * email page joins nothing since 016). SQLite's planner takes the primary key's unique index for the `id = ?` join even
 * when another index holds every column asked for, then reads each (wide) table row: half
 * the page's time at 1M emails (bench:scale). PostgreSQL has no such index (see 014).
 */
function throughCoveringIndex(table: string, index: string): (sql: string, db: Store) => string {
  return (sql, db) => {
    if (dialectOf(db) !== 'sqlite') return sql;
    const join = `inner join "${table}" on`;
    if (!sql.includes(join)) throw new Error(`timeline read: no "${join}" to read through ${index}`);
    return sql.replace(join, `inner join "${table}" indexed by "${index}" on`);
  };
}

const timelineOrder = (a: Pick<TimelineItem, 'at' | 'kind' | 'id'>, b: Pick<TimelineItem, 'at' | 'kind' | 'id'>): number =>
  a.at !== b.at ? (a.at < b.at ? 1 : -1) : a.kind !== b.kind ? (a.kind < b.kind ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** A link in timeline order; an email's carries its Message-ID and subject (migration 016). */
type LinkRow = {
  kind: 'email' | 'meeting';
  id: string;
  at: string;
  via: LinkVia[];
  accountId: string;
  messageId?: string | null;
  subject?: string | null;
};

type NewestValues = { ws: string; account: string; limit: number };
// Built once per store (store/reusable-query.ts): search reads them for every account it finds.
const newestLinkRows = {
  email_links: reusableQuery((db, v: NewestValues) =>
    newestLinksOf(db, 'email_links', v).select(['email_links.message_id', 'email_links.subject']),
  ),
  meeting_links: reusableQuery((db, v: NewestValues) => newestLinksOf(db, 'meeting_links', v)),
};

function newestLinksOf(db: Store, table: 'email_links' | 'meeting_links', v: NewestValues) {
  return db
    .selectFrom(table)
    .select(['item_id', 'at', 'via'])
    .where('workspace_id', '=', v.ws)
    .where('account_id', '=', v.account)
    .orderBy('at', 'desc')
    .orderBy('item_id')
    .limit(v.limit);
}

/** An account's `limit` newest links, emails and meetings, in timeline order: links only (014's index holds them). */
async function newestLinks(db: Store, ws: string, accountId: string, limit: number): Promise<LinkRow[]> {
  const rows: LinkRow[] = [];
  const v = { ws, account: accountId, limit };
  // Both at once: on PostgreSQL each is a round trip.
  const [emailLinks, meetingLinks] = await Promise.all([newestLinkRows.email_links(db, v), newestLinkRows.meeting_links(db, v)]);
  for (const r of emailLinks)
    rows.push({
      kind: 'email',
      id: r.item_id,
      at: r.at,
      via: JSON.parse(r.via) as LinkVia[],
      accountId,
      messageId: r.message_id,
      subject: r.subject,
    });
  for (const r of meetingLinks) rows.push({ kind: 'meeting', id: r.item_id, at: r.at, via: JSON.parse(r.via) as LinkVia[], accountId });
  return rows.sort(timelineOrder).slice(0, limit);
}

/**
 * Of an account set's `limit` newest linked activities, the ones `keep` accepts (by who linked
 * them), at most `show`, newest first (global search). The choice is made on links alone; an
 * email's shown columns come with its link, a meeting's are read only for those shown.
 * A link's time is its item's (written together, store/emails.ts), so the order is the one the
 * items' times give.
 */
export async function recentActivitiesFor(
  db: Store,
  ws: string,
  accountIds: string[],
  opts: { limit: number; show: number; keep: (via: LinkVia[]) => boolean },
): Promise<(TimelineItem & { accountId: string })[]> {
  const links: LinkRow[] = [];
  for (const id of accountIds) links.push(...(await newestLinks(db, ws, id, opts.limit)));
  const shown = links
    .sort((a, b) => (a.at < b.at ? 1 : -1))
    .slice(0, opts.limit)
    .filter((l) => opts.keep(l.via))
    .slice(0, opts.show);
  // An email's shown columns came with its link (migration 016); only meetings are read.
  const meetingIds = shown.filter((l) => l.kind === 'meeting').map((l) => l.id);
  const meetings = await byId(meetingIds, () =>
    db
      .selectFrom('meetings')
      .select(['id', 'uid', 'occurrence_start', 'title'])
      .where('workspace_id', '=', ws)
      .where('id', 'in', meetingIds)
      .execute(),
  );
  const out: (TimelineItem & { accountId: string })[] = [];
  for (const l of shown) {
    const m = l.kind === 'meeting' ? meetings.get(l.id) : undefined;
    if (l.kind === 'email')
      out.push({
        kind: 'email',
        id: l.id,
        messageId: l.messageId ?? null,
        at: l.at,
        subject: l.subject ?? '',
        via: l.via,
        accountId: l.accountId,
      });
    else if (m)
      out.push({
        kind: 'meeting',
        id: m.id,
        uid: m.uid,
        occurrence: m.occurrence_start,
        at: m.occurrence_start,
        title: m.title,
        via: l.via,
        accountId: l.accountId,
      });
  }
  return out;
}

export interface OutcomeCounts {
  seen: number;
  linked: number;
  upcoming: number;
  skipped: Record<string, number>;
}

/** Items seen by one connection, linked or skipped by the first failing rule code. */
export async function connectionCounts(
  db: Store,
  ws: string,
  connectionId: string,
): Promise<{ email: OutcomeCounts; meeting: OutcomeCounts }> {
  const emails = await db
    .selectFrom('email_sightings')
    .innerJoin('emails', 'emails.id', 'email_sightings.email_id')
    .select(['emails.id', 'emails.outcome', 'emails.decision'])
    .distinct()
    .where('email_sightings.workspace_id', '=', ws)
    .where('email_sightings.connection_id', '=', connectionId)
    .execute();
  const meetings = await db
    .selectFrom('meeting_sightings')
    .innerJoin('meetings', 'meetings.id', 'meeting_sightings.meeting_id')
    .select(['meetings.id', 'meetings.outcome', 'meetings.decision'])
    .distinct()
    .where('meeting_sightings.workspace_id', '=', ws)
    .where('meeting_sightings.connection_id', '=', connectionId)
    .execute();
  return { email: tally(emails), meeting: tally(meetings) };
}

function tally(rows: { outcome: string; decision: string }[]): OutcomeCounts {
  const c: OutcomeCounts = { seen: rows.length, linked: 0, upcoming: 0, skipped: {} };
  for (const r of rows) {
    if (r.outcome === 'linked') c.linked++;
    else if (r.outcome === 'upcoming') c.upcoming++;
    else {
      const d = JSON.parse(r.decision) as { checks: { status: string; code: string }[] };
      const code = d.checks.find((ch) => ch.status === 'fail')?.code ?? 'NO_ACCOUNT';
      c.skipped[code] = (c.skipped[code] ?? 0) + 1;
    }
  }
  return c;
}

/** Rows keyed by id, read only when there are ids to read (an empty `IN ()` is no query). */
async function byId<T extends { id: string }>(ids: string[], read: () => Promise<T[]>): Promise<Map<string, T>> {
  return new Map((ids.length ? await read() : []).map((r) => [r.id, r]));
}
