// Fetching calendar objects by href with calendar-multiget REPORTs (RFC 4791 §7.9) of at
// most MULTIGET_MAX hrefs, asking for DAV:getetag and CALDAV:calendar-data.
//
// We build the REPORT with tsdav's davRequest rather than its calendarMultiGet helper: the
// helper throws when any href answers 404, and an object deleted between the listing and
// this request is normal — it is a deletion, not a failure.
import { davRequest, type DAVResponse } from 'tsdav';
import type { CalendarObject, ItemError } from '../types.js';
import type { DiscoveredCalendar } from './discover.js';
import { pathOf } from './discover.js';
import { translateError } from './http.js';
import { calendarData, requestFailed } from './dav-response.js';
import type { RequestCtx } from './list-changes.js';
import { SourceError } from '../types.js';

export interface FetchedPage {
  objects: CalendarObject[];
  /** Hrefs the server no longer has. */
  gone: string[];
  errors: ItemError[];
}

export async function fetchObjects(cal: DiscoveredCalendar, hrefs: string[], ctx: RequestCtx): Promise<FetchedPage> {
  let res: DAVResponse[];
  try {
    res = await davRequest({
      url: cal.url,
      init: {
        method: 'REPORT',
        headers: { ...ctx.headers, depth: '1' },
        namespace: 'c',
        body: {
          'calendar-multiget': {
            _attributes: { 'xmlns:d': 'DAV:', 'xmlns:c': 'urn:ietf:params:xml:ns:caldav' },
            'd:prop': { 'd:getetag': {}, 'c:calendar-data': {} },
            'd:href': hrefs,
          },
        },
      },
      fetch: ctx.fetch,
    });
  } catch (err) {
    throw translateError(err, `reading events of calendar ${cal.path}`);
  }
  const failed = requestFailed(res, cal);
  if (failed) throw new SourceError('INTERNAL', `the CalDAV server refused to send events of calendar ${cal.path} (HTTP ${failed.status})`);

  const page: FetchedPage = { objects: [], gone: [], errors: [] };
  const answered = new Set<string>();
  for (const x of res) {
    if (!x.href) continue;
    const ref = pathOf(x.href, cal.url);
    answered.add(ref);
    if (x.status === 404) {
      page.gone.push(ref);
      continue;
    }
    const ics = calendarData(x.props?.calendarData);
    if (!x.ok || ics === undefined) {
      page.errors.push({ where: ref, reason: `the CalDAV server did not send this event (HTTP ${x.status ?? '?'})` });
      continue;
    }
    const etag = x.props?.getetag;
    // The etag is the object's version (RFC 4791 §5.3.4: a strong etag that changes whenever
    // the data does). A server that sends none gets version '' and the object is re-read on
    // every full listing.
    page.objects.push({ ref, version: etag === undefined || etag === null ? '' : String(etag), ics });
  }
  for (const h of hrefs) if (!answered.has(h)) page.errors.push({ where: h, reason: 'the CalDAV server did not answer for this event' });
  return page;
}

/**
 * Hrefs per calendar-multiget REPORT: what servers have always been sent (it was the page
 * size), kept when pages grew so that no server sees a larger request than before.
 */
export const MULTIGET_MAX = 200;

/** A page's missing objects, one REPORT per MULTIGET_MAX hrefs, in order; none for no hrefs. */
export async function fetchInBatches(cal: DiscoveredCalendar, hrefs: string[], ctx: RequestCtx, max = MULTIGET_MAX): Promise<FetchedPage> {
  const all: FetchedPage = { objects: [], gone: [], errors: [] };
  for (let i = 0; i < hrefs.length; i += max) {
    const page = await fetchObjects(cal, hrefs.slice(i, i + max), ctx);
    all.objects.push(...page.objects);
    all.gone.push(...page.gone);
    all.errors.push(...page.errors);
  }
  return all;
}
