// A local Microsoft 365 emulator (plain node:http) serving the documented JSON of what
// Touchpoint uses: the identity platform (its half is microsoft-identity.ts: the OpenID
// configuration, the v2.0 token endpoint and the consent page), and Graph v1.0 mailFolders/{inbox,sentitems}/messages/delta (pages with @odata.nextLink, a final
// @odata.deltaLink, 410 SyncStateNotFound), message GET with body, calendarView/delta
// (expanded occurrences, @removed), events GET, subscriptions POST/PATCH/DELETE (with the
// validation handshake against the notification URL), and switchable errors: 401, 429 and
// 503 with Retry-After, a throttling storm for N requests, and Outlook's MailboxConcurrency
// limit (a 5th concurrent request to the mailbox is refused with 429). @azure/msal-node and
// @microsoft/microsoft-graph-client are pointed at it (TOUCHPOINT_MICROSOFT_AUTHORITY,
// TOUCHPOINT_GRAPH_BASE_URL).
import { folderInfo, GraphQueryError, parseFilter, parseSearch } from './graph-search.js';
import { runInner } from './inner-request.js';
import { b64 } from './microsoft-identity.js';
import { MicrosoftSubscriptionsEmulator } from './microsoft-subscriptions.js';
import { closeServer, serveOnLoopback, UNMATCHED } from './emulator-http.js';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface MsMessage {
  id: string;
  /** The folder's id or well-known name ('inbox', 'sentitems', 'junkemail' …). */
  folder: string;
  internetMessageId?: string;
  subject: string;
  from: string;
  to: string[];
  cc?: string[];
  bcc?: string[];
  receivedDateTime: string;
  sentDateTime?: string;
  body?: string;
  isDraft?: boolean;
  /** Fields sent as given, over the ones built from the above (malformed data in tests). */
  raw?: Record<string, unknown>;
}

/**
 * A mail folder as Graph v1.0 describes it (https://learn.microsoft.com/graph/api/resources/mailfolder):
 * id, displayName, parentFolderId, childFolderCount, totalItemCount, unreadItemCount, isHidden.
 * `wellKnownName` is not a v1.0 property: it is the alias the folder answers to in URLs
 * (GET /me/mailFolders/junkemail), kept here to route those.
 */
export interface MsFolder {
  id: string;
  displayName: string;
  parentFolderId: string;
  wellKnownName?: string;
  isHidden?: boolean;
}

export interface MsEvent {
  id: string;
  [k: string]: unknown;
}

interface Stored<T> {
  seq: number;
  removed?: boolean;
  data: T;
}

const unb64 = <T>(s: string): T | null => {
  try {
    return JSON.parse(Buffer.from(s, 'base64url').toString()) as T;
  } catch {
    return null;
  }
};
/** Requests in one JSON batch (https://learn.microsoft.com/graph/json-batching). */
const GRAPH_BATCH_MAX = 20;

const rcpt = (a: string) => ({ emailAddress: { address: a, name: a.split('@')[0] } });

export class MicrosoftEmulator extends MicrosoftSubscriptionsEmulator {
  private server!: Server;
  private seq = 0;
  readonly messages = new Map<string, Stored<MsMessage>>();
  /** Live lookups (GET /me/messages) answer only after this many ms: a slow mailbox. */
  stallSearchMs = 0;
  /** Mail folders by id; the defaults Outlook creates (mailFolder › well-known folder names). */
  readonly folders = new Map<string, MsFolder>();
  /** Messages that left a folder (moved or deleted): its delta reports them as @removed. */
  private departures: { id: string; folderId: string; seq: number }[] = [];
  private folderCount = 0;
  readonly events = new Map<string, Stored<MsEvent>>();
  /**
   * How an expired delta token is answered. Graph's delta query overview lists 410 Gone with
   * `syncStateNotFound` / `resyncRequired`, and Outlook resources are seen answering 400 with
   * `syncStateInvalid` / `SyncStateNotFound` (https://learn.microsoft.com/graph/delta-query-overview).
   */
  syncStateGone: { status: number; code: string } = { status: 410, code: 'SyncStateNotFound' };
  /** Delta tokens below these answer 410 SyncStateNotFound (or `syncStateGone`). */
  minMailSeq = 0;
  minEventSeq = 0;
  /** The next N Graph requests answer 429 / 503 (alternating) with Retry-After. */
  stormRequests = 0;
  stormRetryAfter = '1';
  throttled = 0;
  /** One-off answers for the next Graph requests. */
  readonly failNext: { status: number; body: unknown; headers?: Record<string, string> }[] = [];
  /** Highest number of Graph requests in flight at once (the refused ones not counted). */
  peakInFlight = 0;
  private inFlight = 0;
  /** Requests against the mailbox answering right now (a test waits for its lone request). */
  get mailboxInFlight(): number {
    return this.inFlight;
  }
  /**
   * Outlook's MailboxConcurrency limit (https://learn.microsoft.com/graph/throttling-limits,
   * "Outlook service limits": 4 concurrent requests per app ID and mailbox): a mailbox request
   * (/v1.0/me/…) arriving while this many are in flight is refused with 429 ApplicationThrottled
   * and Retry-After, as a lone request or as one request of a $batch (Graph runs a batch's
   * requests against the same limit, each answered on its own). The emulator holds one mailbox,
   * so every connection to it shares the limit, as two apps' grants to one mailbox would not,
   * but one app's two connections would. Infinity turns the limit off.
   */
  mailboxConcurrency = 4;
  /** The Retry-After of a MailboxConcurrency refusal (a slot frees when a request ends, not on a clock). */
  concurrencyRetryAfter = '1';
  /** Requests refused over the MailboxConcurrency limit. */
  concurrencyRefused = 0;

  constructor() {
    super();
    this.defaultFolders();
  }

  private defaultFolders(): void {
    const root: MsFolder = {
      id: this.newFolderId(),
      displayName: 'Top of Information Store',
      parentFolderId: '',
      wellKnownName: 'msgfolderroot',
    };
    this.folders.set(root.id, root);
    const named: [string, string][] = [
      ['inbox', 'Inbox'],
      ['sentitems', 'Sent Items'],
      ['drafts', 'Drafts'],
      ['deleteditems', 'Deleted Items'],
      ['junkemail', 'Junk Email'],
      ['outbox', 'Outbox'],
    ];
    for (const [wellKnownName, displayName] of named) {
      const f = { id: this.newFolderId(), displayName, parentFolderId: root.id, wellKnownName };
      this.folders.set(f.id, f);
    }
  }

  /** Opaque ids, as Graph gives (base64-looking, never the display name). */
  private newFolderId(): string {
    return `AAMkAGFolder${++this.folderCount}AAA=`;
  }

  /** A folder by id or well-known name (both work in Graph URLs), case-insensitive for names. */
  folder(idOrName: string): MsFolder | undefined {
    return this.folders.get(idOrName) ?? [...this.folders.values()].find((f) => f.wellKnownName?.toLowerCase() === idOrName.toLowerCase());
  }

  /** Test helper: a new folder under `parent` (id or well-known name; default the top of the mailbox). Returns its id. */
  createFolder(displayName: string, parent = 'msgfolderroot'): string {
    const p = this.folder(parent);
    if (!p) throw new Error(`no folder ${parent}`);
    const f = { id: this.newFolderId(), displayName, parentFolderId: p.id };
    this.folders.set(f.id, f);
    return f.id;
  }

  /** Test helper: rename a folder (its id stays, as in Graph's PATCH mailFolder). */
  renameFolder(idOrName: string, displayName: string): void {
    const f = this.folder(idOrName);
    if (!f) throw new Error(`no folder ${idOrName}`);
    f.displayName = displayName;
  }

  /**
   * Test helper: DELETE /me/mailFolders/{id} (https://learn.microsoft.com/graph/api/mailfolder-delete):
   * the folder, its child folders and their messages are gone; their ids answer 404.
   */
  deleteFolder(idOrName: string): void {
    const f = this.folder(idOrName);
    if (!f) throw new Error(`no folder ${idOrName}`);
    for (const child of [...this.folders.values()].filter((c) => c.parentFolderId === f.id)) this.deleteFolder(child.id);
    for (const [id, m] of this.messages) if (this.folder(m.data.folder)?.id === f.id) this.messages.delete(id);
    this.folders.delete(f.id);
  }

  /**
   * Test helper: POST /me/messages/{id}/move (https://learn.microsoft.com/graph/api/message-move).
   * With `Prefer: IdType="ImmutableId"` the id survives the move
   * (https://learn.microsoft.com/graph/outlook-immutable-id); the source folder's delta then
   * lists it as @removed and the destination's as a new message.
   */
  moveMessage(id: string, destination: string): void {
    const s = this.messages.get(id);
    const to = this.folder(destination);
    if (!s || !to) throw new Error(`no message ${id} or folder ${destination}`);
    const from = this.folder(s.data.folder);
    if (from) this.departures.push({ id, folderId: from.id, seq: ++this.seq });
    this.messages.set(id, { seq: ++this.seq, data: { ...s.data, folder: to.id } });
  }

  private inFolder(m: MsMessage, f: MsFolder): boolean {
    return this.folder(m.folder)?.id === f.id;
  }

  private folderJson(f: MsFolder): Record<string, unknown> {
    const msgs = [...this.messages.values()].filter((s) => this.inFolder(s.data, f));
    return {
      id: f.id,
      displayName: f.displayName,
      parentFolderId: f.parentFolderId,
      childFolderCount: [...this.folders.values()].filter((c) => c.parentFolderId === f.id).length,
      unreadItemCount: 0,
      totalItemCount: msgs.length,
      isHidden: f.isHidden ?? false,
    };
  }

  async start(): Promise<this> {
    ({ server: this.server, url: this.url } = await serveOnLoopback((req, res) => this.handle(req, res)));
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  get graphBaseUrl(): string {
    return this.url;
  }

  addMessage(m: MsMessage): void {
    this.messages.set(m.id, { seq: ++this.seq, data: m });
  }

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

  /** Every delta token issued so far answers 410 from now on. */
  expireMailDelta(): void {
    // A new generation: tokens issued from now on (upTo >= this.seq) stay valid.
    this.minMailSeq = ++this.seq;
  }
  expireEventDelta(): void {
    this.minEventSeq = ++this.seq;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', this.url);
    this.log.push({ method: req.method ?? 'GET', path: `${u.pathname}${u.search}`, prefer: String(req.headers.prefer ?? '') });
    if (u.pathname.startsWith(`/${this.tenant}/`)) return this.identity(req, res, u);
    if (u.pathname === '/introspect') {
      // EMULATOR ONLY: Microsoft has no public token-introspection endpoint (Outlook IMAP checks
      // its own tokens). Dovecot's oauth2 passdb (introspection_mode = get) asks this instead,
      // as it asks Google's tokeninfo, to accept an IMAP XOAUTH2 login with our access tokens.
      const t = u.searchParams.get('access_token') ?? '';
      if (!this.accessTokens.has(t)) return this.send(res, 401, { active: false, error: 'invalid_token' });
      return this.send(res, 200, { active: true, email: this.accountEmail, scope: 'https://outlook.office.com/IMAP.AccessAsUser.All' });
    }
    const auth = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!this.accessTokens.has(auth))
      return this.graphError(res, 401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
    // The batch itself is not throttled or counted: each of its requests is, as it runs.
    if (u.pathname === '/v1.0/$batch' && req.method === 'POST') return this.batch(req, res);
    // Subscriptions are Graph's own service, not a request against the mailbox.
    const againstMailbox = u.pathname.startsWith('/v1.0/me/');
    if (againstMailbox && this.inFlight >= this.mailboxConcurrency) {
      this.concurrencyRefused++;
      return this.graphError(res, 429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {
        'retry-after': this.concurrencyRetryAfter,
      });
    }
    if (againstMailbox) this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    try {
      // A moment in flight, so that concurrent requests overlap as they would on the network.
      await new Promise((r) => setTimeout(r, 5));
      if (this.stormRequests > 0) {
        this.stormRequests--;
        this.throttled++;
        return this.throttled % 2 === 0
          ? this.graphError(res, 503, 'ServiceUnavailable', 'The service is temporarily unavailable.', {
              'retry-after': this.stormRetryAfter,
            })
          : this.graphError(res, 429, 'TooManyRequests', 'Too many requests.', { 'retry-after': this.stormRetryAfter });
      }
      const f = this.failNext.shift();
      if (f) return this.send(res, f.status, f.body, f.headers);
      return await this.graph(req, res, u);
    } finally {
      if (againstMailbox) this.inFlight--;
    }
  }

  /** $batch requests received, and the number of requests in each. */
  readonly batches: number[] = [];

  /**
   * JSON batching (https://learn.microsoft.com/graph/json-batching): {requests: [{id, method,
   * url, headers?, body?}]} with urls relative to the version; at most 20 ("JSON batch requests
   * are currently limited to 20 individual requests"), else 400 BadRequest. Each request is
   * answered on its own ({id, status, headers, body}), throttled on its own (a 429 carries its
   * Retry-After in its headers), and the mailbox's 4-at-a-time limit holds inside a batch too.
   */
  private async batch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let parsed: { requests?: { id?: unknown; method?: unknown; url?: unknown; headers?: Record<string, string>; body?: unknown }[] };
    try {
      parsed = JSON.parse(await this.body(req));
    } catch {
      return this.graphError(res, 400, 'BadRequest', 'Invalid JSON batch request body.');
    }
    const requests = parsed.requests;
    if (!Array.isArray(requests) || requests.length === 0)
      return this.graphError(res, 400, 'BadRequest', 'Invalid batch payload format: requests is missing or empty.');
    if (requests.length > GRAPH_BATCH_MAX)
      return this.graphError(
        res,
        400,
        'BadRequest',
        `Unable to process batch request: the number of requests exceeds the limit of ${GRAPH_BATCH_MAX}.`,
      );
    const ids = requests.map((r) => String(r.id ?? ''));
    if (ids.some((id) => !id) || new Set(ids).size !== ids.length)
      return this.graphError(res, 400, 'BadRequest', 'Each request in a batch needs an id, unique within the batch.');
    if (requests.some((r) => typeof r.method !== 'string' || typeof r.url !== 'string'))
      return this.graphError(res, 400, 'BadRequest', 'Each request in a batch needs a method and a url.');
    this.batches.push(requests.length);
    const responses: { id: string; status: number; headers: Record<string, string>; body?: unknown }[] = new Array(requests.length);
    let next = 0;
    const lane = async () => {
      while (next < requests.length) {
        const k = next++;
        const r = requests[k]!;
        const url = `/v1.0/${String(r.url).replace(/^\//, '')}`;
        const headers = {
          authorization: req.headers.authorization,
          ...Object.fromEntries(Object.entries(r.headers ?? {}).map(([h, v]) => [h.toLowerCase(), v])),
        };
        const body = r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
        const a = await runInner((q, s) => this.handle(q, s), { method: String(r.method), url, headers, ...(body ? { body } : {}) });
        const json = /json/.test(a.headers['content-type'] ?? '') && a.body;
        responses[k] = {
          id: ids[k]!,
          status: a.status,
          headers: a.headers,
          ...(a.body ? { body: json ? JSON.parse(a.body) : a.body } : {}),
        };
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, requests.length) }, lane));
    return this.send(res, 200, { responses });
  }

  private pageSize(req: IncomingMessage, dflt: number): number {
    const m = /odata\.maxpagesize=(\d+)/.exec(String(req.headers.prefer ?? ''));
    return m ? Number(m[1]) : dflt;
  }

  private async graph(req: IncomingMessage, res: ServerResponse, u: URL): Promise<void> {
    const q = u.searchParams;
    let m: RegExpExecArray | null;
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/v1\.0\/me\/mailFolders\/([^/]+)\/messages\/delta$/.exec(u.pathname))) {
      // Per-folder message delta (https://learn.microsoft.com/graph/api/message-delta): pages
      // with @odata.nextLink, then an @odata.deltaLink; a later round lists what arrived and, as
      // {id, @removed: {reason: 'deleted'}}, what left the folder (moved or deleted).
      const target = this.folder(decodeURIComponent(m[1]!));
      if (!target) return this.graphError(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      const segment = m[1]!;
      type Tok = { offset: number; upTo: number; after: number; since: number };
      let tok: Tok;
      if (q.get('$skiptoken')) tok = unb64<Tok>(q.get('$skiptoken')!)!;
      else if (q.get('$deltatoken')) {
        const d = unb64<{ seq: number; since: number }>(q.get('$deltatoken')!);
        if (!d || d.seq < this.minMailSeq)
          return this.graphError(
            res,
            this.syncStateGone.status,
            this.syncStateGone.code,
            'The sync state generation is not found. Please resync.',
          );
        tok = { offset: 0, upTo: this.seq, after: d.seq, since: d.since };
      } else {
        const f = /receivedDateTime ge (\S+)/.exec(q.get('$filter') ?? '');
        tok = { offset: 0, upTo: this.seq, after: 0, since: f ? Date.parse(f[1]!) : 0 };
      }
      const here = [...this.messages.values()]
        .filter(
          (s) =>
            this.inFolder(s.data, target) && s.seq > tok.after && s.seq <= tok.upTo && Date.parse(s.data.receivedDateTime) >= tok.since,
        )
        .map((s) => ({ seq: s.seq, json: this.messageJson(s.data, false) }));
      // A first round lists what is there; only a round from a delta token reports departures.
      const gone =
        tok.after > 0
          ? this.departures
              .filter((x) => x.folderId === target.id && x.seq > tok.after && x.seq <= tok.upTo)
              .map((x) => ({ seq: x.seq, json: { id: x.id, '@removed': { reason: 'deleted' } } as Record<string, unknown> }))
          : [];
      const all = [...here, ...gone].sort((a, b) => a.seq - b.seq);
      const size = this.pageSize(req, 10);
      const slice = all.slice(tok.offset, tok.offset + size);
      const link = `${this.url}/v1.0/me/mailFolders/${segment}/messages/delta`;
      const more = tok.offset + size < all.length;
      return this.send(res, 200, {
        '@odata.context': `${this.url}/v1.0/$metadata#Collection(message)`,
        value: slice.map((s) => s.json),
        ...(more
          ? { '@odata.nextLink': `${link}?$skiptoken=${b64({ ...tok, offset: tok.offset + size })}` }
          : { '@odata.deltaLink': `${link}?$deltatoken=${b64({ seq: tok.upTo, since: tok.since })}` }),
      });
    }
    // Live lookups: GET /me/messages with $filter or $search over every folder (graph-search.ts).
    if (u.pathname === '/v1.0/me/messages' && req.method === 'GET') return this.searchMessages(q, res);
    if (u.pathname === '/v1.0/me/calendarView' && req.method === 'GET') return this.calendarView(q, res);
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/v1\.0\/me\/mailFolders\/([^/]+)\/messages$/.exec(u.pathname))) {
      // List messages (https://learn.microsoft.com/graph/api/user-list-messages) with $filter on
      // receivedDateTime and $count=true: @odata.count is the number matching the filter
      // (https://learn.microsoft.com/graph/query-parameters#count-parameter).
      const target = this.folder(decodeURIComponent(m[1]!));
      if (!target) return this.graphError(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      const filter = q.get('$filter') ?? '';
      const f = /receivedDateTime ge (\S+)/.exec(filter);
      const since = f ? Date.parse(f[1]!) : 0;
      const noDrafts = /isDraft eq false/.test(filter);
      const all = [...this.messages.values()]
        .filter((s) => this.inFolder(s.data, target) && Date.parse(s.data.receivedDateTime) >= since && !(noDrafts && s.data.isDraft))
        .sort((a, b) => b.seq - a.seq);
      // Pages of $top (at most 1000), the next one an @odata.nextLink carrying $skip.
      const top = Math.min(Number(q.get('$top') ?? 10), 1000);
      const skip = Number(q.get('$skip') ?? 0);
      const next = new URL(`${this.url}${u.pathname}`);
      for (const [k, v] of q) if (k !== '$skip') next.searchParams.set(k, v);
      next.searchParams.set('$skip', String(skip + top));
      return this.send(res, 200, {
        '@odata.context': `${this.url}/v1.0/$metadata#Collection(message)`,
        ...(q.get('$count') === 'true' ? { '@odata.count': all.length } : {}),
        value: all.slice(skip, skip + top).map((s) => selected(this.messageJson(s.data, false), q.get('$select'))),
        ...(skip + top < all.length ? { '@odata.nextLink': next.toString() } : {}),
      });
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/v1\.0\/me\/mailFolders(?:\/([^/]+)\/childFolders)?$/.exec(u.pathname))) {
      // List mailFolders (https://learn.microsoft.com/graph/api/user-list-mailfolders): the
      // top-level folders; childFolders (https://learn.microsoft.com/graph/api/mailfolder-list-childfolders)
      // one level below a folder. Hidden folders only with includeHiddenFolders=true; $top
      // (default 10) with an @odata.nextLink carrying $skip.
      const parent = m[1] ? this.folder(decodeURIComponent(m[1])) : this.folder('msgfolderroot');
      if (!parent) return this.graphError(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      const hidden = q.get('includeHiddenFolders') === 'true';
      const children = [...this.folders.values()].filter((f) => f.parentFolderId === parent.id && (hidden || !f.isHidden));
      const top = Number(q.get('$top') ?? 10);
      const skip = Number(q.get('$skip') ?? 0);
      const next = new URL(`${this.url}${u.pathname}`);
      for (const [k, v] of q) if (k !== '$skip') next.searchParams.set(k, v);
      next.searchParams.set('$skip', String(skip + top));
      return this.send(res, 200, {
        '@odata.context': `${this.url}/v1.0/$metadata#users('user-1')/mailFolders`,
        value: children.slice(skip, skip + top).map((f) => this.folderJson(f)),
        ...(skip + top < children.length ? { '@odata.nextLink': next.toString() } : {}),
      });
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/v1\.0\/me\/mailFolders\/([^/]+)$/.exec(u.pathname))) {
      // Get mailFolder (https://learn.microsoft.com/graph/api/mailfolder-get), by id or well-known name.
      const f = this.folder(decodeURIComponent(m[1]!));
      if (!f) return this.graphError(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      return this.send(res, 200, this.folderJson(f));
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/v1\.0\/me\/messages\/([^/]+)$/.exec(u.pathname))) {
      const s = this.messages.get(decodeURIComponent(m[1]!));
      if (!s) return this.graphError(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      return this.send(res, 200, selected(this.messageJson(s.data, true), q.get('$select')));
    }
    if (u.pathname === '/v1.0/me/calendarView/delta') {
      type Tok = { offset: number; upTo: number; after: number; start: number; end: number };
      let tok: Tok;
      if (q.get('$skiptoken')) tok = unb64<Tok>(q.get('$skiptoken')!)!;
      else if (q.get('$deltatoken')) {
        const d = unb64<{ seq: number; start: number; end: number }>(q.get('$deltatoken')!);
        if (!d || d.seq < this.minEventSeq)
          return this.graphError(
            res,
            this.syncStateGone.status,
            this.syncStateGone.code,
            'The sync state generation is not found. Please resync.',
          );
        tok = { offset: 0, upTo: this.seq, after: d.seq, start: d.start, end: d.end };
      } else {
        const start = Date.parse(q.get('startDateTime') ?? '');
        const end = Date.parse(q.get('endDateTime') ?? '');
        if (Number.isNaN(start) || Number.isNaN(end))
          return this.graphError(
            res,
            400,
            'ErrorInvalidParameter',
            'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
          );
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
    if ((await this.subscriptionRoutes(req, res, u)) !== UNMATCHED) return;
    return this.graphError(res, 400, 'BadRequest', `Resource not found for the segment '${u.pathname}'.`);
  }

  /**
   * GET /me/messages: $filter or $search, never both (Graph answers 400, as for $search with
   * $orderby: "SearchWithOrderBy: The query parameter '$orderBy' is not supported with '$search'."),
   * newest first, $top at most 1000, each with its parentFolderId.
   */
  private async searchMessages(q: URLSearchParams, res: ServerResponse): Promise<void> {
    const filter = q.get('$filter');
    const search = q.get('$search');
    if (search && q.get('$orderby'))
      return this.graphError(res, 400, 'SearchWithOrderBy', "The query parameter '$orderBy' is not supported with '$search'.");
    if (search && filter)
      return this.graphError(res, 400, 'SearchWithFilter', "The query parameter '$filter' is not supported with '$search'.");
    let match: (m: MsMessage) => boolean = () => true;
    try {
      if (filter) match = parseFilter(filter);
      else if (search !== null) match = parseSearch(search);
    } catch (err) {
      if (err instanceof GraphQueryError) return this.graphError(res, 400, err.code, err.message);
      throw err;
    }
    if (this.stallSearchMs) await new Promise((r) => setTimeout(r, this.stallSearchMs));
    const top = Math.min(Number(q.get('$top') ?? 10), 1000);
    const found = [...this.messages.values()]
      .filter((s) => !s.removed && match(s.data))
      .sort((a, b) => Date.parse(b.data.receivedDateTime) - Date.parse(a.data.receivedDateTime))
      .slice(0, top);
    return this.send(res, 200, {
      '@odata.context': `${this.url}/v1.0/$metadata#users('me')/messages`,
      value: found.map((s) => ({
        ...this.messageJson(s.data, false),
        parentFolderId: this.folder(s.data.folder)?.id ?? folderInfo(s.data.folder).id,
      })),
    });
  }

  /** GET /me/calendarView: occurrences overlapping [startDateTime, endDateTime), series masters left out. */
  private calendarView(q: URLSearchParams, res: ServerResponse) {
    const start = Date.parse(q.get('startDateTime') ?? '');
    const end = Date.parse(q.get('endDateTime') ?? '');
    if (Number.isNaN(start) || Number.isNaN(end))
      return this.graphError(
        res,
        400,
        'ErrorInvalidParameter',
        'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
      );
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

  private messageJson(m: MsMessage, withBody: boolean): Record<string, unknown> {
    return {
      '@odata.etag': `W/"${m.id}"`,
      id: m.id,
      receivedDateTime: m.receivedDateTime,
      sentDateTime: m.sentDateTime ?? m.receivedDateTime,
      subject: m.subject,
      isDraft: m.isDraft ?? false,
      ...(m.internetMessageId ? { internetMessageId: `<${m.internetMessageId}>` } : {}),
      from: rcpt(m.from),
      sender: rcpt(m.from),
      toRecipients: m.to.map(rcpt),
      ccRecipients: (m.cc ?? []).map(rcpt),
      bccRecipients: (m.bcc ?? []).map(rcpt),
      ...(withBody ? { body: { contentType: 'html', content: `<html><body><p>${m.body ?? ''}</p></body></html>` } } : {}),
      ...m.raw,
    };
  }
}

/** $select: only the properties asked for (with id and the etag, which Graph always sends). */
function selected(json: Record<string, unknown>, select: string | null): Record<string, unknown> {
  if (!select) return json;
  const keep = new Set(['id', '@odata.etag', ...select.split(',').map((p) => p.trim())]);
  return Object.fromEntries(Object.entries(json).filter(([k]) => keep.has(k)));
}
