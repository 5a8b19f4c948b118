// A local Google emulator (plain node:http) serving the documented JSON of the endpoints
// Touchpoint uses: the OAuth token endpoint (google-identity.ts), Gmail users.getProfile / messages.list /
// messages.get (metadata, raw, full: gmail-full.ts) / messages.attachments.get / history.list, the batch endpoint (gmail-batch.ts), and Calendar (google-calendar.ts). Errors as Google
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
import type { IncomingMessage, ServerResponse } from 'node:http';
import { boundaryOf, formatBatchAnswer, GMAIL_BATCH_MAX, parsePart, splitMultipart } from './gmail-batch.js';
import { type FullMessage, fullMessage } from './gmail-full.js';
import { GMAIL_USER_QUOTA, gmailUnits, QuotaBucket, type QuotaSettings } from './gmail-quota.js';
import { GmailQueryError, type MessageFilter, parseGmailQuery } from './gmail-query.js';
import { GoogleCalendarEmulator } from './google-calendar.js';
import { runInner } from './inner-request.js';
import { UNMATCHED } from './emulator-http.js';

export type { GEvent } from './google-calendar.js';
export { googleErrorBody } from './google-identity.js';

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

export class GoogleEmulator extends GoogleCalendarEmulator {
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

  /** Gmail users.watch calls (topic, labels). */
  readonly gmailWatches: { topicName: string; labelIds: string[] }[] = [];

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

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', this.url);
    this.log.push(`${req.method} ${u.pathname}${u.search}`);
    if ((await this.identityRoutes(req, res, u)) !== UNMATCHED) return;
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
    if ((await this.calendarRoutes(req, res, u)) !== UNMATCHED) return;
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
    return this.error(res, 404, 'notFound', `no such endpoint ${u.pathname}`);
  }
}
