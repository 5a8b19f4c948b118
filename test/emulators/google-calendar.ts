// Google Calendar in the Google emulator (google.ts builds on this): events.list (full, with a
// window, and incremental with sync tokens; 410 once a token is expired), events.get, recurring
// series expanded with singleEvents (google-series.ts cites the reference pages), and push
// channels (events.watch with its first `sync` message, channels.stop, change notifications).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GoogleIdentityEmulator } from './google-identity.js';
import {
  cancelledInstance,
  DELETED_SERIES_HORIZON_MS,
  inWindow,
  instanceId,
  instanceOf,
  isMaster,
  type Json,
  OPEN_ENDED_MS,
  occurrenceStarts,
  originalStartOf,
} from './google-series.js';
import { UNMATCHED } from './emulator-http.js';

export interface GEvent {
  id: string;
  [k: string]: unknown;
}

export abstract class GoogleCalendarEmulator extends GoogleIdentityEmulator {
  readonly events = new Map<string, GEvent & { seq: number }>();
  private eventSeq = 0;
  /** Calendar sync tokens older than this answer 410. */
  minSyncSeq = 0;

  putEvent(ev: GEvent): void {
    this.events.set(ev.id, { updated: new Date().toISOString(), ...ev, seq: ++this.eventSeq, etag: `"${this.eventSeq}"` });
  }

  // Recurring series (test/emulators/google-series.ts cites the reference pages).
  /** When each deleted series was deleted (the emulator's clock): bounds its cancelled instances. */
  private readonly seriesDeletedAt = new Map<string, number>();

  /** A series: its master with `recurrence` lines (RRULE / EXDATE / RDATE); instances are expanded on listing. */
  putSeries(master: GEvent & { recurrence: string[] }): void {
    this.putEvent(master);
  }

  private master(id: string): (GEvent & { seq: number }) | undefined {
    const m = this.events.get(id);
    return m && isMaster(m) ? m : undefined;
  }

  /** One instance changed or moved: an exception stored under the instance's id. */
  updateInstance(masterId: string, originalStart: string, change: Partial<GEvent>): void {
    const m = this.master(masterId);
    if (!m) throw new Error(`no series ${masterId}`);
    const { seq: _s, etag: _e, ...base } = instanceOf(m, new Date(originalStart));
    this.putEvent({ ...base, ...change, id: base.id, updated: new Date(this.nowMs()).toISOString() } as GEvent);
  }

  /** One instance deleted ("this event" only): a cancelled exception; the series goes on. */
  cancelInstance(masterId: string, originalStart: string): void {
    const m = this.master(masterId);
    if (!m) throw new Error(`no series ${masterId}`);
    const start = new Date(originalStart);
    const { etag: _e, ...bare } = cancelledInstance(
      masterId,
      start,
      !!(m.start as Json | undefined)?.date,
      new Date(this.nowMs()).toISOString(),
      '',
    );
    this.putEvent(bare as GEvent);
  }

  /** The whole series deleted ("all events"): the master and its exceptions become cancelled. */
  deleteSeries(masterId: string): void {
    const m = this.master(masterId);
    if (!m) throw new Error(`no series ${masterId}`);
    const updated = new Date(this.nowMs()).toISOString();
    this.seriesDeletedAt.set(masterId, this.nowMs());
    const { seq: _s, etag: _e, ...rest } = m;
    this.putEvent({ ...rest, status: 'cancelled', updated });
    for (const e of [...this.events.values()])
      if (e.recurringEventId === masterId && e.status !== 'cancelled')
        this.putEvent({ id: e.id, status: 'cancelled', recurringEventId: masterId, originalStartTime: e.originalStartTime, updated });
  }

  /**
   * events.list with singleEvents=true: a master's instances in [from, to), except the ones an
   * exception replaces (listed as themselves). A deleted series' instances are cancelled, and
   * only those up to DELETED_SERIES_HORIZON_MS past the deletion are returned.
   */
  private instances(m: GEvent & { seq: number }, from: number, to: number): Json[] {
    const { seq: _s, ...master } = m;
    const deletedAt = this.seriesDeletedAt.get(m.id);
    const until = deletedAt === undefined ? to : Math.min(to, deletedAt + DELETED_SERIES_HORIZON_MS);
    const allDay = !!master.start && !!(master.start as Json).date;
    return occurrenceStarts(master, from, until)
      .filter((at) => !this.events.has(instanceId(m.id, at, allDay)))
      .map((at) =>
        deletedAt === undefined
          ? instanceOf(master, at)
          : cancelledInstance(m.id, at, allDay, String(master.updated ?? ''), String(master.etag ?? '')),
      );
  }

  private beyondDeletedHorizon(e: Json): boolean {
    const at = this.seriesDeletedAt.get(String(e.recurringEventId));
    return at !== undefined && originalStartOf(e) >= at + DELETED_SERIES_HORIZON_MS;
  }

  expireSyncTokens(): void {
    this.minSyncSeq = this.eventSeq + 1;
  }

  readonly channels = new Map<
    string,
    { id: string; resourceId: string; address: string; token: string; expiration: number; stopped: boolean }
  >();
  /** How long watches live (Gmail: 7 days). */
  watchTtlMs = 7 * 24 * 3600_000;
  /** The emulator's clock for watch expiry (tests set it to their --now). */
  nowMs = () => Date.now();

  /** The `sync` messages sent on channel creation, with the status the address answered. */
  readonly syncMessages: { channelId: string; status: number }[] = [];

  /** What Google sends to a channel's address when the calendar changes. */
  async notifyCalendar(channelId: string, state: 'sync' | 'exists' = 'exists', token?: string): Promise<number> {
    const ch = this.channels.get(channelId);
    if (!ch) throw new Error(`no channel ${channelId}`);
    const res = await fetch(ch.address, {
      method: 'POST',
      headers: {
        'x-goog-channel-id': ch.id,
        'x-goog-channel-token': token ?? ch.token,
        'x-goog-resource-id': ch.resourceId,
        'x-goog-resource-state': state,
        'x-goog-message-number': '1',
        'x-goog-channel-expiration': new Date(ch.expiration).toUTCString(),
      },
    });
    return res.status;
  }

  /** The Calendar routes; UNMATCHED for any other path. */
  // biome-ignore lint/suspicious/noConfusingVoidType: each route returns what send() returns (void), as the other routes do
  protected async calendarRoutes(req: IncomingMessage, res: ServerResponse, u: URL): Promise<void | typeof UNMATCHED> {
    const q = u.searchParams;
    const int = (k: string, d: number) => (q.get(k) ? Number(q.get(k)) : d);
    let m: RegExpExecArray | null;
    if (u.pathname === '/calendar/v3/channels/stop' && req.method === 'POST') {
      const body = await this.readJson(req);
      const ch = this.channels.get(body.id);
      if (!ch || ch.resourceId !== body.resourceId) return this.error(res, 404, 'notFound', `Channel '${body.id}' not found for project`);
      ch.stopped = true;
      res.writeHead(204);
      return void res.end();
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/calendar\/v3\/calendars\/([^/]+)\/events\/watch$/.exec(u.pathname)) && req.method === 'POST') {
      const body = await this.readJson(req);
      if (body.type !== 'web_hook' || !/^https?:/.test(body.address ?? ''))
        return this.error(res, 400, 'invalid', 'WebHook callback must be HTTPS');
      const ttl = Number(body.params?.ttl ?? 604800) * 1000;
      const ch = {
        id: body.id,
        resourceId: `res-${m[1]}`,
        address: body.address,
        token: body.token ?? '',
        expiration: this.nowMs() + Math.min(ttl, this.watchTtlMs),
        stopped: false,
      };
      this.channels.set(ch.id, ch);
      // https://developers.google.com/calendar/api/guides/push#sync-message: "After creating a new
      // notification channel … the Google Calendar API sends a sync message", at once — it can
      // arrive before the watch answer has been stored by the caller.
      setImmediate(() => {
        this.notifyCalendar(ch.id, 'sync').then(
          (status) => this.syncMessages.push({ channelId: ch.id, status }),
          () => this.syncMessages.push({ channelId: ch.id, status: 0 }),
        );
      });
      return this.send(res, 200, {
        kind: 'api#channel',
        id: ch.id,
        resourceId: ch.resourceId,
        resourceUri: `${this.url}/calendar/v3/calendars/${m[1]}/events`,
        token: ch.token,
        expiration: String(ch.expiration),
      });
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/calendar\/v3\/calendars\/([^/]+)\/events\/([^/]+)$/.exec(u.pathname)) && req.method === 'GET') {
      // events.get (https://developers.google.com/calendar/api/v3/reference/events/get): a
      // cancelled event too ("the get method always returns them"); an instance id of a series.
      const id = decodeURIComponent(m[2]!);
      const stored = this.events.get(id);
      if (stored) {
        const { seq: _s, ...e } = stored;
        return this.send(res, 200, { kind: 'calendar#event', ...e });
      }
      const series = /^(.+)_(\d{8})(T\d{6}Z)?$/.exec(id);
      const master = series ? this.master(series[1]!) : undefined;
      if (master && series) {
        const d = series[2]!;
        const t = series[3] ?? '';
        const at = new Date(
          `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t ? `${t.slice(1, 3)}:${t.slice(3, 5)}:${t.slice(5, 7)}` : '00:00:00'}Z`,
        );
        const hit = this.instances(master, at.getTime(), at.getTime() + 1)[0];
        if (hit) return this.send(res, 200, { kind: 'calendar#event', ...hit });
      }
      return this.error(res, 404, 'notFound', 'Not Found');
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/calendar\/v3\/calendars\/([^/]+)\/events$/.exec(u.pathname))) {
      // https://developers.google.com/calendar/api/v3/reference/events/list
      const sync = q.get('syncToken');
      const single = q.get('singleEvents') === 'true';
      const timeMin = q.get('timeMin') ? Date.parse(q.get('timeMin')!) : Number.NEGATIVE_INFINITY;
      const timeMax = q.get('timeMax') ? Date.parse(q.get('timeMax')!) : this.nowMs() + OPEN_ENDED_MS;
      let changed = [...this.events.values()];
      if (sync) {
        const seq = Number(sync.replace('st-', ''));
        if (!Number.isFinite(seq) || seq < this.minSyncSeq)
          return this.error(res, 410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.');
        changed = changed.filter((e) => e.seq > seq);
      }
      changed.sort((a, b) => a.seq - b.seq);
      const evs: Json[] = [];
      for (const e of changed) {
        if (single && isMaster(e)) evs.push(...this.instances(e, sync ? Number.NEGATIVE_INFINITY : timeMin, timeMax));
        else {
          const { seq: _seq, ...rest } = e;
          evs.push(rest);
        }
      }
      // A full listing: only what overlaps the window; cancelled events only with showDeleted
      // ("The list method returns cancelled events only on incremental sync … or if the
      // showDeleted flag is set to true"). An incremental sync returns every change.
      const listed = evs.filter(
        (e) =>
          (sync || (inWindow(e, timeMin, timeMax) && (q.get('showDeleted') === 'true' || e.status !== 'cancelled'))) &&
          // A deleted series' exceptions are reported within the same bound as its instances.
          !(e.status === 'cancelled' && e.recurringEventId && this.beyondDeletedHorizon(e)),
      );
      // Live lookups (events.list reference): iCalUID "an event ID in the iCalendar format", q
      // "free text search terms to find events that match these terms in … summary, description,
      // location, attendee's displayName, attendee's email, organizer's displayName, organizer's email".
      const uid = q.get('iCalUID');
      const words = (q.get('q') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
      const found = listed.filter((e) => {
        const text = JSON.stringify([e.summary, e.description, e.location, e.attendees, e.organizer]).toLowerCase();
        return (!uid || e.iCalUID === uid) && words.every((w) => text.includes(w));
      });
      const off = int('pageToken', 0);
      const size = int('maxResults', 250);
      const slice = found.slice(off, off + size).map((e) => ({ kind: 'calendar#event', ...e }));
      const more = off + size < found.length;
      return this.send(res, 200, {
        kind: 'calendar#events',
        items: slice,
        ...(more ? { nextPageToken: String(off + size) } : { nextSyncToken: `st-${this.eventSeq}` }),
      });
    }
    return UNMATCHED;
  }
}
