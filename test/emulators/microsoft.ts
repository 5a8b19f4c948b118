// A local Microsoft 365 emulator (plain node:http) serving the documented JSON of what
// Touchpoint uses: the identity platform (microsoft-identity.ts: the OpenID configuration, the
// v2.0 token endpoint and the consent page), and Graph v1.0: mail folders, messages and their
// per-folder delta (microsoft-mail.ts), calendarView and its delta, events GET
// (microsoft-calendar.ts), subscriptions POST/PATCH/DELETE with the validation handshake against
// the notification URL (microsoft-subscriptions.ts). This file is the server in front of them:
// the bearer check, JSON batching, and switchable errors: 401, 429 and 503 with Retry-After, a
// throttling storm for N requests, and Outlook's MailboxConcurrency limit (a 5th concurrent
// request to the mailbox is refused with 429). @azure/msal-node and
// @microsoft/microsoft-graph-client are pointed at it (TOUCHPOINT_MICROSOFT_AUTHORITY,
// TOUCHPOINT_GRAPH_BASE_URL).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, serveOnLoopback, UNMATCHED } from './emulator-http.js';
import { runInner } from './inner-request.js';
import { MicrosoftMailEmulator } from './microsoft-mail.js';

export type { MsEvent } from './microsoft-calendar.js';
export type { MsMessage } from './microsoft-mail.js';

/** Requests in one JSON batch (https://learn.microsoft.com/graph/json-batching). */
const GRAPH_BATCH_MAX = 20;

export class MicrosoftEmulator extends MicrosoftMailEmulator {
  private server!: Server;
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

  /** Graph's routes: mail, calendar, subscriptions; any other path answers 400 as Graph does. */
  private async graph(req: IncomingMessage, res: ServerResponse, u: URL): Promise<void> {
    if ((await this.mailRoutes(req, res, u)) !== UNMATCHED) return;
    if (this.calendarRoutes(req, res, u) !== UNMATCHED) return;
    if ((await this.subscriptionRoutes(req, res, u)) !== UNMATCHED) return;
    return this.graphError(res, 400, 'BadRequest', `Resource not found for the segment '${u.pathname}'.`);
  }
}
