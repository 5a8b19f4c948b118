// Google Calendar recurring events, as the emulator serves them (test/emulators/google.ts).
// A series is stored once, as its master event with `recurrence` (RRULE / EXDATE / RDATE
// lines); its instances are computed with ical.js, never written by hand:
// - https://developers.google.com/calendar/api/guides/recurringevents — the master carries the
//   recurrence; an instance's id is `<master id>_<original start, basic ISO UTC>` (all-day:
//   `_<yyyymmdd>`); an instance has `recurringEventId` and `originalStartTime`; a changed or
//   moved instance (an exception) is its own event under that same id.
// - https://developers.google.com/calendar/api/v3/reference/events (status): "Cancelled
//   exceptions are only guaranteed to have values for the id, recurringEventId and
//   originalStartTime fields populated" — so a cancelled instance is served with those only.
// - events.list `singleEvents=true` expands series into instances between timeMin and timeMax
//   (https://developers.google.com/calendar/api/v3/reference/events/list). Without timeMax the
//   reference names no bound; the emulator expands a year past its clock (`OPEN_ENDED_MS`).
// - A deleted series, listed with `singleEvents=true` (incremental sync or showDeleted), comes
//   back as cancelled instances only up to about six months past the deletion
//   (https://github.com/googleapis/google-api-ruby-client/issues/860: "only six months worth of
//   events with the status 'cancelled' is returned"); later instances are never reported.
import ICAL from 'ical.js';

export const DAY_MS = 86_400_000;
export const OPEN_ENDED_MS = 365 * DAY_MS;
export const DELETED_SERIES_HORIZON_MS = 183 * DAY_MS;

// biome-ignore lint/suspicious/noExplicitAny: the emulator's events are free-form Google JSON
export type Json = Record<string, any>;

interface When {
  dateTime?: string;
  date?: string;
  timeZone?: string;
}

export const isMaster = (e: Json): boolean => Array.isArray(e.recurrence) && e.recurrence.length > 0;

function startMs(w: When | undefined): number {
  if (w?.dateTime) return Date.parse(w.dateTime);
  if (w?.date) return Date.parse(`${w.date}T00:00:00Z`);
  return Number.NaN;
}

/** The instance id suffix of an original start (recurring events guide). */
export function instanceId(masterId: string, originalStart: Date, allDay: boolean): string {
  const iso = originalStart.toISOString();
  const basic = allDay ? iso.slice(0, 10).replaceAll('-', '') : `${iso.slice(0, 19).replace(/[-:]/g, '')}Z`;
  return `${masterId}_${basic}`;
}

/** The original starts of a master's instances with `from <= start < to`, by ical.js. */
export function occurrenceStarts(master: Json, from: number, to: number): Date[] {
  const allDay = !!master.start?.date;
  const comp = new ICAL.Component('vevent');
  const dtstart = allDay
    ? ICAL.Time.fromDateString(master.start.date)
    : ICAL.Time.fromDateTimeString(new Date(master.start.dateTime).toISOString());
  comp.addPropertyWithValue('dtstart', dtstart);
  for (const line of master.recurrence as string[]) comp.addProperty(ICAL.Property.fromString(line));
  const it = new ICAL.Event(comp).iterator();
  const out: Date[] = [];
  for (let t = it.next(); t; t = it.next()) {
    const at = allDay ? Date.parse(`${t.toString().slice(0, 10)}T00:00:00Z`) : t.toJSDate().getTime();
    if (at >= to) break;
    if (at >= from) out.push(new Date(at));
  }
  return out;
}

/** One instance of a live master, as events.list / events.get return it. */
export function instanceOf(master: Json, originalStart: Date): Json {
  const allDay = !!master.start?.date;
  const length = startMs(master.end) - startMs(master.start);
  const at = (ms: number): When =>
    allDay ? { date: new Date(ms).toISOString().slice(0, 10) } : { dateTime: new Date(ms).toISOString(), timeZone: master.start.timeZone };
  const { recurrence: _r, id, ...rest } = master;
  return {
    ...rest,
    id: instanceId(id, originalStart, allDay),
    recurringEventId: id,
    originalStartTime: at(originalStart.getTime()),
    start: at(originalStart.getTime()),
    end: at(originalStart.getTime() + length),
  };
}

/** A cancelled instance: only what the reference guarantees. */
export function cancelledInstance(masterId: string, originalStart: Date, allDay: boolean, updated: string, etag: string): Json {
  return {
    id: instanceId(masterId, originalStart, allDay),
    status: 'cancelled',
    recurringEventId: masterId,
    originalStartTime: allDay ? { date: originalStart.toISOString().slice(0, 10) } : { dateTime: originalStart.toISOString() },
    updated,
    etag,
  };
}

/** The original start of a stored exception (its originalStartTime). */
export function originalStartOf(e: Json): number {
  return startMs(e.originalStartTime ?? e.start);
}

/** Whether an event ends after timeMin and starts before timeMax (a cancelled instance: by its original start). */
export function inWindow(e: Json, timeMin: number, timeMax: number): boolean {
  const s = Number.isNaN(startMs(e.start)) ? originalStartOf(e) : startMs(e.start);
  // No end: a single event is listed whatever its end (as before); a bare cancelled instance by its start.
  const end = !Number.isNaN(startMs(e.end)) ? startMs(e.end) : e.start ? Number.POSITIVE_INFINITY : s;
  return (Number.isNaN(end) || end > timeMin) && (Number.isNaN(s) || s < timeMax);
}
