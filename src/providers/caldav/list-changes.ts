// What changed in one calendar since our last look: hrefs with their etags, and — from
// sync-collection — the changed objects' data too.
//
// - RFC 6578 sync-collection with the stored DAV:sync-token: the server lists members changed
//   since the token (with their etags) and removed ones (status 404). An empty token asks for
//   every member (§3.4, "initial synchronization"). We ask for CALDAV:calendar-data in the same
//   REPORT (RFC 6578 §3.2 allows any property): one request instead of a listing plus a
//   calendar-multiget per page. A server answers it in about the time of the listing alone
//   (Radicale's cost is in walking the collection), which halved the connector's time in
//   bench/caldav.bench.ts. Objects it sends without data are fetched by fetch-objects.ts.
// - A token the server no longer accepts (§3.2: 403 or 409 with the DAV:valid-sync-token
//   precondition; Radicale answers 403 when it has expired its token history; any other
//   failure of the request made with a token is treated the same) → a full
//   listing, diffed against the etags we know: nothing unchanged is fetched again, and known
//   hrefs missing from the listing are deletions.
// - Servers without sync-collection: the CalendarServer ctag tells whether anything changed;
//   if so, a Depth: 1 PROPFIND of DAV:getetag (the etag synchronization of RFC 4791 §8.2)
//   lists every member, diffed the same way.
import { propfind, syncCollection, type DAVResponse } from 'tsdav';
import { SourceError } from '../types.js';
import type { CalendarState } from './cursor.js';
import type { DiscoveredCalendar } from './discover.js';
import { pathOf } from './discover.js';
import { calendarData, requestFailed } from './dav-response.js';
import { translateError } from './http.js';

export interface Listing {
  /** New or changed members: href (path) → etag ('' when the server gave none). */
  changed: Map<string, string>;
  /** The iCalendar text of changed members, when it came with the listing. */
  data: Map<string, string>;
  /** Hrefs that are gone. */
  deleted: string[];
  /** The token to save once every changed member is stored (sync-collection only). */
  syncToken?: string;
  /** The ctag to save likewise (servers without sync-collection). */
  ctag?: string;
  /** How the listing was made, for status and tests. */
  method: 'sync-collection' | 'full-resync' | 'etag-diff' | 'unchanged';
}

export interface RequestCtx {
  headers: Record<string, string>;
  fetch: typeof globalThis.fetch;
}

/** RFC 6578 §3.6: a server may truncate; it then says 507 for the collection itself. At most this many rounds. */
const MAX_TRUNCATED_ROUNDS = 50;

const str = (v: unknown): string | undefined => (v === undefined || v === null || typeof v === 'object' ? undefined : String(v));

function isTokenRejected(r: DAVResponse[]): boolean {
  const bad = r.find((x) => !x.ok && (x.status === 403 || x.status === 409));
  return !!bad && /valid-sync-token/.test(typeof bad.raw === 'string' ? bad.raw : JSON.stringify(bad.raw ?? ''));
}

class TokenRejected extends Error {}

async function syncCollectionRounds(cal: DiscoveredCalendar, token: string | undefined, ctx: RequestCtx) {
  const members = new Map<string, string>();
  const data = new Map<string, string>();
  const deleted: string[] = [];
  let current = token;
  for (let round = 0; round < MAX_TRUNCATED_ROUNDS; round++) {
    let res: DAVResponse[];
    try {
      res = await syncCollection({
        url: cal.url,
        props: { 'd:getetag': {}, 'c:calendar-data': {} },
        syncLevel: 1,
        ...(current ? { syncToken: current } : {}),
        headers: ctx.headers,
        fetch: ctx.fetch,
      });
    } catch (err) {
      throw translateError(err, `syncing calendar ${cal.path}`);
    }
    if (current && isTokenRejected(res)) throw new TokenRejected();
    const failed = requestFailed(res, cal);
    if (failed)
      throw new SourceError(
        'INTERNAL',
        `the CalDAV server refused to list calendar ${cal.path} (HTTP ${failed.status} ${failed.statusText ?? ''})`.trim(),
      );
    let truncated = false;
    for (const x of res) {
      if (!x.href) continue;
      const href = pathOf(x.href, cal.url);
      if (href === cal.path) {
        truncated ||= x.status === 507;
        continue;
      }
      if (x.status === 404) {
        deleted.push(href);
        members.delete(href);
        data.delete(href);
      } else if (x.ok) {
        members.set(href, str(x.props?.getetag) ?? '');
        const ics = calendarData(x.props?.calendarData);
        if (ics !== undefined) data.set(href, ics);
      }
    }
    const next = str((res[0]?.raw as { multistatus?: { syncToken?: unknown } } | undefined)?.multistatus?.syncToken);
    if (!next) throw new SourceError('INTERNAL', `the CalDAV server sent no sync-token for calendar ${cal.path}`);
    current = next;
    if (!truncated) return { members, data, deleted, syncToken: current };
  }
  throw new SourceError('INTERNAL', `the CalDAV server kept truncating the changes of calendar ${cal.path}`);
}

/** CalendarServer's getctag of the calendar (Depth: 0 PROPFIND), if the server has one. */
async function readCtag(cal: DiscoveredCalendar, ctx: RequestCtx): Promise<string | undefined> {
  let res: DAVResponse[];
  try {
    res = await propfind({ url: cal.url, props: { 'cs:getctag': {} }, depth: '0', headers: ctx.headers, fetch: ctx.fetch });
  } catch (err) {
    throw translateError(err, `reading calendar ${cal.path}`);
  }
  return str(res.find((x) => x.ok)?.props?.getctag);
}

/** Every member of the calendar with its etag (Depth: 1 PROPFIND). */
async function listEtags(cal: DiscoveredCalendar, ctx: RequestCtx): Promise<Map<string, string>> {
  let res: DAVResponse[];
  try {
    res = await propfind({
      url: cal.url,
      props: { 'd:getetag': {}, 'd:resourcetype': {} },
      depth: '1',
      headers: ctx.headers,
      fetch: ctx.fetch,
    });
  } catch (err) {
    throw translateError(err, `listing calendar ${cal.path}`);
  }
  const failed = requestFailed(res, cal);
  if (failed) throw new SourceError('INTERNAL', `the CalDAV server refused to list calendar ${cal.path} (HTTP ${failed.status})`);
  const out = new Map<string, string>();
  for (const x of res) {
    if (!x.href || !x.ok) continue;
    const href = pathOf(x.href, cal.url);
    const type = x.props?.resourcetype;
    if (href === cal.path || (type && typeof type === 'object' && 'collection' in type)) continue;
    out.set(href, str(x.props?.getetag) ?? '');
  }
  return out;
}

/** The changes of one calendar relative to what the cursor knows. */
export async function listChanges(
  cal: DiscoveredCalendar,
  state: CalendarState,
  ctx: RequestCtx,
  opts: { useSyncCollection: boolean },
): Promise<Listing> {
  const known = state.etags;
  const diff = (members: Map<string, string>, full: boolean, reported: string[] = [], withData = new Map<string, string>()) => {
    const changed = new Map([...members].filter(([href, etag]) => etag === '' || known[href] !== etag));
    const data = new Map([...withData].filter(([href]) => changed.has(href)));
    // A member removed and re-created between two tokens is listed as present: it is not gone.
    const gone = full ? Object.keys(known).filter((h) => !members.has(h)) : reported.filter((h) => !members.has(h));
    return { changed, data, deleted: [...new Set(gone)] };
  };

  if (opts.useSyncCollection && cal.syncCollection) {
    try {
      const r = await syncCollectionRounds(cal, state.syncToken, ctx);
      // Without a token (first sync, or resuming one that was interrupted) the listing is
      // complete, so anything we know that it lacks was deleted meanwhile.
      const d = diff(r.members, !state.syncToken, r.deleted, r.data);
      const same = d.changed.size === 0 && d.deleted.length === 0 && r.syncToken === state.syncToken;
      return { ...d, syncToken: r.syncToken, method: same ? 'unchanged' : 'sync-collection' };
    } catch (err) {
      // Refused tokens are RFC 6578's 403/409 valid-sync-token, but servers also answer 400,
      // 412 or 500, or send what tsdav cannot parse. Any failure of a request made with a token
      // is retried once without one; auth, network and throttling errors are not the token's.
      const notTheToken = err instanceof SourceError && err.code !== 'INTERNAL';
      if (!state.syncToken || notTheToken) throw err;
    }
    const r = await syncCollectionRounds(cal, undefined, ctx);
    return { ...diff(r.members, true, [], r.data), syncToken: r.syncToken, method: 'full-resync' };
  }

  // No sync-collection: the ctag (read only here, see discover.ts) says whether to list at all.
  const ctag = await readCtag(cal, ctx);
  if (state.ctag && ctag === state.ctag) return { changed: new Map(), data: new Map(), deleted: [], ctag, method: 'unchanged' };
  return { ...diff(await listEtags(cal, ctx), true), ...(ctag ? { ctag } : {}), method: 'etag-diff' };
}
