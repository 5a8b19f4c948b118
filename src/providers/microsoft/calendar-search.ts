// The live lookup over a Graph calendar: GET /me/calendarView with startDateTime/endDateTime
// (Graph expands series into occurrences within the range), then the title words, the
// attendee and the UID (iCalUId) are checked here. The sync reads the same default calendar,
// so every hit is in a synced calendar.
import type { Client } from '@microsoft/microsoft-graph-client';
import { matchesMeeting } from '../search-match.js';
import type { CalendarHit, CalendarSearch, CalendarSearchQuery } from '../types.js';
import { graphCall, translate, type CallContext } from './call.js';
import { toOccurrence, type GraphEvent } from './calendar-source.js';

const LOOKUP_RETRY = { maxAttempts: 2, baseDelayMs: 300, maxDelayMs: 1_000 };

export class GraphCalendarSearch implements CalendarSearch {
  constructor(private readonly o: CallContext & { client: Client; ownerAddresses: string[] }) {}

  async search(q: CalendarSearchQuery, opts: { limit: number; signal: AbortSignal }): Promise<CalendarHit[]> {
    const page = await graphCall(
      { ...this.o, retry: LOOKUP_RETRY },
      'calendarView (live lookup)',
      () =>
        this.o.client
          .api('me/calendarView')
          .query({ startDateTime: q.since.toISOString(), endDateTime: q.until.toISOString(), $top: '500' })
          .header('Prefer', 'outlook.timezone="UTC"')
          .get() as Promise<{ value?: GraphEvent[] }>,
    ).catch((e) => {
      throw translate(e);
    });
    const hits: CalendarHit[] = [];
    for (const ev of page.value ?? []) {
      if (!ev?.id) continue;
      const occ = toOccurrence(ev, ev.iCalUId ?? ev.seriesMasterId ?? ev.id, this.o.ownerAddresses[0], this.o.ownerAddresses);
      if ('reason' in occ || !matchesMeeting(occ, q)) continue;
      hits.push({ ref: ev.id, calendar: 'Calendar', synced: true, occurrence: occ });
      if (hits.length >= opts.limit) break;
    }
    return hits;
  }
}
