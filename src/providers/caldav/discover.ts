// Finding the teammate's calendars.
//
// The first time: RFC 6764 service discovery (/.well-known/caldav), the principal's
// calendar-home-set (RFC 4791 §6.2.1) — done by tsdav. The home URL is then kept in the
// cursor, and later syncs list the calendars with one Depth: 1 PROPFIND on it (falling back
// to full discovery if the home has moved). A throttled or unreachable server stops discovery
// at its first refusal (tsdav's fallbacks would otherwise try other paths; see stopAtRefusal).
//
// That PROPFIND asks only for cheap, static properties. Not for getctag or DAV:sync-token:
// servers compute those from every object of the collection (Radicale hashes each item's
// history), so asking for them costs as much as the sync-collection REPORT that follows.
// We keep the calendars that can hold events (RFC 4791 §5.2.3
// supported-calendar-component-set includes VEVENT, or is absent: "any component").
import { createAccount, propfind, type DAVResponse } from 'tsdav';
import { SourceError } from '../types.js';
import { translateError } from './http.js';

export interface CalDavCredentials {
  url: string;
  user: string;
  password: string;
}

export interface DiscoveredCalendar {
  /** Absolute URL of the calendar collection. */
  url: string;
  /** Its path (the cursor key; refs of its objects are paths too). */
  path: string;
  displayName: string;
  /** RFC 6578 sync-collection REPORT offered (DAV:supported-report-set). */
  syncCollection: boolean;
}

export function basicAuth(c: Pick<CalDavCredentials, 'user' | 'password'>): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${c.user}:${c.password}`, 'utf8').toString('base64')}` };
}

/** The server-relative form of a URL or href, percent-encoding kept as the server sent it. */
export function pathOf(href: string, base: string): string {
  return new URL(href, base).pathname;
}

export const text = (v: unknown): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object' && '_cdata' in (v as object)) return String((v as { _cdata: unknown })._cdata);
  if (typeof v === 'object' && '_text' in (v as object)) return String((v as { _text: unknown })._text);
  return typeof v === 'object' ? undefined : String(v);
};

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Failures after which discovery stops: the server asked us to wait (THROTTLED) or cannot be
 * reached or trusted (NETWORK). tsdav's fallbacks are for paths a server does not serve; they
 * catch every error, so without this a throttled server would be asked again at the next
 * path and end as "no calendar home here".
 */
const STOPS_DISCOVERY = new Set(['THROTTLED', 'NETWORK']);

/**
 * The fetch for one discovery: after the first refusal that stops it, every later request
 * fails with that refusal without reaching the network, and discovery reports it.
 */
function stopAtRefusal(fetch: typeof globalThis.fetch): { fetch: typeof globalThis.fetch; refusal: () => SourceError | undefined } {
  let refusal: SourceError | undefined;
  return {
    fetch: async (input, init) => {
      if (refusal) throw refusal;
      try {
        return await fetch(input, init);
      } catch (err) {
        if (err instanceof SourceError && STOPS_DISCOVERY.has(err.code)) refusal = err;
        throw err;
      }
    },
    refusal: () => refusal,
  };
}

/** The calendar home URL, by service discovery. */
async function findHome(c: CalDavCredentials, fetch: typeof globalThis.fetch): Promise<string> {
  const guarded = stopAtRefusal(fetch);
  try {
    const account = await createAccount({
      account: { serverUrl: c.url, accountType: 'caldav' },
      headers: basicAuth(c),
      fetch: guarded.fetch,
    });
    const refusal = guarded.refusal();
    if (refusal) throw refusal;
    if (!account.homeUrl) throw new Error('cannot find homeUrl');
    return account.homeUrl;
  } catch (err) {
    throw translateError(guarded.refusal() ?? err, 'looking for the calendar home');
  }
}

class HomeGone extends Error {}

async function listCalendars(home: string, c: CalDavCredentials, fetch: typeof globalThis.fetch): Promise<DiscoveredCalendar[]> {
  let res: DAVResponse[];
  try {
    res = await propfind({
      url: home,
      props: { 'd:resourcetype': {}, 'd:displayname': {}, 'c:supported-calendar-component-set': {}, 'd:supported-report-set': {} },
      depth: '1',
      headers: basicAuth(c),
      fetch,
    });
  } catch (err) {
    throw translateError(err, 'listing the calendars');
  }
  const failed = res.find((r) => !r.ok && (!r.href || pathOf(r.href, home) === pathOf(home, home)));
  if (failed) {
    if (failed.status === 404 || failed.status === 403 || failed.status === 301 || failed.status === 302) throw new HomeGone();
    throw new SourceError('INTERNAL', `the CalDAV server refused to list the calendars (HTTP ${failed.status})`);
  }
  const out: DiscoveredCalendar[] = [];
  for (const r of res) {
    if (!r.href || !r.ok) continue;
    const props = r.props ?? {};
    if (!props.resourcetype || typeof props.resourcetype !== 'object' || !('calendar' in props.resourcetype)) continue;
    const comps = list(props.supportedCalendarComponentSet?.comp as { _attributes?: { name?: string } } | undefined)
      .map((x) => x?._attributes?.name)
      .filter(Boolean);
    if (comps.length && !comps.includes('VEVENT')) continue;
    const reports = list(props.supportedReportSet?.supportedReport as { report?: object } | undefined).flatMap((x) =>
      Object.keys(x?.report ?? {}),
    );
    const url = new URL(r.href, home).href;
    out.push({
      url,
      path: pathOf(url, home),
      displayName: text(props.displayname) || pathOf(url, home),
      syncCollection: reports.includes('syncCollection'),
    });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** The event calendars under the (cached, else discovered) calendar home. */
export async function discoverCalendars(
  c: CalDavCredentials,
  fetch: typeof globalThis.fetch,
  knownHome?: string,
): Promise<{ home: string; calendars: DiscoveredCalendar[] }> {
  if (knownHome) {
    try {
      return { home: knownHome, calendars: await listCalendars(knownHome, c, fetch) };
    } catch (err) {
      if (!(err instanceof HomeGone)) throw err;
    }
  }
  const home = await findHome(c, fetch);
  try {
    return { home, calendars: await listCalendars(home, c, fetch) };
  } catch (err) {
    if (err instanceof HomeGone) throw new SourceError('NOT_FOUND', 'the CalDAV calendar home could not be read; check --url');
    throw err;
  }
}
