// The live lookup over CalDAV: in each calendar of the teammate, a calendar-query REPORT
// (RFC 4791 §7.8) for VEVENTs overlapping the time range asked (CALDAV:time-range, §9.9),
// and, when a UID is asked, a prop-filter on UID (§9.7.2) — the server does the narrowing.
// Each object's iCalendar is parsed and expanded (series → occurrences in the range) with
// the same code as the sync; title words and the attendee are checked on the occurrences.
// The sync reads every calendar of the account, so every hit is in a synced calendar.
import type { OutboundPolicy } from '../../net/outbound-policy.js';
import { davRequest, type DAVResponse } from 'tsdav';
import { expandOccurrences, parseCalendarObject } from '../../formats/ical/parse-calendar.js';
import { matchesMeeting } from '../search-match.js';
import type { CalendarHit, CalendarSearch, CalendarSearchQuery } from '../types.js';
import { calendarData, requestFailed } from './dav-response.js';
import { basicAuth, discoverCalendars, pathOf, type CalDavCredentials, type DiscoveredCalendar } from './discover.js';
import { makeEdgeFetch, translateError } from './http.js';
import { SourceError } from '../types.js';

/** CalDAV time-range values are UTC "date with UTC time" (RFC 4791 §9.9). */
const utc = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

export class CalDavSearch implements CalendarSearch {
  private readonly headers: Record<string, string>;
  private readonly fetch: typeof globalThis.fetch;

  constructor(private readonly creds: CalDavCredentials & { outbound: OutboundPolicy; ca?: string }) {
    this.headers = basicAuth(creds);
    const who = `${creds.user} at ${new URL(creds.url).host}`;
    this.fetch = makeEdgeFetch({ who, outbound: creds.outbound, ...(creds.ca ? { ca: creds.ca } : {}) });
  }

  async search(q: CalendarSearchQuery, opts: { limit: number; signal: AbortSignal }): Promise<CalendarHit[]> {
    const fetch: typeof globalThis.fetch = (input, init) => this.fetch(input, { ...init, signal: opts.signal });
    const { calendars } = await discoverCalendars(this.creds, fetch);
    const hits: CalendarHit[] = [];
    for (const cal of calendars) {
      if (hits.length >= opts.limit) break;
      for (const { ref, ics } of await this.query(cal, q, fetch)) {
        let occurrences: ReturnType<typeof expandOccurrences>;
        try {
          occurrences = expandOccurrences(parseCalendarObject(ics), { from: q.since, to: q.until });
        } catch {
          continue; // a damaged object: the sync reports it; the lookup answers with what it can read
        }
        for (const occurrence of occurrences)
          if (matchesMeeting(occurrence, q)) hits.push({ ref, calendar: cal.displayName || cal.path, synced: true, occurrence });
      }
    }
    return hits.slice(0, opts.limit);
  }

  private async query(
    cal: DiscoveredCalendar,
    q: CalendarSearchQuery,
    fetch: typeof globalThis.fetch,
  ): Promise<{ ref: string; ics: string }[]> {
    const event: Record<string, unknown> = {
      _attributes: { name: 'VEVENT' },
      'c:time-range': { _attributes: { start: utc(q.since), end: utc(q.until) } },
      ...(q.uid
        ? { 'c:prop-filter': { _attributes: { name: 'UID' }, 'c:text-match': { _attributes: { collation: 'i;octet' }, _text: q.uid } } }
        : {}),
    };
    let res: DAVResponse[];
    try {
      res = await davRequest({
        url: cal.url,
        init: {
          method: 'REPORT',
          headers: { ...this.headers, depth: '1' },
          namespace: 'c',
          body: {
            'calendar-query': {
              _attributes: { 'xmlns:d': 'DAV:', 'xmlns:c': 'urn:ietf:params:xml:ns:caldav' },
              'd:prop': { 'd:getetag': {}, 'c:calendar-data': {} },
              'c:filter': { 'c:comp-filter': { _attributes: { name: 'VCALENDAR' }, 'c:comp-filter': event } },
            },
          },
        },
        fetch,
      });
    } catch (err) {
      throw translateError(err, `searching calendar ${cal.path}`);
    }
    const failed = requestFailed(res, cal);
    if (failed) throw new SourceError('INTERNAL', `the CalDAV server refused to search calendar ${cal.path} (HTTP ${failed.status})`);
    return res.flatMap((x) => {
      const ics = calendarData(x.props?.calendarData);
      return x.href && ics ? [{ ref: pathOf(x.href, cal.url), ics }] : [];
    });
  }
}
