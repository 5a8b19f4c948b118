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
  meetingsByUid,
  meetingSightings,
  objectsToExtend,
  saveCalendarObject,
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
): MeetingWrite {
  const decision = decideMeetingForSync(
    { occurrence: occ, sightings: meetingSightingViews(rows, conns, occ.start, ctx.now) },
    dir,
    ctx.now,
  );
  const addrs = [...occ.attendees.map((a) => a.address), ...(occ.organizer ? [occ.organizer.address] : [])];
  const hashes = [...new Set(addrs.map((a) => hashAddress(ctx, normalizeAddress(a))))];
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

/** A calendar object changed (or appeared): store it, decide its occurrences, cancel vanished ones. */
export async function ingestCalendarObject(
  ctx: Ctx,
  dir: DirectoryIndex,
  conn: ConnectionRecord,
  conns: Map<string, ConnectionRecord>,
  obj: CalendarObject,
  result: CalendarIngestResult,
): Promise<void> {
  const window = expansionWindow(conn, ctx.now);
  let parsed: ReturnType<typeof occurrencesOf>;
  try {
    parsed = occurrencesOf(obj, window, ctx.now);
  } catch (err) {
    result.errors.push({ where: obj.ref, reason: (err as Error).message });
    return;
  }
  for (const p of parsed.problems) result.errors.push({ where: obj.ref, reason: p });
  await saveCalendarObject(ctx.db, {
    workspace_id: ctx.ws.id,
    connection_id: conn.id,
    ref: obj.ref,
    version: obj.version,
    ics: obj.ics ?? null,
    occurrences: obj.occurrences ? JSON.stringify(obj.occurrences) : null,
    recurring: parsed.recurring ? 1 : 0,
    expanded_until: window.to.toISOString(),
  });
  const keep = new Set<string>();
  // The stored occurrences of this object's UID(s), read once: a series has dozens of
  // occurrences, and one query each cost ~15% of a first sync of 2,000 events.
  const stored = new Map<string, MeetingRecord>();
  for (const uid of new Set(parsed.occurrences.map((o) => o.uid))) {
    for (const m of await meetingsByUid(ctx.db, ctx.ws.id, uid)) stored.set(`${uid} ${m.start.getTime()}`, m);
  }
  const done = new Set<string>();
  // Occurrences never stored before (all of them, on a first sync) are decided in memory and
  // inserted together, in a few multi-row statements; stored ones take the one-by-one path.
  const fresh: MeetingWrite[] = [];
  const sighting = { connectionId: conn.id, ref: obj.ref };
  for (const occ of parsed.occurrences) {
    const key = `${occ.uid} ${occ.start.getTime()}`;
    if (done.has(key)) continue; // the same instance twice (e.g. an RDATE on an RRULE date)
    done.add(key);
    const existing = stored.get(key);
    if (!existing) {
      const w = prepareMeeting(ctx, dir, conns, occ, [sighting], sighting);
      fresh.push(w);
      tally(result, w.decision);
      ctx.onDecision?.('meeting', w.decision);
      continue;
    }
    const r = await storeMeeting(ctx, dir, conns, occ, sighting, existing);
    keep.add(r.id);
    tally(result, r.decision);
    ctx.onDecision?.('meeting', r.decision);
  }
  if (fresh.length) {
    const ids = await insertNewMeetings(ctx.db, ctx.ws.id, fresh);
    for (const id of ids) keep.add(id);
    await recordLinkChanges(
      ctx,
      fresh.map((w, i) => ({
        kind: 'meeting',
        id: ids[i]!,
        ref: meetingRef(w.occurrence),
        at: w.occurrence.start,
        before: [],
        after: linkedAccounts(w.decision),
      })),
    );
  }
  // Occurrences this object no longer has (EXDATE added, instance moved, event deleted).
  // Only those inside the window we expanded: a series' older occurrences are not "gone".
  for (const id of await meetingIdsByRef(ctx.db, ctx.ws.id, conn.id, obj.ref)) {
    if (!keep.has(id)) await cancelMeeting(ctx, dir, conns, id, parsed.recurring ? window.from : new Date(0), result);
  }
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
  for (const row of await objectsToExtend(ctx.db, conn.id, due)) {
    const obj: CalendarObject = { ref: row.ref, version: row.version, ...(row.ics ? { ics: row.ics } : {}) };
    await ingestCalendarObject(ctx, dir, conn, conns, obj, result);
  }
}
