// A local Google emulator (plain node:http) serving the documented JSON of the endpoints
// Touchpoint uses: the OAuth token endpoint, Gmail users.getProfile / messages.list /
// messages.get (metadata, raw, full: gmail-full.ts) / messages.attachments.get / history.list, the batch endpoint (gmail-batch.ts), and Calendar events.list. Errors as Google
// sends them (body {error: {code, message, errors: [{domain, reason, message}], status}}):
// 400 invalid_grant, 401, 403 rateLimitExceeded / userRateLimitExceeded / dailyLimitExceeded
// (domain usageLimits), 404 history expired, 410 sync token gone, 429 with Retry-After, and
// the per-user quota (gmail-quota.ts: 250 units a second, on by default). The
// real client libraries are pointed at it with rootUrl / the token URL override.
//
// Gmail mailbox changes follow the reference pages (each method below cites its page):
// https://developers.google.com/gmail/api/reference/rest/v1/users.history/list — one history
// record per change, of four types (messageAdded, messageDeleted, labelAdded, labelRemoved),
// filtered by `historyTypes` and `labelId`; a label change on an existing message is a
// labelsAdded / labelsRemoved record, never a messagesAdded one.
import { type FullMessage, fullMessage } from './gmail-full.js';
import { boundaryOf, formatBatchAnswer, GMAIL_BATCH_MAX, parsePart, splitMultipart } from './gmail-batch.js';
import { GMAIL_USER_QUOTA, gmailUnits, QuotaBucket, type QuotaSettings } from './gmail-quota.js';
import { GmailQueryError, type MessageFilter, parseGmailQuery } from './gmail-query.js';
import { runInner } from './inner-request.js';
import { type PendingCode, redeemCode } from './auth-codes.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

export interface GmailMessage {
  id: string;
  labelIds: string[];
  internalDate: number;
  raw: string;
  historyId: number;
}

/** https://developers.google.com/gmail/api/reference/rest/v1/users.history/list#HistoryType */
export type HistoryType = 'messageAdded' | 'messageDeleted' | 'labelAdded' | 'labelRemoved';
const HISTORY_TYPES: readonly HistoryType[] = ['messageAdded', 'messageDeleted', 'labelAdded', 'labelRemoved'];
/** The response field of each history type (users.history resource "History"). */
const HISTORY_FIELD: Record<HistoryType, string> = {
  messageAdded: 'messagesAdded',
  messageDeleted: 'messagesDeleted',
  labelAdded: 'labelsAdded',
  labelRemoved: 'labelsRemoved',
};

interface HistoryRecord {
  id: number;
  type: HistoryType;
  messageId: string;
  /** The message's labels at the time of the change (what Gmail puts in `message.labelIds`). */
  labelsThen: string[];
  /** labelAdded / labelRemoved: the labels that changed. */
  changed?: string[];
}

/** Google's canonical status names for the HTTP codes the emulator answers (google.rpc.Code). */
const CANONICAL: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  410: 'GONE',
  429: 'RESOURCE_EXHAUSTED',
  503: 'UNAVAILABLE',
};

/** Google's JSON error body (https://developers.google.com/gmail/api/guides/handle-errors). */
export function googleErrorBody(code: number, reason: string, message: string, domain = 'global'): unknown {
  return { error: { code, message, errors: [{ message, domain, reason }], status: CANONICAL[code] ?? 'UNKNOWN' } };
}

export interface GEvent {
  id: string;
  [k: string]: unknown;
}

export class GoogleEmulator {
  private server!: Server;
  url = '';
  readonly messages = new Map<string, GmailMessage>();
  private history: HistoryRecord[] = [];
  /**
   * Gmail's per-project daily quota is used up: every API request answers 403
   * dailyLimitExceeded (domain usageLimits) while this is true, as Google does until the
   * quota resets at midnight Pacific time (https://developers.google.com/gmail/api/guides/handle-errors#resolve_a_403_error_daily_limit_exceeded).
   */
  dailyLimitExceeded = false;
  historyId = 100;
  /** history.list with a startHistoryId below this answers 404. */
  minHistoryId = 0;
  readonly refreshTokens = new Set<string>();
  /** The Google account's address (users.getProfile, tokeninfo). */
  accountEmail = 'me@example.com';
  private accessTokens = new Set<string>();
  private tokenCount = 0;
  /** Token endpoint rotates the refresh token on each refresh. */
  rotate = false;
  /** Every API (not token) request answers 429 while this is > now. */
  stormUntil = 0;
  /** Arms a storm of this many ms that starts with the next API request. */
  stormFor = 0;
  stormRetryAfter = '1';
  /** Requests answered 429/403 during the storm. */
  throttled = 0;
  /** Queue of one-off error answers for the next API requests. */
  readonly failNext: { status: number; body: unknown; headers?: Record<string, string> }[] = [];
  readonly log: string[] = [];
  readonly events = new Map<string, GEvent & { seq: number }>();
  private eventSeq = 0;
  /** Calendar sync tokens older than this answer 410. */
  minSyncSeq = 0;
  /**
   * The per-user rate limit (gmail-quota.ts), on by default with Gmail's documented numbers: a
   * request over it answers 403 userRateLimitExceeded (domain usageLimits) with no Retry-After,
   * as a lone request or as one part of a batch. `null` turns it off, only for a test that
   * counts requests exactly or reads more than the quota allows in its time.
   */
  userQuota: QuotaBucket | null = new QuotaBucket(GMAIL_USER_QUOTA);
  /** Sets the per-user quota (null: off). */
  setUserQuota(settings: QuotaSettings | null): void {
    this.userQuota = settings ? new QuotaBucket(settings) : null;
  }
  /**
   * format=full: the largest text part (bytes) sent inline as `data`; a larger one carries an
   * attachmentId (Gmail does the same for large bodies but documents no number).
   */
  fullInlineLimit = 1024 * 1024;
  /** format=full trees by stored message (a deleted id added again is a new one): built once, as the service keeps its own parse. */
  private fullTrees = new WeakMap<GmailMessage, { limit: number; tree: Promise<FullMessage> }>();
  private fullTree(msg: GmailMessage): Promise<FullMessage> {
    let t = this.fullTrees.get(msg);
    if (!t || t.limit !== this.fullInlineLimit) {
      t = { limit: this.fullInlineLimit, tree: fullMessage(Buffer.from(msg.raw), msg.id, this.fullInlineLimit) };
      this.fullTrees.set(msg, t);
    }
    return t.tree;
  }
  /** Searches (a messages.list q other than the sync's after:) answer only after this many ms: a slow mailbox. */
  stallSearchMs = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  get tokenUrl(): string {
    return `${this.url}/token`;
  }
  get rootUrl(): string {
    return `${this.url}/`;
  }

  issueRefreshToken(): string {
    const t = `1//rt-${++this.tokenCount}-${Math.random().toString(36).slice(2)}`;
    this.refreshTokens.add(t);
    return t;
  }

  revokeAll(): void {
    this.refreshTokens.clear();
    this.accessTokens.clear();
  }

  /**
   * A message arrives with these labels: one messageAdded record. Adding an id that exists
   * applies the labels it lacks (labelAdded), as users.messages.modify would.
   */
  addMessage(id: string, raw: string, at: string, labelIds: string[] = ['INBOX']): void {
    if (this.messages.has(id)) {
      this.modifyLabels(id, labelIds, []);
      return;
    }
    this.historyId += 1;
    this.messages.set(id, { id, labelIds: [...labelIds], internalDate: Date.parse(at), raw, historyId: this.historyId });
    this.record('messageAdded', id);
  }

  /**
   * users.messages.modify (https://developers.google.com/gmail/api/reference/rest/v1/users.messages/modify):
   * the labels the message did not have → one labelAdded record, the ones it had → labelRemoved.
   * "Not spam" in Gmail is modify(add INBOX, remove SPAM); a message keeps its id throughout.
   */
  modifyLabels(id: string, add: string[], remove: string[]): void {
    const msg = this.messages.get(id);
    if (!msg) throw new Error(`no message ${id}`);
    const added = add.filter((l) => !msg.labelIds.includes(l));
    const removed = remove.filter((l) => msg.labelIds.includes(l) && !add.includes(l));
    msg.labelIds = [...msg.labelIds.filter((l) => !removed.includes(l)), ...added];
    if (added.length) {
      this.historyId += 1;
      msg.historyId = this.historyId;
      this.record('labelAdded', id, added);
    }
    if (removed.length) {
      this.historyId += 1;
      msg.historyId = this.historyId;
      this.record('labelRemoved', id, removed);
    }
  }

  /** users.messages.trash / untrash: the TRASH label added / removed (labelAdded / labelRemoved). */
  trash(id: string): void {
    this.modifyLabels(id, ['TRASH'], []);
  }
  untrash(id: string): void {
    this.modifyLabels(id, [], ['TRASH']);
  }

  /** users.messages.delete (permanent): one messageDeleted record; messages.get answers 404 after. */
  deleteMessage(id: string): void {
    if (!this.messages.has(id)) return;
    this.historyId += 1;
    this.record('messageDeleted', id);
    this.messages.delete(id);
  }

  /**
   * users.drafts.send (https://developers.google.com/gmail/api/guides/drafts): "sending a draft
   * automatically deletes the draft and creates a new message with an updated ID that has the
   * SENT system label". So: messageDeleted for the draft's message, messageAdded for the sent one.
   */
  sendDraft(draftMessageId: string, sentId: string, at: string): void {
    const draft = this.messages.get(draftMessageId);
    if (!draft?.labelIds.includes('DRAFT')) throw new Error(`no draft ${draftMessageId}`);
    this.deleteMessage(draftMessageId);
    this.addMessage(sentId, draft.raw, at, ['SENT']);
  }

  private record(type: HistoryType, messageId: string, changed?: string[]): void {
    const labelsThen = [...(this.messages.get(messageId)?.labelIds ?? [])];
    this.history.push({ id: this.historyId, type, messageId, labelsThen, ...(changed ? { changed } : {}) });
  }

  /** Forget history up to now: older startHistoryIds answer 404. */
  expireHistory(): void {
    this.minHistoryId = this.historyId + 1;
    this.history = [];
  }

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

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  }

  private error(
    res: ServerResponse,
    status: number,
    reason: string,
    message: string,
    headers: Record<string, string> = {},
    domain = 'global',
  ): void {
    this.send(res, status, googleErrorBody(status, reason, message, domain), headers);
  }

  /**
   * The consent page: what the user does there. 'allow' redirects back with a code, 'deny'
   * with error=access_denied (the user pressed Cancel).
   */
  consent: 'allow' | 'deny' = 'allow';
  /** Authorization codes given out on the consent page, with the PKCE challenge they need. */
  private codes = new Map<string, PendingCode>();
  /** The scopes of the last consent page shown. */
  lastConsentScopes: string[] = [];

  get authUrl(): string {
    return `${this.url}/o/oauth2/v2/auth`;
  }

  private consentPage(u: URL, res: ServerResponse): void {
    const q = u.searchParams;
    const redirect = new URL(q.get('redirect_uri') ?? '');
    const state = q.get('state');
    this.lastConsentScopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
    if (q.get('response_type') !== 'code' || q.get('access_type') !== 'offline' || !q.get('code_challenge')) {
      redirect.searchParams.set('error', 'invalid_request');
    } else if (this.consent === 'deny') {
      redirect.searchParams.set('error', 'access_denied');
    } else {
      const code = `4/code-${++this.tokenCount}`;
      this.codes.set(code, {
        challenge: q.get('code_challenge')!,
        method: q.get('code_challenge_method') ?? 'plain',
        redirectUri: redirect.toString(),
        scope: q.get('scope') ?? '',
      });
      redirect.searchParams.set('code', code);
      redirect.searchParams.set('scope', q.get('scope') ?? '');
    }
    if (state) redirect.searchParams.set('state', state);
    res.writeHead(302, { location: redirect.toString() });
    res.end();
  }

  /** grant_type=authorization_code: one use per code, PKCE verifier and redirect_uri checked. */
  private exchangeCode(p: URLSearchParams, res: ServerResponse): void {
    const grant = redeemCode(this.codes, p);
    if (!grant) {
      this.send(res, 400, { error: 'invalid_grant', error_description: 'Malformed auth code.' });
      return;
    }
    const at = `ya29.at-${++this.tokenCount}`;
    this.accessTokens.add(at);
    this.send(res, 200, {
      access_token: at,
      refresh_token: this.issueRefreshToken(),
      expires_in: 3599,
      token_type: 'Bearer',
      scope: grant.scope,
    });
  }

  /** Gmail users.watch calls (topic, labels) and Calendar channels opened / stopped. */
  readonly gmailWatches: { topicName: string; labelIds: string[] }[] = [];
  readonly channels = new Map<
    string,
    { id: string; resourceId: string; address: string; token: string; expiration: number; stopped: boolean }
  >();
  /** How long watches live (Gmail: 7 days). */
  watchTtlMs = 7 * 24 * 3600_000;
  /** The emulator's clock for watch expiry (tests set it to their --now). */
  nowMs = () => Date.now();

  private async readBody(req: IncomingMessage): Promise<string> {
    let body = '';
    for await (const chunk of req) body += chunk;
    return body;
  }

  // biome-ignore lint/suspicious/noExplicitAny: each route reads the fields it expects from a fake API's request body
  private async readJson(req: IncomingMessage): Promise<any> {
    const body = await this.readBody(req);
    return body ? JSON.parse(body) : {};
  }

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

  /** Batch requests received, and the number of parts in each (gmail-batch.ts). */
  readonly batches: number[] = [];

  /** POST /batch/gmail/v1: every part answered by this handler, in order (gmail-batch.ts). */
  private async batch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const boundary = boundaryOf(req.headers['content-type']);
    if (!boundary) return this.error(res, 400, 'badRequest', 'Batch request must be multipart/mixed with a boundary.');
    const sections = splitMultipart(await this.readBody(req), boundary);
    if (sections.length > GMAIL_BATCH_MAX)
      return this.error(res, 400, 'badRequest', `Too many requests in a batch: ${sections.length}, the limit is ${GMAIL_BATCH_MAX}.`);
    this.batches.push(sections.length);
    const answers = [];
    for (const section of sections) {
      const part = parsePart(section);
      if (!part) return this.error(res, 400, 'badRequest', 'Each batch part must be Content-Type: application/http.');
      const headers = { ...req.headers, 'content-type': undefined, ...part.headers };
      answers.push({ contentId: part.contentId, answer: await runInner((q, r) => this.handle(q, r), { ...part, headers }) });
    }
    const out = `batch_${Math.random().toString(36).slice(2)}`;
    res.writeHead(200, { 'content-type': `multipart/mixed; boundary=${out}` });
    res.end(formatBatchAnswer(out, answers));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', this.url);
    this.log.push(`${req.method} ${u.pathname}${u.search}`);
    if (u.pathname === '/o/oauth2/v2/auth' && req.method === 'GET') return this.consentPage(u, res);
    if (u.pathname === '/token' && req.method === 'POST') {
      const p = new URLSearchParams(await this.readBody(req));
      if (p.get('grant_type') === 'authorization_code') return this.exchangeCode(p, res);
      const rt = p.get('refresh_token') ?? '';
      if (p.get('grant_type') !== 'refresh_token' || !this.refreshTokens.has(rt)) {
        return this.send(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      }
      const at = `ya29.at-${++this.tokenCount}`;
      this.accessTokens.add(at);
      const out: Record<string, unknown> = {
        access_token: at,
        expires_in: 3599,
        token_type: 'Bearer',
        scope: 'https://www.googleapis.com/auth/gmail.readonly',
      };
      if (this.rotate) {
        this.refreshTokens.delete(rt);
        out.refresh_token = this.issueRefreshToken();
      }
      return this.send(res, 200, out);
    }
    if (u.pathname === '/oauth2/v3/tokeninfo') {
      // What Dovecot's oauth2 passdb asks to accept an IMAP XOAUTH2 login.
      const t = u.searchParams.get('access_token') ?? '';
      if (!this.accessTokens.has(t)) return this.send(res, 400, { error: 'invalid_token', error_description: 'Invalid Value' });
      return this.send(res, 200, {
        aud: 'test-client.apps.googleusercontent.com',
        scope: 'https://mail.google.com/',
        email: this.accountEmail,
        email_verified: 'true',
        expires_in: '3599',
        access_type: 'offline',
      });
    }
    const auth = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!this.accessTokens.has(auth))
      return this.error(res, 401, 'authError', 'Request had invalid authentication credentials.', {
        'www-authenticate': 'Bearer realm="https://accounts.google.com/"',
      });
    // Each part goes through this handler again: quota, storms and failNext apply per part.
    if (u.pathname === '/batch/gmail/v1' && req.method === 'POST') return this.batch(req, res);
    if (this.dailyLimitExceeded) return this.error(res, 403, 'dailyLimitExceeded', 'Daily Limit Exceeded', {}, 'usageLimits');
    if (this.stormFor) {
      this.stormUntil = Date.now() + this.stormFor;
      this.stormFor = 0;
    }
    if (this.stormUntil > Date.now()) {
      this.throttled++;
      // Google's three ways of saying "not now": 403 rateLimitExceeded, 503 backendError, 429.
      // https://developers.google.com/gmail/api/guides/handle-errors: 403 userRateLimitExceeded /
      // rateLimitExceeded and 429 rateLimitExceeded, all of domain usageLimits; 503 backendError.
      if (this.throttled % 3 === 0) return this.error(res, 403, 'userRateLimitExceeded', 'User Rate Limit Exceeded', {}, 'usageLimits');
      if (this.throttled % 5 === 0) return this.error(res, 503, 'backendError', 'The service is currently unavailable.');
      return this.error(
        res,
        429,
        'rateLimitExceeded',
        'Too many concurrent requests for user.',
        { 'retry-after': this.stormRetryAfter },
        'usageLimits',
      );
    }
    const units = gmailUnits(req.method ?? 'GET', u.pathname);
    if (units && this.userQuota && !this.userQuota.take(units))
      return this.error(res, 403, 'userRateLimitExceeded', 'User Rate Limit Exceeded', {}, 'usageLimits');
    const f = this.failNext.shift();
    if (f) return this.send(res, f.status, f.body, f.headers);

    const q = u.searchParams;
    const int = (k: string, d: number) => (q.get(k) ? Number(q.get(k)) : d);
    let m: RegExpExecArray | null;
    if (u.pathname === '/gmail/v1/users/me/watch' && req.method === 'POST') {
      const body = await this.readJson(req);
      if (!/^projects\/[^/]+\/topics\/[^/]+$/.test(body.topicName ?? ''))
        return this.error(res, 400, 'invalidArgument', 'Invalid topicName does not match projects/*/topics/*');
      this.gmailWatches.push({ topicName: body.topicName, labelIds: body.labelIds ?? [] });
      return this.send(res, 200, { historyId: String(this.historyId), expiration: String(this.nowMs() + this.watchTtlMs) });
    }
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
    if (u.pathname === '/gmail/v1/users/me/profile') {
      return this.send(res, 200, { emailAddress: this.accountEmail, messagesTotal: this.messages.size, historyId: String(this.historyId) });
    }
    if (u.pathname === '/gmail/v1/users/me/messages') {
      // https://developers.google.com/gmail/api/reference/rest/v1/users.messages/list:
      // includeSpamTrash (default false) leaves out messages in SPAM and TRASH; drafts are listed.
      // q: Gmail's search syntax (gmail-query.ts); a query it cannot read answers 400.
      let matches: MessageFilter;
      try {
        matches = parseGmailQuery(q.get('q') ?? '');
      } catch (err) {
        if (err instanceof GmailQueryError) return this.error(res, 400, 'invalidArgument', err.message);
        throw err;
      }
      if (this.stallSearchMs && q.get('q') && !/^after:\d+$/.test(q.get('q')!)) await new Promise((r) => setTimeout(r, this.stallSearchMs));
      const spamTrash = q.get('includeSpamTrash') === 'true';
      const all = [...this.messages.values()]
        .filter((x) => matches(x))
        .filter((x) => spamTrash || !x.labelIds.some((l) => l === 'SPAM' || l === 'TRASH'))
        .sort((a, b) => b.internalDate - a.internalDate);
      const off = int('pageToken', 0);
      const size = int('maxResults', 100);
      const slice = all.slice(off, off + size);
      return this.send(res, 200, {
        messages: slice.map((x) => ({ id: x.id, threadId: x.id })),
        resultSizeEstimate: all.length,
        ...(off + size < all.length ? { nextPageToken: String(off + size) } : {}),
      });
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/gmail\/v1\/users\/me\/messages\/([^/]+)\/attachments\/([^/]+)$/.exec(u.pathname))) {
      // https://developers.google.com/gmail/api/reference/rest/v1/users.messages.attachments/get: a MessagePartBody.
      const msg = this.messages.get(decodeURIComponent(m[1]!));
      const content = msg && (await this.fullTree(msg)).attachments.get(decodeURIComponent(m[2]!));
      if (!content) return this.error(res, 404, 'notFound', 'Requested entity was not found.');
      return this.send(res, 200, { size: content.length, data: content.toString('base64url') });
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/gmail\/v1\/users\/me\/messages\/([^/]+)$/.exec(u.pathname))) {
      const msg = this.messages.get(decodeURIComponent(m[1]!));
      if (!msg) return this.error(res, 404, 'notFound', 'Requested entity was not found.');
      const base = {
        id: msg.id,
        threadId: msg.id,
        labelIds: msg.labelIds,
        historyId: String(msg.historyId),
        internalDate: String(msg.internalDate),
        sizeEstimate: msg.raw.length,
      };
      if (q.get('format') === 'raw') return this.send(res, 200, { ...base, raw: Buffer.from(msg.raw).toString('base64url') });
      if (q.get('format') === 'full') {
        const { payload } = await this.fullTree(msg);
        return this.send(res, 200, { ...base, snippet: '', payload });
      }
      const want = new Set(q.getAll('metadataHeaders').map((h) => h.toLowerCase()));
      const head = msg.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
      const headers = head
        .split(/\r?\n/)
        .map((l) => {
          const i = l.indexOf(':');
          return { name: l.slice(0, i), value: l.slice(i + 1).trim() };
        })
        .filter((h) => !want.size || want.has(h.name.toLowerCase()));
      return this.send(res, 200, { ...base, snippet: '', payload: { mimeType: 'text/plain', headers } });
    }
    if (u.pathname === '/gmail/v1/users/me/history') {
      // https://developers.google.com/gmail/api/reference/rest/v1/users.history/list
      const start = int('startHistoryId', 0);
      if (!q.get('startHistoryId')) return this.error(res, 400, 'invalidArgument', 'Missing required parameter: startHistoryId');
      // "History IDs are typically valid for at least a week … an HTTP 404 error response".
      if (start < this.minHistoryId) return this.error(res, 404, 'notFound', 'Requested entity was not found.');
      const types = q.getAll('historyTypes').flatMap((t) => t.split(','));
      const bad = types.find((t) => !HISTORY_TYPES.includes(t as HistoryType));
      if (bad) return this.error(res, 400, 'invalidArgument', `Invalid value at 'history_types' (${bad})`);
      const labelId = q.get('labelId');
      const recs = this.history.filter(
        (h) =>
          h.id > start &&
          (!types.length || types.includes(h.type)) &&
          // labelId: "Only return messages with a label matching the ID".
          (!labelId || h.labelsThen.includes(labelId) || !!h.changed?.includes(labelId)),
      );
      const off = int('pageToken', 0);
      const size = Math.min(int('maxResults', 100), 500);
      const slice = recs.slice(off, off + size);
      return this.send(res, 200, {
        ...(slice.length
          ? {
              history: slice.map((h) => {
                const message = { id: h.messageId, threadId: h.messageId, labelIds: h.labelsThen };
                const change = h.changed ? { message, labelIds: h.changed } : { message };
                return { id: String(h.id), messages: [{ id: h.messageId, threadId: h.messageId }], [HISTORY_FIELD[h.type]]: [change] };
              }),
            }
          : {}),
        historyId: String(this.historyId),
        ...(off + size < recs.length ? { nextPageToken: String(off + size) } : {}),
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
    return this.error(res, 404, 'notFound', `no such endpoint ${u.pathname}`);
  }
}
