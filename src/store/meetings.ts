// Meetings: one row per occurrence (UID + start), the calendar objects they came from,
// sightings per calendar and links per account.
import { sql, type SqlBool } from 'kysely';
import type { Decision } from '../domain/decision.js';
import type { MeetingOccurrence } from '../domain/items.js';
import type { Store } from './db.js';
import { insertAll, type BulkInsert, type BulkRow } from './bulk-insert.js';
import { newId } from './ids.js';
import { containsText, escapeLike } from './like.js';
import type { CalendarObjectsTable, MeetingsTable } from './schema.js';
import { chunksOf } from '../domain/chunks.js';

export interface MeetingRecord {
  id: string;
  uid: string;
  start: Date;
  title: string;
  occurrence: MeetingOccurrence;
  outcome: string;
  decision: Decision;
}

export function occurrenceFromJson(s: string): MeetingOccurrence {
  const o = JSON.parse(s) as MeetingOccurrence & { start: string; end: string; cancelledAt?: string };
  return { ...o, start: new Date(o.start), end: new Date(o.end), ...(o.cancelledAt ? { cancelledAt: new Date(o.cancelledAt) } : {}) };
}

export function meetingFromRow(r: MeetingsTable): MeetingRecord {
  return {
    id: r.id,
    uid: r.uid,
    start: new Date(r.occurrence_start),
    title: r.title,
    occurrence: occurrenceFromJson(r.data),
    outcome: r.outcome,
    decision: JSON.parse(r.decision) as Decision,
  };
}

export async function saveCalendarObject(db: Store, row: CalendarObjectsTable): Promise<void> {
  const { connection_id, ref, ...rest } = row;
  await db
    .insertInto('calendar_objects')
    .values(row)
    .onConflict((oc) => oc.columns(['connection_id', 'ref']).doUpdateSet(rest))
    .execute();
}

/**
 * saveCalendarObject for a whole page: one multi-row upsert per 100 objects instead of one
 * statement each (a first sync of 2,000 events paid for 2,000 statements). Refs are unique.
 */
export async function saveCalendarObjects(db: Store, rows: CalendarObjectsTable[]): Promise<void> {
  for (const part of chunksOf(rows, 100)) {
    await db
      .insertInto('calendar_objects')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['connection_id', 'ref']).doUpdateSet((eb) => ({
          workspace_id: eb.ref('excluded.workspace_id'),
          version: eb.ref('excluded.version'),
          ics: eb.ref('excluded.ics'),
          occurrences: eb.ref('excluded.occurrences'),
          recurring: eb.ref('excluded.recurring'),
          expanded_until: eb.ref('excluded.expanded_until'),
        })),
      )
      .execute();
  }
}

export async function deleteCalendarObject(db: Store, connectionId: string, ref: string): Promise<void> {
  await db.deleteFrom('calendar_objects').where('connection_id', '=', connectionId).where('ref', '=', ref).execute();
}

/** Refs of one connection's calendar objects that begin with `prefix` (the instances of one series). */
export async function calendarRefsWithPrefix(db: Store, ws: string, connectionId: string, prefix: string): Promise<string[]> {
  const rows = await db
    .selectFrom('calendar_objects')
    .select('ref')
    .where('workspace_id', '=', ws)
    .where('connection_id', '=', connectionId)
    .where(sql<SqlBool>`ref like ${`${escapeLike(prefix)}%`} escape '\\'`)
    .orderBy('ref')
    .execute();
  // SQLite's LIKE ignores ASCII case: keep the exact prefix only.
  return rows.map((r) => r.ref).filter((r) => r.startsWith(prefix));
}

/** Recurring objects whose stored expansion ends before `until` (the clock moved on). */
export async function objectsToExtend(db: Store, connectionId: string, until: Date): Promise<CalendarObjectsTable[]> {
  return db
    .selectFrom('calendar_objects')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('recurring', '=', 1)
    .where('expanded_until', '<', until.toISOString())
    .execute();
}

export async function findMeeting(db: Store, ws: string, uid: string, start: Date): Promise<MeetingRecord | undefined> {
  const r = await db
    .selectFrom('meetings')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('uid', '=', uid)
    .where('occurrence_start', '=', start.toISOString())
    .executeTakeFirst();
  return r ? meetingFromRow(r) : undefined;
}

export async function getMeeting(db: Store, ws: string, id: string): Promise<MeetingRecord | undefined> {
  const r = await db.selectFrom('meetings').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst();
  return r ? meetingFromRow(r) : undefined;
}

export async function meetingsByUid(db: Store, ws: string, uid: string): Promise<MeetingRecord[]> {
  const rows = await db
    .selectFrom('meetings')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('uid', '=', uid)
    .orderBy('occurrence_start')
    .execute();
  return rows.map(meetingFromRow);
}

/** meetingsByUid for the UIDs of a whole page, in a few queries. */
export async function meetingsByUids(db: Store, ws: string, uids: string[]): Promise<MeetingRecord[]> {
  const out: MeetingRecord[] = [];
  for (const part of chunksOf(uids, 500)) {
    const rows = await db.selectFrom('meetings').selectAll().where('workspace_id', '=', ws).where('uid', 'in', part).execute();
    for (const r of rows) out.push(meetingFromRow(r));
  }
  return out;
}

/** meetingIdsByRef for the refs of a whole page: meeting ids by ref. */
export async function meetingIdsByRefs(db: Store, ws: string, connectionId: string, refs: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const part of chunksOf(refs, 500)) {
    const rows = await db
      .selectFrom('meeting_sightings')
      .select(['ref', 'meeting_id'])
      .where('workspace_id', '=', ws)
      .where('connection_id', '=', connectionId)
      .where('ref', 'in', part)
      .execute();
    for (const r of rows) out.set(r.ref, [...(out.get(r.ref) ?? []), r.meeting_id]);
  }
  return out;
}

/** Meetings of one calendar object (by its ref), e.g. to cancel the ones a deleted file held. */
export async function meetingIdsByRef(db: Store, ws: string, connectionId: string, ref: string): Promise<string[]> {
  const rows = await db
    .selectFrom('meeting_sightings')
    .select('meeting_id')
    .where('workspace_id', '=', ws)
    .where('connection_id', '=', connectionId)
    .where('ref', '=', ref)
    .execute();
  return rows.map((r) => r.meeting_id);
}

export async function meetingSightings(
  db: Store,
  ws: string,
  meetingId: string,
): Promise<{ connectionId: string; ref: string; seenAt: Date }[]> {
  const rows = await db
    .selectFrom('meeting_sightings')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('meeting_id', '=', meetingId)
    .execute();
  return rows.map((r) => ({ connectionId: r.connection_id, ref: r.ref, seenAt: new Date(r.seen_at) }));
}

/** Upcoming meetings whose start has passed: the next sync logs them (M3). */
export async function upcomingStartedBy(db: Store, ws: string, now: Date): Promise<MeetingRecord[]> {
  const rows = await db
    .selectFrom('meetings')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('outcome', '=', 'upcoming')
    .where('occurrence_start', '<=', now.toISOString())
    .execute();
  return rows.map(meetingFromRow);
}

export interface MeetingWrite {
  id?: string;
  occurrence: MeetingOccurrence;
  decision: Decision;
  hashes: string[];
  sighting?: { connectionId: string; ref: string };
  now: Date;
}

export async function saveMeeting(db: Store, ws: string, w: MeetingWrite): Promise<string> {
  const id = w.id ?? newId();
  const o = w.occurrence;
  const values = {
    title: o.title,
    data: JSON.stringify(o),
    outcome: w.decision.outcome,
    decision: JSON.stringify(w.decision),
    decided_at: w.now.toISOString(),
  };
  if (w.id) {
    await db.updateTable('meetings').set(values).where('workspace_id', '=', ws).where('id', '=', id).execute();
    // By item id alone (a random UUID, so within this workspace): with a workspace_id
    // condition too, SQLite without statistics picks meeting_links_by_account and scans
    // every link of the workspace for each meeting — quadratic on a first sync.
    await db.deleteFrom('meeting_links').where('item_id', '=', id).execute();
  } else {
    await db
      .insertInto('meetings')
      .values({ id, workspace_id: ws, uid: o.uid, occurrence_start: o.start.toISOString(), first_seen_at: w.now.toISOString(), ...values })
      .execute();
  }
  // One statement per kind of row: a first sync stores thousands of occurrences.
  if (w.decision.outcome === 'linked' && w.decision.accounts.length) {
    await db
      .insertInto('meeting_links')
      .values(
        w.decision.accounts.map((a) => ({
          workspace_id: ws,
          item_id: id,
          account_id: a.id,
          via: JSON.stringify(a.via),
          at: o.start.toISOString(),
        })),
      )
      .execute();
  }
  if (w.hashes.length) {
    await db
      .insertInto('participant_hashes')
      .values(w.hashes.map((h) => ({ workspace_id: ws, kind: 'meeting', item_id: id, addr_hash: h })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  if (w.sighting) {
    await db
      .insertInto('meeting_sightings')
      .values({
        workspace_id: ws,
        meeting_id: id,
        connection_id: w.sighting.connectionId,
        ref: w.sighting.ref,
        seen_at: w.now.toISOString(),
      })
      .onConflict((oc) => oc.columns(['meeting_id', 'connection_id']).doUpdateSet({ ref: w.sighting!.ref }))
      .execute();
  }
  return id;
}

const MEETING_COLUMNS = [
  'id',
  'workspace_id',
  'uid',
  'occurrence_start',
  'first_seen_at',
  'title',
  'data',
  'outcome',
  'decision',
  'decided_at',
] as const;
const LINK_COLUMNS = ['workspace_id', 'item_id', 'account_id', 'via', 'at'] as const;
const HASH_COLUMNS = ['workspace_id', 'kind', 'item_id', 'addr_hash'] as const;
const SIGHTING_COLUMNS = ['workspace_id', 'meeting_id', 'connection_id', 'ref', 'seen_at'] as const;

/**
 * Insert occurrences never stored before, with their links, hashes and sightings (a first
 * sync stores thousands). Through store/bulk-insert.ts, as the email pages are: the SQL text
 * is built once, not a Kysely VALUES list compiled per chunk (PostgreSQL: one statement for
 * the four tables; SQLite: one prepared row statement run per row). Returns the new ids in order.
 */
export async function insertNewMeetings(db: Store, ws: string, writes: MeetingWrite[]): Promise<string[]> {
  const ids = writes.map(() => newId());
  const meetings: BulkRow[] = [];
  const links: BulkRow[] = [];
  const hashes: BulkRow[] = [];
  const sightings: BulkRow[] = [];
  writes.forEach((w, i) => {
    const id = ids[i]!;
    const o = w.occurrence;
    const now = w.now.toISOString();
    const start = o.start.toISOString();
    meetings.push([id, ws, o.uid, start, now, o.title, JSON.stringify(o), w.decision.outcome, JSON.stringify(w.decision), now]);
    if (w.decision.outcome === 'linked') for (const a of w.decision.accounts) links.push([ws, id, a.id, JSON.stringify(a.via), start]);
    for (const h of new Set(w.hashes)) hashes.push([ws, 'meeting', id, h]);
    if (w.sighting) sightings.push([ws, id, w.sighting.connectionId, w.sighting.ref, now]);
  });
  const inserts: BulkInsert[] = [
    { table: 'meetings', columns: MEETING_COLUMNS, rows: meetings },
    { table: 'meeting_links', columns: LINK_COLUMNS, rows: links },
    { table: 'participant_hashes', columns: HASH_COLUMNS, rows: hashes, onConflict: 'ON CONFLICT DO NOTHING' },
    { table: 'meeting_sightings', columns: SIGHTING_COLUMNS, rows: sightings },
  ].filter((x) => x.rows.length > 0);
  if (inserts.length) await insertAll(db, inserts);
  return ids;
}

export async function searchMeetings(db: Store, ws: string, title: string, from: Date, to: Date): Promise<MeetingRecord[]> {
  const rows = await db
    .selectFrom('meetings')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where(containsText('title', title, { caseInsensitive: true }))
    .where('occurrence_start', '>=', from.toISOString())
    .where('occurrence_start', '<', to.toISOString())
    .orderBy('occurrence_start')
    .execute();
  return rows.map(meetingFromRow);
}
