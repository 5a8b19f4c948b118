// Microsoft 365 calendar over Graph: `me/calendarView/delta` over a window from
// authorizedAt to a year ahead. calendarView expands series, so each occurrence and
// exception arrives as its own event (ref = its id); its UID is the series master's
// iCalUId (read once per series), so an occurrence has the same identity as in an .ics
// invite. isOrganizer / organizer address → M4, attendees' status.response → PARTSTAT,
// isCancelled → cancelled (M3), @removed → deleted. The deltaLink is the cursor; sync
// state gone (410) → a new bounded round (the store keeps one row per ref: no duplicates).
// When the window's end comes within 180 days, a new round with a later window starts.
import type { Client } from '@microsoft/microsoft-graph-client';
import type { Attendee, MeetingOccurrence, PartStat } from '../../domain/items.js';
import { wallTimeToUtc } from '../../formats/ical/zoned-time.js';
import { resolveTzid } from '../../formats/ical/windows-zones.js';
import type { CalendarObject, CalendarPage, CalendarSource, Cursor, ItemError } from '../types.js';
import { SourceError } from '../types.js';
import { historicWindowStart } from '../historic-window.js';
import { graphCall, GraphHttpError, isSyncStateGone, translate, type CallContext } from './call.js';
import { linkPath } from './graph-client.js';

export const WINDOW_AHEAD_MS = 365 * 86_400_000;
const EXTEND_WHEN_LEFT_MS = 180 * 86_400_000;

export interface GraphCalendarCursor {
  window: { start: string; end: string };
  nextLink?: string;
  deltaLink?: string;
}

export interface GraphCalendarOptions extends CallContext {
  client: Client;
  baseUrl: string;
  authorizedAt: Date;
  /** The connection owner's primary address: the organizer when Graph says isOrganizer. */
  ownerAddress?: string;
  ownerAddresses?: string[];
  pageSize?: number;
  /** The sync's clock: the window's end is a year past it (never the machine's clock). */
  now: () => Date;
}

interface GraphDateTime {
  dateTime?: string;
  timeZone?: string;
}
interface GraphEmail {
  emailAddress?: { address?: string; name?: string };
}
export interface GraphEvent {
  id: string;
  '@removed'?: { reason?: string };
  iCalUId?: string;
  seriesMasterId?: string;
  type?: 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';
  subject?: string;
  start?: GraphDateTime;
  end?: GraphDateTime;
  isAllDay?: boolean;
  isCancelled?: boolean;
  isOrganizer?: boolean;
  organizer?: GraphEmail;
  attendees?: (GraphEmail & { type?: string; status?: { response?: string } })[];
  lastModifiedDateTime?: string;
  changeKey?: string;
  location?: { displayName?: string };
  originalStartTimeZone?: string;
}

interface DeltaPage {
  value?: GraphEvent[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

export class GraphCalendarSource implements CalendarSource {
  private seriesUid = new Map<string, string>();

  constructor(private o: GraphCalendarOptions) {}

  private now(): Date {
    return this.o.now();
  }

  private freshRound(): GraphCalendarCursor {
    const startMs = this.o.authorizedAt.getTime();
    const end = new Date(Math.max(startMs, this.now().getTime()) + WINDOW_AHEAD_MS);
    // Starts before authorization: recent past occurrences are seen and answered historic (M2).
    return { window: { start: historicWindowStart(this.o.authorizedAt).toISOString(), end: end.toISOString() } };
  }

  async *changes(cursor: Cursor | null): AsyncIterable<CalendarPage> {
    let state = readCursor(cursor);
    if (!state || Date.parse(state.window.end) - this.now().getTime() < EXTEND_WHEN_LEFT_MS) {
      state = this.freshRound();
    }
    let link = state.nextLink ?? state.deltaLink ?? null;
    let restarted = false;
    let done = 0;
    for (;;) {
      let page: DeltaPage;
      try {
        page = await this.deltaPage(state, link);
      } catch (err) {
        if (link && !restarted && isSyncStateGone(err)) {
          state = this.freshRound();
          link = null;
          restarted = true;
          continue;
        }
        throw translate(err);
      }
      const upserts: CalendarObject[] = [];
      const deletes: string[] = [];
      const errors: ItemError[] = [];
      for (const ev of page.value ?? []) {
        if (!ev?.id) continue;
        if (ev['@removed']) {
          deletes.push(ev.id);
          continue;
        }
        if (ev.type === 'seriesMaster') continue; // its occurrences come on their own
        const occ = await this.toOccurrence(ev);
        if ('reason' in occ) errors.push(occ);
        else upserts.push({ ref: ev.id, version: ev.changeKey ?? ev.lastModifiedDateTime ?? '', occurrences: [occ] });
      }
      const next = page['@odata.nextLink'];
      const delta = page['@odata.deltaLink'];
      if (!next && !delta)
        throw new SourceError('INTERNAL', 'Microsoft Graph ended a calendarView delta page without a next or delta link');
      const { nextLink: _n, deltaLink: _d, ...rest } = state;
      state = next ? { ...rest, nextLink: next } : { ...rest, deltaLink: delta! };
      done += page.value?.length ?? 0;
      yield { upserts, deletes, errors, cursor: structuredClone(state), progress: { done } };
      if (!next) break;
      link = next;
    }
  }

  private deltaPage(state: GraphCalendarCursor, link: string | null): Promise<DeltaPage> {
    const prefer = [`IdType="ImmutableId"`, `outlook.timezone="UTC"`, `odata.maxpagesize=${this.o.pageSize ?? 100}`].join(', ');
    return graphCall(this.o, 'calendarView/delta', () => {
      const req = link
        ? this.o.client.api(linkPath(link, this.o.baseUrl))
        : this.o.client.api('me/calendarView/delta').query({ startDateTime: state.window.start, endDateTime: state.window.end });
      return req.header('Prefer', prefer).get() as Promise<DeltaPage>;
    });
  }

  /** The series' iCalendar UID: the master's iCalUId (an occurrence's own differs per instance). */
  private async uidOf(ev: GraphEvent): Promise<string> {
    if (!ev.seriesMasterId || ev.type === 'singleInstance') return ev.iCalUId ?? ev.id;
    const known = this.seriesUid.get(ev.seriesMasterId);
    if (known) return known;
    let uid = ev.seriesMasterId;
    try {
      const master = await graphCall(
        this.o,
        `series ${ev.seriesMasterId}`,
        () =>
          this.o.client
            .api(`me/events/${encodeURIComponent(ev.seriesMasterId!)}`)
            .select('iCalUId')
            .header('Prefer', 'IdType="ImmutableId"')
            .get() as Promise<{ iCalUId?: string }>,
      );
      uid = master.iCalUId ?? uid;
    } catch (err) {
      if (!(err instanceof GraphHttpError && err.status === 404)) throw translate(err);
    }
    this.seriesUid.set(ev.seriesMasterId, uid);
    return uid;
  }

  private async toOccurrence(ev: GraphEvent): Promise<MeetingOccurrence | ItemError> {
    return toOccurrence(ev, await this.uidOf(ev), this.o.ownerAddress, this.o.ownerAddresses);
  }
}

const PARTSTAT: Record<string, PartStat> = {
  accepted: 'ACCEPTED',
  organizer: 'ACCEPTED',
  tentativelyAccepted: 'TENTATIVE',
  declined: 'DECLINED',
  none: 'NEEDS-ACTION',
  notResponded: 'NEEDS-ACTION',
};

/** Graph's {dateTime, timeZone} (UTC when we ask for it; else a Windows or IANA zone). */
export function graphTime(t: GraphDateTime | undefined): Date | null {
  if (!t?.dateTime) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(t.dateTime);
  if (!m) return null;
  const wall = { year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +m[6]! };
  const zone = resolveTzid(t.timeZone ?? 'UTC');
  if (!zone) return null;
  if ('iana' in zone) return wallTimeToUtc(wall, zone.iana);
  return new Date(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) - zone.offsetMinutes * 60_000);
}

export function toOccurrence(
  ev: GraphEvent,
  uid: string,
  ownerAddress?: string,
  ownerAddresses: string[] = [],
): MeetingOccurrence | ItemError {
  const where = `graph event ${ev.id}`;
  const start = graphTime(ev.start);
  if (!start) return { where, reason: `the event has no readable start time (${JSON.stringify(ev.start ?? null)})` };
  const end = graphTime(ev.end) ?? start;
  const org = ev.organizer?.emailAddress?.address?.trim();
  // Graph knows whether the mailbox owner organizes it, even when the address shown is another of theirs.
  const ownerOrganizes = ev.isOrganizer === true && ownerAddress && !(org && ownerAddresses.includes(org.toLowerCase()));
  const organizer = ownerOrganizes
    ? { address: ownerAddress! }
    : org
      ? { address: org, ...(ev.organizer?.emailAddress?.name ? { name: ev.organizer.emailAddress.name } : {}) }
      : null;
  const attendees: Attendee[] = (ev.attendees ?? [])
    .filter((a) => a.emailAddress?.address && a.type !== 'resource')
    .map((a) => ({
      address: a.emailAddress!.address!.trim(),
      ...(a.emailAddress?.name ? { name: a.emailAddress.name } : {}),
      partstat: PARTSTAT[a.status?.response ?? ''] ?? 'OTHER',
      ...(a.type === 'optional' ? { role: 'OPT-PARTICIPANT' } : {}),
    }));
  const cancelled = ev.isCancelled === true;
  const modified = ev.lastModifiedDateTime ? new Date(ev.lastModifiedDateTime) : undefined;
  return {
    uid,
    start,
    end,
    allDay: ev.isAllDay === true,
    title: ev.subject ?? '',
    organizer,
    attendees,
    cancelled,
    ...(cancelled && modified ? { cancelledAt: modified } : {}),
    recurring: ev.type === 'occurrence' || ev.type === 'exception',
    ...(ev.originalStartTimeZone ? { timeZone: ev.originalStartTimeZone } : {}),
    ...(ev.location?.displayName ? { location: ev.location.displayName } : {}),
  };
}

function readCursor(c: Cursor | null): GraphCalendarCursor | null {
  if (!c || typeof c !== 'object') return null;
  const x = c as GraphCalendarCursor;
  return x.window && typeof x.window.start === 'string' ? structuredClone(x) : null;
}
