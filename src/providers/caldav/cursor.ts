// The CalDAV cursor: one value per connection, keyed by calendar path.
//
//   { v: 1, home?: "https://…/alice/", calendars: { "/alice/work/": { syncToken?, ctag?, etags: { href: etag } } } }
//
// `home` is the calendar home found by discovery, so later syncs skip the discovery requests.
// `etags` lists every object we have stored, so that a full listing (expired sync token,
// server without sync-collection) can be diffed: unchanged objects are not fetched again and
// known hrefs missing from the listing are reported as deleted. The token and ctag are only
// advanced on a calendar's last page, once everything they cover is stored; pages before it
// carry the old token with the etags stored so far, so a crash re-reads at most one page.
export interface CalendarState {
  syncToken?: string;
  ctag?: string;
  etags: Record<string, string>;
}

export interface CalDavCursor {
  v: 1;
  home?: string;
  calendars: Record<string, CalendarState>;
}

const isStringMap = (v: unknown): v is Record<string, string> =>
  !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

/**
 * Reads a stored cursor. Anything we did not write (or a damaged calendar entry) counts as
 * "nothing known" for that part: the sync then lists everything again, which costs time but
 * never duplicates (objects are keyed by href, meetings by UID + start).
 */
export function readCursor(raw: unknown): CalDavCursor {
  const out: CalDavCursor = { v: 1, calendars: {} };
  const cals = (raw as { v?: unknown; calendars?: unknown } | null)?.calendars;
  if ((raw as { v?: unknown } | null)?.v !== 1 || !cals || typeof cals !== 'object') return out;
  const home = (raw as { home?: unknown }).home;
  if (typeof home === 'string' && home) out.home = home;
  for (const [path, s] of Object.entries(cals as Record<string, unknown>)) {
    const st = s as Partial<CalendarState> | null;
    if (!st || !isStringMap(st.etags)) continue;
    out.calendars[path] = {
      etags: { ...st.etags },
      ...(typeof st.syncToken === 'string' && st.syncToken ? { syncToken: st.syncToken } : {}),
      ...(typeof st.ctag === 'string' && st.ctag ? { ctag: st.ctag } : {}),
    };
  }
  return out;
}

/** A deep-enough copy to hand out with a page while we keep mutating ours. */
export function snapshot(c: CalDavCursor): CalDavCursor {
  const calendars: Record<string, CalendarState> = {};
  for (const [k, s] of Object.entries(c.calendars)) calendars[k] = { ...s, etags: { ...s.etags } };
  return { v: 1, ...(c.home ? { home: c.home } : {}), calendars };
}
