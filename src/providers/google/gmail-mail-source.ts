// Gmail over the official client (@googleapis/gmail). First sync: the mailbox's current
// historyId, then messages.list `after:<authorizedAt epoch>` page by page. Then
// history.list(startHistoryId) for messages added and for label changes that bring a
// message into view (SPAM / TRASH / DRAFT removed: "Not spam", restored from Trash) —
// messages in Spam, Trash or Drafts are never sighted, so a message can first become
// syncable through a label change, never through messagesAdded. Moving mail into Spam or
// Trash is not sighted again (as Graph's @removed): what was stored stays. A sent draft is a
// new message id with SENT (Gmail's drafts guide), so it arrives as messagesAdded. History expired (404) → the same bounded
// listing since authorizedAt again (never a skip-ahead); messages already stored are the
// same refs, so they do not duplicate. Pages carry metadata (headers) only, read in batches of
// up to 100 messages.get (gmail-batch.ts); `fetchBody` reads format=full for linked mail (text
// parts inline, attachments left on the server: gmail-full-body.ts; format=raw for what the
// tree cannot give), batched the same way, as is `fetchMany` (a directory change's page of re-reads). One Gmail
// message id is one sighting whatever its labels (INBOX + SENT + IMPORTANT is one message).
import { gmail, type gmail_v1 } from '@googleapis/gmail';
import { asError } from '../../domain/as-error.js';
import { chunksOf } from '../../domain/chunks.js';
import { mapLimit } from '../../domain/map-limit.js';
import type { EmailItem } from '../../domain/items.js';
import { itemFromFields } from '../../formats/mime/header-fields.js';
import { withOneLineBody } from '../../formats/mime/one-line-body.js';
import { MalformedItemError, parseEmail } from '../../formats/mime/parse-email.js';
import type { Cursor, FetchOutcome, ItemError, MailPage, MailSighting, MailSource } from '../types.js';
import { SourceError } from '../types.js';
import { historicWindowStart } from '../historic-window.js';
import type { GoogleTokens } from './auth.js';
import { googleCall, GoogleHttpError, type RetryPolicy } from './call.js';
import { bodyFromFullPayload } from './gmail-full-body.js';
import { batchGet, batchGetSettled, GMAIL_BATCH_MAX, type GetPath } from './gmail-batch.js';

export interface GmailCursor {
  /** history.list starts here once the listing is done. */
  historyId: string;
  /** Set while the bounded listing is in progress. */
  listing?: { pageToken: string | null };
}

export interface GmailOptions {
  tokens: GoogleTokens;
  authorizedAt: Date;
  rootUrl?: string;
  pageSize?: number;
  retry?: RetryPolicy;
  /** Batch requests in flight per mailbox (a history page can name more than 100 messages). */
  concurrency?: number;
}

/**
 * Ids per messages.list page of the initial listing (Gmail allows 500): 5 batches of 100, 4 in
 * flight, and one page's transaction.
 */
const LIST_PAGE = 500;

const METADATA_HEADERS = ['From', 'To', 'Cc', 'Bcc', 'Subject', 'Date', 'Message-ID', 'Sender', 'Reply-To'];
// messages.get as a batch part's request line: the whole message, or only these headers.
const rawPath = (id: string) => `/gmail/v1/users/me/messages/${encodeURIComponent(id)}?format=raw`;
const fullPath = (id: string) => `/gmail/v1/users/me/messages/${encodeURIComponent(id)}?format=full`;
const metadataPath = (id: string) =>
  `/gmail/v1/users/me/messages/${encodeURIComponent(id)}?format=metadata&${METADATA_HEADERS.map((h) => `metadataHeaders=${encodeURIComponent(h)}`).join('&')}`;

export class GmailMailSource implements MailSource {
  private api: gmail_v1.Gmail;

  constructor(private o: GmailOptions) {
    this.api = gmail({ version: 'v1', auth: o.tokens.client, retry: false, ...(o.rootUrl ? { rootUrl: o.rootUrl } : {}) });
  }

  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return googleCall(this.o.tokens, what, fn, this.o.retry);
  }

  private batchOptions() {
    return {
      tokens: this.o.tokens,
      ...(this.o.rootUrl ? { rootUrl: this.o.rootUrl } : {}),
      ...(this.o.retry ? { retry: this.o.retry } : {}),
    };
  }

  async *changes(cursor: Cursor | null): AsyncIterable<MailPage> {
    let c = readCursor(cursor);
    if (!c) c = await this.startListing();
    if (c.listing) {
      yield* this.list(c);
      return;
    }
    try {
      yield* this.history(c.historyId);
    } catch (err) {
      if (err instanceof GoogleHttpError && err.status === 404) {
        // History no longer available: list again since authorizedAt (bounded), never skip ahead.
        yield* this.list(await this.startListing());
        return;
      }
      throw translate(err);
    }
  }

  private async startListing(): Promise<GmailCursor> {
    const profile = await this.call('users.getProfile', () => this.api.users.getProfile({ userId: 'me' }));
    const historyId = profile.data.historyId;
    if (!historyId) throw new SourceError('INTERNAL', 'Gmail returned no historyId for this mailbox');
    return { historyId, listing: { pageToken: null } };
  }

  private async *list(c: GmailCursor): AsyncIterable<MailPage> {
    // From before authorization: recent historic mail is seen and answered historic (E2).
    const after = Math.floor(historicWindowStart(this.o.authorizedAt).getTime() / 1000);
    const read = async (pageToken: string | null) => {
      const res = await this.call('messages.list', () =>
        this.api.users.messages.list({
          userId: 'me',
          q: `after:${after}`,
          maxResults: this.o.pageSize ?? LIST_PAGE,
          includeSpamTrash: false,
          ...(pageToken ? { pageToken } : {}),
        }),
      ).catch((e) => {
        throw translate(e);
      });
      const ids = (res.data.messages ?? []).map((m) => m.id!).filter(Boolean);
      return { res, ids, page: await this.metadataPage(ids) };
    };
    let done = 0;
    let ahead = read(c.listing?.pageToken ?? null);
    for (;;) {
      const { res, ids, page } = await ahead;
      const pageToken = res.data.nextPageToken ?? null;
      // The next page is listed and read while the sync decides and stores this one (one
      // ahead, no more). If the sync stops here, its failure is not left unhandled.
      if (pageToken) {
        ahead = read(pageToken);
        ahead.catch(() => undefined);
      }
      done += ids.length;
      const next: GmailCursor = pageToken ? { historyId: c.historyId, listing: { pageToken } } : { historyId: c.historyId };
      yield {
        ...page,
        cursor: next,
        progress: { done, ...(res.data.resultSizeEstimate ? { total: res.data.resultSizeEstimate, approximate: true } : {}) },
      };
      if (!pageToken) return;
    }
  }

  private async *history(start: string): AsyncIterable<MailPage> {
    let pageToken: string | null = null;
    for (;;) {
      const res: { data: gmail_v1.Schema$ListHistoryResponse } = await this.call('history.list', () =>
        this.api.users.history.list({
          userId: 'me',
          startHistoryId: start,
          historyTypes: ['messageAdded', 'labelRemoved', 'labelAdded'],
          maxResults: this.o.pageSize ?? 100,
          ...(pageToken ? { pageToken } : {}),
        }),
      );
      const ids = new Set<string>();
      for (const h of res.data.history ?? []) {
        for (const a of h.messagesAdded ?? []) if (a.message?.id) ids.add(a.message.id);
        for (const l of h.labelsRemoved ?? []) if (l.message?.id && bringsIntoView(l, HIDDEN)) ids.add(l.message.id);
        for (const l of h.labelsAdded ?? []) if (l.message?.id && bringsIntoView(l, SHOWN)) ids.add(l.message.id);
      }
      const page = await this.metadataPage([...ids]);
      pageToken = res.data.nextPageToken ?? null;
      // The page's historyId is the mailbox's latest: resume from it once every page is read.
      const next: GmailCursor = { historyId: pageToken ? start : (res.data.historyId ?? start) };
      if (pageToken) {
        // Mid-way through history pages we keep `start`: re-reading a page is harmless (same refs).
        yield { ...page, cursor: next };
        continue;
      }
      yield { ...page, cursor: next };
      return;
    }
  }

  /**
   * Headers of these messages, one sighting per message id: messages.get in batches of up to
   * 100 (gmail-batch.ts), a few batches in flight. A message deleted since it was listed (404)
   * is left out.
   */
  private async metadataPage(ids: string[]): Promise<{ sightings: MailSighting[]; errors: ItemError[] }> {
    const sightings: MailSighting[] = [];
    const errors: ItemError[] = [];
    const chunks = [...chunksOf(ids, GMAIL_BATCH_MAX)];
    const answered = await mapLimit(chunks, this.o.concurrency ?? 4, (chunk) =>
      batchGet(this.batchOptions(), chunk, metadataPath).catch((err) => {
        throw translate(err);
      }),
    );
    const results = answered.flatMap((byId, k) => chunks[k]!.map((id) => byId.get(id) ?? null));
    for (const m of results) {
      if (!m?.id) continue;
      const labels = m.labelIds ?? [];
      if (labels.some((l) => HIDDEN.has(l))) continue;
      const item = await metadataToItem(m);
      if ('reason' in item) errors.push(item);
      else
        sightings.push({
          ref: m.id,
          folder: labels.includes('INBOX') ? 'INBOX' : labels.includes('SENT') ? 'SENT' : (labels[0] ?? 'ALL'),
          item,
        });
    }
    return { sightings, errors };
  }

  async fetch(ref: string): Promise<EmailItem | null> {
    return this.fetchBody(ref);
  }

  /** Messages asked for in the same turn of the event loop, by format, read together (flushQueued). */
  private queued = new Map<GetPath, { ref: string; done: (m: Promise<gmail_v1.Schema$Message | null>) => void }[]>();

  /**
   * The body of linked mail from Gmail's part tree (format=full: text parts inline, attachments
   * left on the server; gmail-full-body.ts), or the whole message (format=raw) when the tree
   * cannot give it. The sync asks for a page's linked bodies all at once, so the requests of
   * one turn are gathered and read in batches of up to 100 (gmail-batch.ts) rather than one
   * HTTP request each; a 404 is null, as alone.
   */
  async fetchBody(ref: string): Promise<EmailItem | null> {
    const m = await this.get(ref, fullPath);
    const item = m && (await fullToItem(m));
    return item === NEEDS_RAW ? rawToItem(await this.get(ref, rawPath)) : item;
  }

  /** One message in the next batch of its format. */
  private async get(ref: string, path: GetPath): Promise<gmail_v1.Schema$Message | null> {
    return await new Promise<Promise<gmail_v1.Schema$Message | null>>((done) => {
      if (!this.queued.size) queueMicrotask(() => this.flushQueued());
      const q = this.queued.get(path) ?? [];
      q.push({ ref, done });
      this.queued.set(path, q);
    });
  }

  /**
   * A page of re-reads (a directory change): format=full in batches of up to 100 (gmail-batch.ts,
   * throttled parts sent again there), a few batches in flight, rather than `fetch` 16 at a time
   * (batches of about 16); the messages the part tree cannot give (fullToItem) are read again
   * as format=raw, batched the same way. Each ref's outcome is fetch's: the message, null for a
   * 404, the error of its own part (or of the parser) otherwise; only a batch request that
   * fails as a whole fails its refs alike. Each batch is parsed as it comes, so a page never
   * holds more than a few batches' messages.
   */
  async fetchMany(refs: string[]): Promise<FetchOutcome[]> {
    const chunks = [...chunksOf([...new Set(refs)], GMAIL_BATCH_MAX)];
    const read = new Map<string, FetchOutcome>();
    const settled = (chunk: string[], path: GetPath) =>
      batchGetSettled(this.batchOptions(), chunk, path).catch((err: unknown) => asError(translate(err)));
    await mapLimit(chunks, this.o.concurrency ?? 4, async (chunk) => {
      const answered = await settled(chunk, fullPath);
      const whole: string[] = [];
      for (const id of chunk) {
        const m = answered instanceof Error ? answered : (answered.get(id) ?? null);
        const item = m instanceof Error || !m ? m : await fullToItem(m).catch(asError);
        if (item === NEEDS_RAW) whole.push(id);
        else read.set(id, item);
      }
      if (!whole.length) return;
      const raw = await settled(whole, rawPath);
      for (const id of whole) {
        const m = raw instanceof Error ? raw : (raw.get(id) ?? null);
        read.set(id, m instanceof Error ? m : await rawToItem(m).catch(asError));
      }
    });
    return refs.map((ref) => read.get(ref) ?? null);
  }

  private flushQueued(): void {
    const queued = this.queued;
    this.queued = new Map();
    for (const [path, waiting] of queued)
      for (const chunk of chunksOf(waiting, GMAIL_BATCH_MAX)) {
        const read = batchGet(this.batchOptions(), [...new Set(chunk.map((q) => q.ref))], path).catch((err) => {
          throw translate(err);
        });
        for (const q of chunk) q.done(read.then((byId) => byId.get(q.ref) ?? null));
      }
  }
}

/** Labels that hide a message from the sync (a draft, spam, the bin). */
const HIDDEN = new Set(['DRAFT', 'SPAM', 'TRASH']);
/** Labels whose arrival can make mail visible (moved to the Inbox, or marked sent). */
const SHOWN = new Set(['INBOX', 'SENT']);

/**
 * Whether a label change may have made a message syncable: a hiding label removed
 * (labelsRemoved, `that` = HIDDEN), or INBOX/SENT added (labelsAdded, `that` = SHOWN), and
 * no hiding label left. Read/star/archive changes are not (no request for them); the current
 * labels are checked again when the message is read.
 */
function bringsIntoView(change: gmail_v1.Schema$HistoryLabelAdded | gmail_v1.Schema$HistoryLabelRemoved, that: Set<string>): boolean {
  if ((change.message?.labelIds ?? []).some((l) => HIDDEN.has(l))) return false;
  return (change.labelIds ?? []).some((l) => that.has(l));
}

/** A format=raw answer as fetch gives it: null when there is no message (404). */
async function rawToItem(m: gmail_v1.Schema$Message | null): Promise<EmailItem | null> {
  if (!m?.raw) return null;
  const received = internalDate(m);
  const raw = Buffer.from(m.raw, 'base64url');
  const opts = { fallbackReceivedAt: received ?? new Date(0) };
  // A single plain part is parsed with its body as one base64 line: the same item, a third of
  // the CPU (one-line-body.ts). Should that copy fail (it is 35 bytes of header longer), the
  // message itself decides.
  const oneLine = withOneLineBody(raw);
  const item = oneLine ? await parseEmail(oneLine, opts).catch(() => parseEmail(raw, opts)) : await parseEmail(raw, opts);
  if (received) item.receivedAt = received;
  return item;
}

/** fullToItem's answer when only the whole message will do. */
const NEEDS_RAW = Symbol('needs format=raw');

/**
 * A format=full answer as rawToItem would give it for the same message: the fields from the
 * payload's header list (the ones format=metadata brings, read as metadataToItem does), the
 * body from the text parts (gmail-full-body.ts). NEEDS_RAW when either cannot be read so.
 */
async function fullToItem(m: gmail_v1.Schema$Message): Promise<EmailItem | typeof NEEDS_RAW> {
  const body = m.payload ? await bodyFromFullPayload(m.payload).catch(() => null) : null;
  if (!body) return NEEDS_RAW;
  const headers = (m.payload?.headers ?? []).filter((h) => FIELDS.has((h.name ?? '').toLowerCase()));
  const item = await metadataToItem({ ...m, payload: { headers } });
  if ('reason' in item) return NEEDS_RAW;
  return { ...item, ...body };
}

function internalDate(m: gmail_v1.Schema$Message): Date | null {
  const n = Number(m.internalDate);
  return m.internalDate && Number.isFinite(n) ? new Date(n) : null;
}

/** The fields read directly (header-fields.ts): the ones we ask for, lower-cased. */
const FIELDS = new Set(METADATA_HEADERS.map((h) => h.toLowerCase()));

/**
 * format=metadata → EmailItem with the shared MIME header meaning (same as IMAP): Gmail's
 * header list is read field by field when it is plain (header-fields.ts), else written out as
 * a header block for the MIME parser; both give the same item.
 */
export async function metadataToItem(m: gmail_v1.Schema$Message): Promise<EmailItem | ItemError> {
  const headers = m.payload?.headers ?? [];
  const where = `gmail message ${m.id}`;
  if (!headers.length) return { where, reason: 'Gmail returned no headers for this message' };
  const received = internalDate(m);
  const opts = { fallbackReceivedAt: received ?? new Date(0), headersOnly: true };
  try {
    const item =
      itemFromFields(headers, FIELDS, opts) ??
      (await parseEmail(`${headers.map((h) => `${h.name}: ${(h.value ?? '').replace(/\r?\n/g, ' ')}`).join('\r\n')}\r\n\r\n`, opts));
    if (received) item.receivedAt = received;
    return item;
  } catch (err) {
    return { where, reason: err instanceof MalformedItemError ? err.reason : `unexpected parser failure (${(err as Error).message})` };
  }
}

function readCursor(c: Cursor | null): GmailCursor | null {
  if (!c || typeof c !== 'object') return null;
  const h = (c as GmailCursor).historyId;
  return typeof h === 'string' ? (c as GmailCursor) : null;
}

function translate(err: unknown): unknown {
  if (err instanceof GoogleHttpError) return new SourceError(err.status === 404 ? 'NOT_FOUND' : 'INTERNAL', err.message);
  return err;
}
