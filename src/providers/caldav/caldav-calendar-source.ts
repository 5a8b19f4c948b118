// CalDAV calendars (RFC 4791) as a CalendarSource. Per sync:
//   1. discover the teammate's calendars (discover.ts);
//   2. list what changed in each (list-changes.ts: RFC 6578 sync-collection, which brings
//      the changed objects' data along, or ctag + etag diff when the server lacks it);
//   3. hand them out page by page, fetching with calendar-multiget (fetch-objects.ts, at most
//      200 hrefs per REPORT) what the listing did not bring.
// The raw iCalendar text goes to the sync layer, which parses and expands it with ical.js;
// this source never decides and never touches the store. The cursor (cursor.ts) holds a
// token and the known etags per calendar.
import type { OutboundPolicy } from '../../net/outbound-policy.js';
import type { CalendarPage, CalendarSource, Cursor, ItemError } from '../types.js';
import { readCursor, snapshot, type CalendarState } from './cursor.js';
import { basicAuth, discoverCalendars, type CalDavCredentials, type DiscoveredCalendar } from './discover.js';
import { fetchInBatches } from './fetch-objects.js';
import { makeEdgeFetch } from './http.js';
import { listChanges, type Listing, type RequestCtx } from './list-changes.js';

export interface CalDavSourceOptions extends CalDavCredentials {
  /**
   * Objects per page, stored in one transaction with the cursor (default 500, as mail pages).
   * Each page transaction rewrites every index page its rows land on (meetings by UID and by
   * start, participant hashes, links, sightings: scattered keys), so larger pages write less
   * (a first sync of 2,000 events: 91 MB at 200 per page, 66 MB at 500, 56 MB at 1,000), but
   * hold the store's write lock longer, which other syncs' pushed mail waits for.
   */
  pageSize?: number;
  /** false: behave as with a server without sync-collection (ctag + etag diff). Default true. */
  syncCollection?: boolean;
  /** Per-request time limit in ms (default 60 s). */
  timeoutMs?: number;
  /** The outbound-address policy every request is checked against, at connect time too. */
  outbound: OutboundPolicy;
  /** PEM certificate(s) of a private CA to trust besides the system's (CalDavConfig.ca). */
  ca?: string;
}

/** What the last `changes()` run did per calendar, for tests and diagnostics. */
export interface CalendarRunInfo {
  path: string;
  method: Listing['method'];
  fetched: number;
  deleted: number;
}

export class CalDavCalendarSource implements CalendarSource {
  private readonly creds: CalDavCredentials;
  private readonly pageSize: number;
  private readonly useSyncCollection: boolean;
  private readonly ctx: RequestCtx;
  lastRun: CalendarRunInfo[] = [];

  constructor(opts: CalDavSourceOptions) {
    this.creds = { url: opts.url, user: opts.user, password: opts.password };
    this.pageSize = Math.max(1, opts.pageSize ?? 500);
    this.useSyncCollection = opts.syncCollection ?? true;
    const who = `${opts.user} at ${new URL(opts.url).host}`;
    const edge = {
      who,
      outbound: opts.outbound,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.ca ? { ca: opts.ca } : {}),
    };
    this.ctx = { headers: basicAuth(opts), fetch: makeEdgeFetch(edge) };
  }

  /** The calendars the server shows this user (also used by `connect caldav` to check the credentials). */
  async calendars(): Promise<DiscoveredCalendar[]> {
    return (await discoverCalendars(this.creds, this.ctx.fetch)).calendars;
  }

  async *changes(cursor: Cursor | null): AsyncIterable<CalendarPage> {
    const state = readCursor(cursor);
    this.lastRun = [];
    const { home, calendars } = await discoverCalendars(this.creds, this.ctx.fetch, state.home);
    // A newly found calendar home must reach the stored cursor even if nothing else changed.
    let unsaved = state.home !== home;
    state.home = home;

    // Calendars are listed one at a time, each right before its pages: only one calendar's
    // changes (with their data) are held in memory. The progress total grows as they are.
    let total = 0;
    let done = 0;

    // A calendar that is no longer there took its events with it: they are deletions (the
    // ingest keeps those that already happened and cancels the others).
    const present = new Set(calendars.map((c) => c.path));
    const vanished = Object.keys(state.calendars).filter((p) => !present.has(p));
    if (vanished.length) {
      const deletes = vanished.flatMap((p) => Object.keys(state.calendars[p]!.etags));
      for (const p of vanished) delete state.calendars[p];
      unsaved = false;
      yield { upserts: [], deletes, errors: [], cursor: snapshot(state), progress: { done, total } };
    }

    for (const cal of calendars) {
      const st: CalendarState = state.calendars[cal.path] ?? { etags: {} };
      state.calendars[cal.path] = st;
      const listing = await listChanges(cal, st, this.ctx, { useSyncCollection: this.useSyncCollection });
      total += listing.changed.size;
      const info: CalendarRunInfo = { path: cal.path, method: listing.method, fetched: 0, deleted: listing.deleted.length };
      this.lastRun.push(info);
      for (const href of listing.deleted) delete st.etags[href];
      const hrefs = [...listing.changed.keys()];
      let failed = false;
      // Advance the token and ctag only once the whole calendar is stored, and not at all if
      // an object could not be fetched: the next sync then lists it again (RFC 6578 gives
      // no way to ask again for one member past a token).
      const finish = () => {
        if (failed) return;
        if (listing.syncToken) st.syncToken = listing.syncToken;
        else delete st.syncToken;
        if (listing.ctag) st.ctag = listing.ctag;
      };

      if (hrefs.length === 0) {
        const before = JSON.stringify([st.syncToken, st.ctag]);
        finish();
        if (unsaved || listing.deleted.length || before !== JSON.stringify([st.syncToken, st.ctag])) {
          unsaved = false;
          yield { upserts: [], deletes: listing.deleted, errors: [], cursor: snapshot(state), progress: { done, total } };
        }
        continue;
      }
      for (let i = 0; i < hrefs.length; i += this.pageSize) {
        const batch = hrefs.slice(i, i + this.pageSize);
        // Data that came with the listing is used as is; only the rest is fetched.
        const inline = batch.filter((h) => listing.data.has(h));
        const missing = batch.filter((h) => !listing.data.has(h));
        const page = await fetchInBatches(cal, missing, this.ctx);
        page.objects.unshift(...inline.map((ref) => ({ ref, version: listing.changed.get(ref)!, ics: listing.data.get(ref)! })));
        for (const o of page.objects) st.etags[o.ref] = o.version;
        for (const g of page.gone) delete st.etags[g];
        const errors: ItemError[] = page.errors;
        failed ||= errors.length > 0;
        done += batch.length;
        info.fetched += page.objects.length;
        info.deleted += page.gone.length;
        if (i + this.pageSize >= hrefs.length) finish();
        unsaved = false;
        yield {
          upserts: page.objects,
          deletes: [...(i === 0 ? listing.deleted : []), ...page.gone],
          errors,
          cursor: snapshot(state),
          progress: { done, total },
        };
      }
    }
  }
}
