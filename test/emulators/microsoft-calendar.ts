// Outlook calendars in the Microsoft 365 emulator (microsoft-mail.ts builds on this): events
// as Graph v1.0 returns them, calendarView (occurrences overlapping a window, series masters
// left out), calendarView/delta (pages with @odata.nextLink, a final @odata.deltaLink, @removed,
// 410 SyncStateNotFound once a token is expired) and events GET; and what the mail and event
// delta queries share: one change counter, the tokens' encoding, the page size (Prefer:
// odata.maxpagesize) and the answer to an expired token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UNMATCHED } from './emulator-http.js';
import { b64 } from './microsoft-identity.js';
import { MicrosoftSubscriptionsEmulator } from './microsoft-subscriptions.js';

export interface MsEvent {
  id: string;
  [k: string]: unknown;
}

/** A message or event, with the change counter's value at its last change (delta lists what changed after a token's). */
export interface Stored<T> {
  seq: number;
  removed?: boolean;
  data: T;
}

/** A $skiptoken or $deltatoken read back (b64 wrote it); null when it is not one of ours. */
export const unb64 = <T>(s: string): T | null => {
  try {
    return JSON.parse(Buffer.from(s, 'base64url').toString()) as T;
  } catch {
    return null;
  }
};

export abstract class MicrosoftCalendarEmulator extends MicrosoftSubscriptionsEmulator {
  /** One change counter for messages and events: the delta tokens of both carry it. */
  protected seq = 0;
  readonly events = new Map<string, Stored<MsEvent>>();
  /**
   * How an expired delta token is answered. Graph's delta query overview lists 410 Gone with
   * `syncStateNotFound` / `resyncRequired`, and Outlook resources are seen answering 400 with
   * `syncStateInvalid` / `SyncStateNotFound` (https://learn.microsoft.com/graph/delta-query-overview).
   */
  syncStateGone: { status: number; code: string } = { status: 410, code: 'SyncStateNotFound' };
  /** Event delta tokens below this answer 410 SyncStateNotFound (or `syncStateGone`). */
  minEventSeq = 0;

  putEvent(ev: MsEvent): void {
    this.events.set(ev.id, {
      seq: ++this.seq,
      data: { lastModifiedDateTime: new Date().toISOString(), ...ev, changeKey: `ck-${this.seq}` },
    });
  }

  deleteEvent(id: string): void {
    const e = this.events.get(id);
    if (e) this.events.set(id, { seq: ++this.seq, removed: true, data: e.data });
  }

  /** Every event delta token issued so far answers 410 from now on. */
  expireEventDelta(): void {
    this.minEventSeq = ++this.seq;
  }

  protected pageSize(req: IncomingMessage, dflt: number): number {
    const m = /odata\.maxpagesize=(\d+)/.exec(String(req.headers.prefer ?? ''));
    return m ? Number(m[1]) : dflt;
  }

  /** The answer to a $deltatoken from before the last expiry (`syncStateGone`). */
  protected syncStateNotFound(res: ServerResponse): void {
    this.graphError(res, this.syncStateGone.status, this.syncStateGone.code, 'The sync state generation is not found. Please resync.');
  }

  /** calendarView and its delta need both ends of the window. */
  private noWindow(res: ServerResponse): void {
    this.graphError(
      res,
      400,
      'ErrorInvalidParameter',
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
    );
  }

  /** The calendar routes; UNMATCHED for any other path. */
  // biome-ignore lint/suspicious/noConfusingVoidType: each route returns what send() returns (void), as the other routes do
  protected calendarRoutes(req: IncomingMessage, res: ServerResponse, u: URL): void | typeof UNMATCHED {
    const q = u.searchParams;
    let m: RegExpExecArray | null;
    if (u.pathname === '/v1.0/me/calendarView' && req.method === 'GET') return this.calendarView(q, res);
    if (u.pathname === '/v1.0/me/calendarView/delta') {
      type Tok = { offset: number; upTo: number; after: number; start: number; end: number };
      let tok: Tok;
      if (q.get('$skiptoken')) tok = unb64<Tok>(q.get('$skiptoken')!)!;
      else if (q.get('$deltatoken')) {
        const d = unb64<{ seq: number; start: number; end: number }>(q.get('$deltatoken')!);
        if (!d || d.seq < this.minEventSeq) return this.syncStateNotFound(res);
        tok = { offset: 0, upTo: this.seq, after: d.seq, start: d.start, end: d.end };
      } else {
        const start = Date.parse(q.get('startDateTime') ?? '');
        const end = Date.parse(q.get('endDateTime') ?? '');
        if (Number.isNaN(start) || Number.isNaN(end)) return this.noWindow(res);
        tok = { offset: 0, upTo: this.seq, after: 0, start, end };
      }
      const inWindow = (e: MsEvent) => {
        const s = Date.parse(`${(e.start as { dateTime: string }).dateTime}Z`);
        const en = Date.parse(`${(e.end as { dateTime: string }).dateTime}Z`);
        return en > tok.start && (Number.isNaN(s) || s < tok.end); // a malformed start (tests) is listed by its end
      };
      const all = [...this.events.values()]
        .filter(
          (s) =>
            s.seq > tok.after && s.seq <= tok.upTo && s.data.type !== 'seriesMaster' && inWindow(s.data) && (!s.removed || tok.after > 0),
        )
        .sort((a, b) => a.seq - b.seq);
      const size = this.pageSize(req, 10);
      const slice = all.slice(tok.offset, tok.offset + size);
      const link = `${this.url}/v1.0/me/calendarView/delta`;
      const more = tok.offset + size < all.length;
      return this.send(res, 200, {
        '@odata.context': `${this.url}/v1.0/$metadata#Collection(event)`,
        value: slice.map((s) =>
          s.removed
            ? { '@odata.type': '#microsoft.graph.event', id: s.data.id, '@removed': { reason: 'deleted' } }
            : { '@odata.type': '#microsoft.graph.event', '@odata.etag': `W/"${s.data.changeKey}"`, ...s.data },
        ),
        ...(more
          ? { '@odata.nextLink': `${link}?$skiptoken=${b64({ ...tok, offset: tok.offset + size })}` }
          : { '@odata.deltaLink': `${link}?$deltatoken=${b64({ seq: tok.upTo, start: tok.start, end: tok.end })}` }),
      });
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/v1\.0\/me\/events\/([^/]+)$/.exec(u.pathname))) {
      const s = this.events.get(decodeURIComponent(m[1]!));
      if (!s || s.removed) return this.graphError(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      return this.send(res, 200, s.data);
    }
    return UNMATCHED;
  }

  /** GET /me/calendarView: occurrences overlapping [startDateTime, endDateTime), series masters left out. */
  private calendarView(q: URLSearchParams, res: ServerResponse) {
    const start = Date.parse(q.get('startDateTime') ?? '');
    const end = Date.parse(q.get('endDateTime') ?? '');
    if (Number.isNaN(start) || Number.isNaN(end)) return this.noWindow(res);
    const value = [...this.events.values()]
      .filter((s) => !s.removed && s.data.type !== 'seriesMaster')
      .filter((s) => {
        const st = Date.parse(`${(s.data.start as { dateTime: string }).dateTime}Z`);
        const en = Date.parse(`${(s.data.end as { dateTime: string }).dateTime}Z`);
        return en > start && st < end;
      })
      .map((s) => ({ '@odata.type': '#microsoft.graph.event', ...s.data }));
    return this.send(res, 200, { '@odata.context': `${this.url}/v1.0/$metadata#Collection(event)`, value });
  }
}
