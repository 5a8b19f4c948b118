// Reading tsdav's parsed DAV answers: things every request of this connector needs.
import type { DAVResponse } from 'tsdav';
import type { DiscoveredCalendar } from './discover.js';
import { pathOf } from './discover.js';

/** CALDAV:calendar-data as tsdav's XML parser hands it over (text, or CDATA). */
export function calendarData(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as { _cdata?: unknown; _text?: unknown };
    if (typeof o._cdata === 'string') return o._cdata;
    if (typeof o._text === 'string') return o._text;
  }
  return undefined;
}

/**
 * The answer for the request as a whole, when it failed: tsdav turns a non-207 answer into
 * one entry whose href is the request URL (the calendar); a 507 there is RFC 6578's
 * truncation notice, not a failure.
 */
export function requestFailed(res: DAVResponse[], cal: DiscoveredCalendar): DAVResponse | undefined {
  return res.find((x) => !x.ok && x.status !== 507 && (!x.href || pathOf(x.href, cal.url) === cal.path));
}
