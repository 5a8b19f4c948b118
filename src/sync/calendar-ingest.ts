// Calendars: calendar objects → occurrences → decision → store.
// Each occurrence of a series is its own meeting (UID + start), judged on its own start (M2).
import type { Sighting } from '../domain/connection.js';
import type { Decision } from '../domain/decision.js';
import type { MeetingOccurrence } from '../domain/items.js';
import type { CalendarObject, ItemError } from '../providers/types.js';
import { expandOccurrences, hasRecurrence, parseCalendarObject } from '../formats/ical/parse-calendar.js';
import { normalizeAddress } from '../directory/address.js';
import type { DirectoryIndex } from '../directory/index.js';
import { decideMeetingForSync } from '../rules/decide-meeting.js';
import type { ConnectionRecord } from '../store/connections.js';
import {
  calendarRefsWithPrefix,
  deleteCalendarObject,
  getMeeting,
  insertNewMeetings,
  meetingIdsByRef,
  meetingIdsByRefs,
  meetingsByUids,
  meetingSightings,
  objectsToExtend,
  saveCalendarObjects,
  saveMeeting,
  type MeetingRecord,
  type MeetingWrite,
} from '../store/meetings.js';
import { hashAddress, type Ctx } from '../store/context.js';
import { linkedAccounts, recordLinkChanges } from './link-events.js';

const DAY = 86_400_000;
/** Occurrences are stored this far ahead, so upcoming meetings are known before they start. */
export const LOOKAHEAD_MS = 30 * DAY;
/** … and this far before authorization, so the troubleshooter can explain recent historic ones. */
export const LOOKBEHIND_MS = 30 * DAY;

export function meetingSightingViews(
  rows: { connectionId: string }[],
  conns: Map<string, ConnectionRecord>,
  start: Date,
  seenAt: Date,
): Sighting[] {
  const out: Sighting[] = [];
  for (const r of rows) {
    const connection = conns.get(r.connectionId);
    if (connection) out.push({ connection, folder: 'calendar', at: start, seenAt });
  }
  return out;
}

export interface MeetingResult {
  id: string;
  decision: Decision;
  previousAccounts: string[];
}

/** The decision and the row to write for one occurrence, seen in these calendars (no I/O). */
function prepareMeeting(
  ctx: Ctx,
  dir: DirectoryIndex,
  conns: Map<string, ConnectionRecord>,
  occ: MeetingOccurrence,
  rows: { connectionId: string }[],
  sighting: { connectionId: string; ref: string } | undefined,
  hashCache: Map<string, string> = new Map(),
): MeetingWrite {
  const decision = decideMeetingForSync(
    { occurrence: occ, sightings: meetingSightingViews(rows, conns, occ.start, ctx.now) },
    dir,
    ctx.now,
  );
  const addrs = [...occ.attendees.map((a) => a.address), ...(occ.organizer ? [occ.organizer.address] : [])];
  const hashOf = (a: string) => {
    let h = hashCache.get(a);
    if (h === undefined) {
      h = hashAddress(ctx, normalizeAddress(a));
      hashCache.set(a, h);
    }
    return h;
  };
  const hashes = [...new Set(addrs.map(hashOf))];
  return { occurrence: occ, decision, hashes, ...(sighting ? { sighting } : {}), now: ctx.now };
}

const meetingRef = (occ: MeetingOccurrence) => `${occ.uid}@${occ.start.toISOString()}`;

/** Decide and store one occurrence with every calendar that has it. */
export async function storeMeeting(
  ctx: Ctx,
  dir: DirectoryIndex,
  conns: Map<string, ConnectionRecord>,
  occ: MeetingOccurrence,
  sighting: { connectionId: string; ref: string } | undefined,
  existing: MeetingRecord | undefined,
): Promise<MeetingResult> {
  const prior = existing ? await meetingSightings(ctx.db, ctx.ws.id, existing.id) : [];
  const rows = sighting && !prior.some((p) => p.connectionId === sighting.connectionId) ? [...prior, sighting] : prior;
  const write = prepareMeeting(ctx, dir, conns, occ, rows, sighting);
  const { decision } = write;
  const id = await saveMeeting(ctx.db, ctx.ws.id, { ...(existing ? { id: existing.id } : {}), ...write });
  const previousAccounts = existing?.outcome === 'linked' ? existing.decision.accounts.map((a) => a.id) : [];
  await recordLinkChanges(ctx, [
    { kind: 'meeting', id, ref: meetingRef(occ), at: occ.start, before: previousAccounts, after: linkedAccounts(decision) },
  ]);
  return { id, decision, previousAccounts };
}

export interface CalendarIngestResult {
  linked: number;
  notLinked: number;
  upcoming: number;
  errors: ItemError[];
}

function tally(r: CalendarIngestResult, d: Decision): void {
  if (d.outcome === 'linked') r.linked++;
  else if (d.outcome === 'upcoming') r.upcoming++;
  else r.notLinked++;
}

/** Parse and expand one calendar object inside the window, or explain why it cannot be. */
function occurrencesOf(
  obj: CalendarObject,
  window: { from: Date; to: Date },
  seenAt: Date,
): { occurrences: MeetingOccurrence[]; recurring: boolean; problems: string[] } {
  if (obj.occurrences) return { occurrences: obj.occurrences, recurring: false, problems: [] };
  const parsed = parseCalendarObject(obj.ics ?? '');
  const recurring = hasRecurrence(parsed);
  // A single event is kept whatever its date; a series only within the window.
  const from = recurring ? window.from : new Date(0);
  return { occurrences: expandOccurrences(parsed, { from, to: window.to }, { seenAt }), recurring, problems: parsed.problems };
}

export function expansionWindow(conn: ConnectionRecord, now: Date): { from: Date; to: Date } {
  return { from: new Date(conn.authorizedAt.getTime() - LOOKBEHIND_MS), to: new Date(now.getTime() + LOOKAHEAD_MS) };
}

/**
 * A page of changed calendar objects, in a handful of statements rather than ~10 per object
 * (a first CalDAV sync of 2,000 events spent most of its time issuing them): the objects are
 * upserted together, the stored occurrences of every UID read at once, new occurrences
 * inserted together, and vanished ones looked up by ref at once.
 */
export async function ingestCalendarObjects(
  ctx: Ctx,
  dir: DirectoryIndex,
  conn: ConnectionRecord,
  conns: Map<string, ConnectionRecord>,
  objs: CalendarObject[],
  result: CalendarIngestResult,
): Promise<void> {
  const window = expansionWindow(conn, ctx.now);
  // The last version of each ref (a page should not repeat one; if it does, the last wins).
  const latest = new Map(objs.map((o) => [o.ref, o]));
  const parsedObjs: { obj: CalendarObject; parsed: ReturnType<typeof occurrencesOf> }[] = [];
  for (const obj of latest.values()) {
    try {
      const parsed = occurrencesOf(obj, window, ctx.now);
      for (const p of parsed.problems) result.errors.push({ where: obj.ref, reason: p });
      parsedObjs.push({ obj, parsed });
    } catch (err) {
      result.errors.push({ where: obj.ref, reason: (err as Error).message });
    }
  }
  await saveCalendarObjects(
    ctx.db,
    parsedObjs.map(({ obj, parsed }) => ({
      workspace_id: ctx.ws.id,
      connection_id: conn.id,
      ref: obj.ref,
      version: obj.version,
      ics: obj.ics ?? null,
      occurrences: obj.occurrences ? JSON.stringify(obj.occurrences) : null,
      recurring: parsed.recurring ? 1 : 0,
      expanded_until: window.to.toISOString(),
    })),
  );
  const uids = new Set(parsedObjs.flatMap(({ parsed }) => parsed.occurrences.map((o) => o.uid)));
  const stored = new Map<string, MeetingRecord>();
  for (const m of await meetingsByUids(ctx.db, ctx.ws.id, [...uids])) stored.set(`${m.uid} ${m.start.getTime()}`, m);
  // Occurrences kept by any object of the page: not "vanished" even if another object held them before.
  const keep = new Set<string>();
  // Occurrences never stored before (all of them, on a first sync) are decided in memory and
  // inserted together; stored ones take the one-by-one path.
  let fresh: { key: string; write: MeetingWrite }[] = [];
  const pending = new Map<string, string>(); // key → ref of the object whose new occurrence it is
  const hashes = new Map<string, string>(); // an address's hash, computed once per page
  const flush = async () => {
    if (!fresh.length) return;
    const writes = fresh.map((f) => f.write);
    const ids = await insertNewMeetings(ctx.db, ctx.ws.id, writes);
    fresh.forEach((f, i) => {
      keep.add(ids[i]!);
      stored.set(f.key, recordOf(ids[i]!, f.write));
    });
    await recordLinkChanges(
      ctx,
      writes.map((w, i) => ({
        kind: 'meeting',
        id: ids[i]!,
        ref: meetingRef(w.occurrence),
        at: w.occurrence.start,
        before: [],
        after: linkedAccounts(w.decision),
      })),
    );
    fresh = [];
    pending.clear();
  };
  for (const { obj, parsed } of parsedObjs) {
    const sighting = { connectionId: conn.id, ref: obj.ref };
    const done = new Set<string>();
    for (const occ of parsed.occurrences) {
      const key = `${occ.uid} ${occ.start.getTime()}`;
      if (done.has(key)) continue; // the same instance twice (e.g. an RDATE on an RRULE date)
      done.add(key);
      // New here but also new in an earlier object of this page: store that one first, then
      // add this calendar's sighting to it the usual way.
      if (pending.has(key)) await flush();
      const existing = stored.get(key);
      if (!existing) {
        const write = prepareMeeting(ctx, dir, conns, occ, [sighting], sighting, hashes);
        fresh.push({ key, write });
        pending.set(key, obj.ref);
        tally(result, write.decision);
        ctx.onDecision?.('meeting', write.decision);
        continue;
      }
      const r = await storeMeeting(ctx, dir, conns, occ, sighting, existing);
      // Another object of this page may hold it too: it must see this decision as the one before.
      stored.set(key, { ...existing, occurrence: occ, outcome: r.decision.outcome, decision: r.decision });
      keep.add(r.id);
      tally(result, r.decision);
      ctx.onDecision?.('meeting', r.decision);
    }
  }
  await flush();
  // Occurrences an object no longer has (EXDATE added, instance moved, event deleted).
  // Only those inside the window we expanded: a series' older occurrences are not "gone".
  const byRef = await meetingIdsByRefs(ctx.db, ctx.ws.id, conn.id, [...parsedObjs.map((p) => p.obj.ref)]);
  for (const { obj, parsed } of parsedObjs) {
    for (const id of byRef.get(obj.ref) ?? []) {
      if (!keep.has(id)) await cancelMeeting(ctx, dir, conns, id, parsed.recurring ? window.from : new Date(0), result);
    }
  }
}

/** The record of an occurrence just inserted, as meetingsByUids would read it back. */
function recordOf(id: string, w: MeetingWrite): MeetingRecord {
  const o = w.occurrence;
  return { id, uid: o.uid, start: o.start, title: o.title, occurrence: o, outcome: w.decision.outcome, decision: w.decision };
}

export async function deleteCalendarObjectAndMeetings(
  ctx: Ctx,
  dir: DirectoryIndex,
  conn: ConnectionRecord,
  conns: Map<string, ConnectionRecord>,
  ref: string,
  result: CalendarIngestResult,
): Promise<void> {
  for (const id of await meetingIdsByRef(ctx.db, ctx.ws.id, conn.id, ref)) await cancelMeeting(ctx, dir, conns, id, new Date(0), result);
  await deleteCalendarObject(ctx.db, conn.id, ref);
}

/**
 * A whole series was deleted: every object of it this calendar holds goes, also the
 * occurrences the provider never reported cancelled (Google stops some months ahead).
 */
export async function deleteSeriesObjects(
  ctx: Ctx,
  dir: DirectoryIndex,
  conn: ConnectionRecord,
  conns: Map<string, ConnectionRecord>,
  refPrefix: string,
  result: CalendarIngestResult,
): Promise<void> {
  for (const ref of await calendarRefsWithPrefix(ctx.db, ctx.ws.id, conn.id, refPrefix))
    await deleteCalendarObjectAndMeetings(ctx, dir, conn, conns, ref, result);
}

/** A vanished occurrence counts as cancelled now: one that already happened stays logged (M3). */
async function cancelMeeting(
  ctx: Ctx,
  dir: DirectoryIndex,
  conns: Map<string, ConnectionRecord>,
  id: string,
  notBefore: Date,
  result: CalendarIngestResult,
): Promise<void> {
  const m = await getMeeting(ctx.db, ctx.ws.id, id);
  if (!m || m.start < notBefore || m.occurrence.cancelled) return;
  const occ: MeetingOccurrence = { ...m.occurrence, cancelled: true, cancelledAt: ctx.now };
  tally(result, (await storeMeeting(ctx, dir, conns, occ, undefined, m)).decision);
}

/** As the clock moves, extend recurring series whose stored occurrences end too soon. */
export async function extendSeries(
  ctx: Ctx,
  dir: DirectoryIndex,
  conn: ConnectionRecord,
  conns: Map<string, ConnectionRecord>,
  result: CalendarIngestResult,
): Promise<void> {
  const due = new Date(ctx.now.getTime() + LOOKAHEAD_MS - DAY);
  const objs: CalendarObject[] = (await objectsToExtend(ctx.db, conn.id, due)).map((row) => ({
    ref: row.ref,
    version: row.version,
    ...(row.ics ? { ics: row.ics } : {}),
  }));
  if (objs.length) await ingestCalendarObjects(ctx, dir, conn, conns, objs, result);
}
