// Google Calendar over the official client (@googleapis/calendar): events.list on the
// primary calendar with singleEvents (Google expands series into instances) and
// showDeleted. The first sync lists from timeMin=authorizedAt; each completed listing ends
// with a nextSyncToken, used next time. 410 Gone (sync token expired) → the same bounded
// listing again; the store keeps one row per ref, so nothing duplicates.
import { calendar, type calendar_v3 } from '@googleapis/calendar';
import type { Attendee, MeetingOccurrence, PartStat } from '../../domain/items.js';
import type { CalendarObject, CalendarPage, CalendarSource, Cursor, ItemError } from '../types.js';
import { SourceError } from '../types.js';
import { historicWindowStart } from '../historic-window.js';
import type { GoogleTokens } from './auth.js';
import { googleCall, GoogleHttpError, type RetryPolicy } from './call.js';

export interface GoogleCalendarCursor {
  syncToken?: string;
  /** Set while a (bounded) full listing is in progress. */
  listing?: { pageToken: string | null };
}

export interface GoogleCalendarOptions {
  tokens: GoogleTokens;
  authorizedAt: Date;
  calendarId?: string;
  rootUrl?: string;
  pageSize?: number;
  retry?: RetryPolicy;
}

export class GoogleCalendarSource implements CalendarSource {
  private api: calendar_v3.Calendar;
  /** Series masters asked about in this run: deleted or not. */
  private seriesGone = new Map<string, boolean>();

  constructor(private o: GoogleCalendarOptions) {
    this.api = calendar({ version: 'v3', auth: o.tokens.client, retry: false, ...(o.rootUrl ? { rootUrl: o.rootUrl } : {}) });
  }

  async *changes(cursor: Cursor | null): AsyncIterable<CalendarPage> {
    const c = readCursor(cursor);
    try {
      yield* this.pages(c ?? { listing: { pageToken: null } });
    } catch (err) {
      if (err instanceof GoogleHttpError && err.status === 410) {
        yield* this.pages({ listing: { pageToken: null } });
        return;
      }
      throw translate(err);
    }
  }

  private async *pages(c: GoogleCalendarCursor): AsyncIterable<CalendarPage> {
    let pageToken = c.listing?.pageToken ?? null;
    const full = !!c.listing;
    let done = 0;
    for (;;) {
      const res: { data: calendar_v3.Schema$Events } = await googleCall(
        this.o.tokens,
        'events.list',
        () =>
          this.api.events.list({
            calendarId: this.o.calendarId ?? 'primary',
            singleEvents: true,
            showDeleted: true,
            maxResults: this.o.pageSize ?? 250,
            ...(full ? { timeMin: historicWindowStart(this.o.authorizedAt).toISOString() } : { syncToken: c.syncToken! }),
            ...(pageToken ? { pageToken } : {}),
          }),
        this.o.retry,
      );
      const upserts: CalendarObject[] = [];
      const deletes: string[] = [];
      const errors: ItemError[] = [];
      for (const ev of res.data.items ?? []) {
        if (!ev.id) continue;
        const occ = toOccurrence(ev);
        if (occ === null) deletes.push(ev.id);
        else if ('reason' in occ) errors.push(occ);
        else upserts.push({ ref: ev.id, version: ev.etag ?? ev.updated ?? '', occurrences: [occ] });
      }
      const deletedSeries = await this.deletedSeries(res.data.items ?? []);
      pageToken = res.data.nextPageToken ?? null;
      done += res.data.items?.length ?? 0;
      // Mid-listing the cursor keeps the page token (full listing) or the old sync token.
      const next: GoogleCalendarCursor = pageToken
        ? full
          ? { listing: { pageToken } }
          : { syncToken: c.syncToken! }
        : { syncToken: res.data.nextSyncToken ?? c.syncToken! };
      if (!pageToken && !res.data.nextSyncToken) throw new SourceError('INTERNAL', 'Google Calendar ended a listing without a sync token');
      yield { upserts, deletes, errors, ...(deletedSeries.length ? { deletedSeries } : {}), cursor: next, progress: { done } };
      if (!pageToken) return;
    }
  }

  /**
   * A cancelled instance is either one occurrence deleted or part of a whole series deleted;
   * with singleEvents=true the two look alike, and for a deleted series Google reports the
   * cancelled instances only some months ahead (docs/providers/google.md). So the series'
   * master is asked once: cancelled (or gone) means every occurrence of the series ends.
   */
  private async deletedSeries(items: calendar_v3.Schema$Event[]): Promise<string[]> {
    const out: string[] = [];
    const ids = new Set(items.filter((ev) => ev.status === 'cancelled' && ev.recurringEventId).map((ev) => ev.recurringEventId!));
    for (const id of ids) {
      let known = this.seriesGone.get(id);
      if (known === undefined) {
        known = await this.masterGone(id);
        this.seriesGone.set(id, known);
      }
      if (known) out.push(`${id}_`);
    }
    return out;
  }

  private async masterGone(id: string): Promise<boolean> {
    try {
      const res = await googleCall(
        this.o.tokens,
        'events.get',
        () => this.api.events.get({ calendarId: this.o.calendarId ?? 'primary', eventId: id }),
        this.o.retry,
      );
      return res.data.status === 'cancelled';
    } catch (err) {
      // Deleted events "will eventually disappear": 404 / 410 is a deleted master too.
      if (err instanceof GoogleHttpError && (err.status === 404 || err.status === 410)) return true;
      throw err;
    }
  }
}

const PARTSTAT: Record<string, PartStat> = {
  accepted: 'ACCEPTED',
  declined: 'DECLINED',
  tentative: 'TENTATIVE',
  needsAction: 'NEEDS-ACTION',
};

function when(t: calendar_v3.Schema$EventDateTime | undefined): { at: Date; allDay: boolean } | null {
  if (t?.dateTime) return { at: new Date(t.dateTime), allDay: false };
  if (t?.date) return { at: new Date(`${t.date}T00:00:00Z`), allDay: true };
  return null;
}

/** A Google event instance → one MeetingOccurrence; null: a deletion without details. */
export function toOccurrence(ev: calendar_v3.Schema$Event): MeetingOccurrence | ItemError | null {
  const start = when(ev.start ?? undefined);
  const end = when(ev.end ?? undefined);
  const cancelled = ev.status === 'cancelled';
  if (!start) return cancelled ? null : { where: `google event ${ev.id}`, reason: 'the event has no start time' };
  const attendees: Attendee[] = (ev.attendees ?? [])
    .filter((a) => a.email && !a.resource)
    .map((a) => ({
      address: a.email!,
      ...(a.displayName ? { name: a.displayName } : {}),
      partstat: PARTSTAT[a.responseStatus ?? ''] ?? 'OTHER',
      ...(a.optional ? { role: 'OPT-PARTICIPANT' } : {}),
    }));
  const organizer = ev.organizer?.email
    ? { address: ev.organizer.email, ...(ev.organizer.displayName ? { name: ev.organizer.displayName } : {}) }
    : null;
  const updated = ev.updated ? new Date(ev.updated) : undefined;
  return {
    uid: ev.iCalUID ?? ev.recurringEventId ?? ev.id!,
    start: start.at,
    end: end?.at ?? start.at,
    allDay: start.allDay,
    title: ev.summary ?? '',
    organizer,
    attendees,
    cancelled,
    ...(cancelled && updated ? { cancelledAt: updated } : {}),
    recurring: !!ev.recurringEventId,
    ...(ev.start?.timeZone ? { timeZone: ev.start.timeZone } : {}),
    ...(ev.location ? { location: ev.location } : {}),
  };
}

function readCursor(c: Cursor | null): GoogleCalendarCursor | null {
  if (!c || typeof c !== 'object') return null;
  const x = c as GoogleCalendarCursor;
  return typeof x.syncToken === 'string' || x.listing ? x : null;
}

function translate(err: unknown): unknown {
  if (err instanceof GoogleHttpError) return new SourceError(err.status === 404 ? 'NOT_FOUND' : 'INTERNAL', err.message);
  return err;
}
