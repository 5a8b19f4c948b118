// The live lookup over Google Calendar: events.list on the primary calendar with
// singleEvents=true (Google expands series), timeMin/timeMax for the range asked, and iCalUID
// (an exact event) or q (free text: title words, an attendee's address). The sync reads the
// primary calendar too, so every hit is in a synced calendar; what is checked here is only
// what q matches loosely (every title word, the attendee exactly).
import { calendar, type calendar_v3 } from '@googleapis/calendar';
import { matchesMeeting, subjectWords } from '../search-match.js';
import type { CalendarHit, CalendarSearch, CalendarSearchQuery } from '../types.js';
import { SourceError } from '../types.js';
import type { GoogleTokens } from './auth.js';
import { googleCall, GoogleHttpError } from './call.js';
import { toOccurrence } from './calendar-source.js';

const LOOKUP_RETRY = { maxAttempts: 2, baseDelayMs: 300, maxDelayMs: 1_000 };

export class GoogleCalendarSearch implements CalendarSearch {
  private api: calendar_v3.Calendar;

  constructor(o: { tokens: GoogleTokens; rootUrl?: string }) {
    this.tokens = o.tokens;
    this.api = calendar({ version: 'v3', auth: o.tokens.client, retry: false, ...(o.rootUrl ? { rootUrl: o.rootUrl } : {}) });
  }

  private readonly tokens: GoogleTokens;

  async search(q: CalendarSearchQuery, opts: { limit: number; signal: AbortSignal }): Promise<CalendarHit[]> {
    const text = [...subjectWords(q.title), ...(q.attendee ? [q.attendee] : [])].join(' ');
    const res = await googleCall(
      this.tokens,
      'events.list (live lookup)',
      () =>
        this.api.events.list(
          {
            calendarId: 'primary',
            singleEvents: true,
            timeMin: q.since.toISOString(),
            timeMax: q.until.toISOString(),
            maxResults: Math.min(2500, Math.max(opts.limit, 1)),
            ...(q.uid ? { iCalUID: q.uid } : text ? { q: text } : {}),
          },
          { signal: opts.signal },
        ),
      LOOKUP_RETRY,
    ).catch((e) => {
      throw e instanceof GoogleHttpError ? new SourceError('INTERNAL', e.message) : e;
    });
    const hits: CalendarHit[] = [];
    for (const ev of res.data.items ?? []) {
      const occ = toOccurrence(ev);
      if (!occ || 'reason' in occ || !matchesMeeting(occ, q)) continue;
      hits.push({ ref: ev.id!, calendar: 'primary', synced: true, occurrence: occ });
      if (hits.length >= opts.limit) break;
    }
    return hits;
  }
}
