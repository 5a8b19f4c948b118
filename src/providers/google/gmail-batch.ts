// Gmail's batch endpoint (https://developers.google.com/gmail/api/guides/batch): up to 100
// messages.get in one HTTP request — POST /batch/gmail/v1, multipart/mixed, each part an
// application/http GET — instead of one round trip each. The official client has no batch
// call, so the body is built here and sent through the connection's OAuth2Client (same token,
// same refresh). Every part is answered on its own: a 404 part is a message deleted since it
// was listed (null, the others are kept); a throttled part (429, 403 rate limit, 5xx) is sent
// again in a later batch after its Retry-After (else backoff) by retryThrottledParts, whose
// budget counts only rounds that answered nothing; any
// other part error is translated as a lone request's would be (googleCall). Quota is per part
// (5 units per messages.get), so batching saves round trips, not quota.
import type { gmail_v1 } from '@googleapis/gmail';
import { asError } from '../../domain/as-error.js';
import { retryThrottledParts } from '../retry-after.js';
import { SourceError } from '../types.js';
import type { GoogleTokens } from './auth.js';
import { type PartAnswer, parseBatchAnswer } from './batch-answer.js';
import { DEFAULT_RETRY, googleCall, type RetryPolicy, retryAfterMs } from './call.js';

/** "You're limited to 100 calls in a single batch request." */
export const GMAIL_BATCH_MAX = 100;

interface BatchGetOptions {
  tokens: GoogleTokens;
  rootUrl?: string;
  retry?: RetryPolicy;
}

/** The request line's path and query of one messages.get. */
export type GetPath = (id: string) => string;

/** The multipart/mixed body: one application/http part per id, Content-ID = its index. */
function batchBody(boundary: string, ids: readonly string[], path: GetPath): string {
  const parts = ids.map((id, i) => `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <${i}>\r\n\r\nGET ${path(id)}\r\n\r\n`);
  return `${parts.join('')}--${boundary}--\r\n`;
}

const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded', 'backendError']);

function jsonOf(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function throttled(a: PartAnswer): boolean {
  if (a.status === 429 || a.status >= 500) return true;
  const reason = (jsonOf(a.body) as { error?: { errors?: { reason?: string }[] } } | undefined)?.error?.errors?.[0]?.reason;
  return a.status === 403 && reason !== undefined && RATE_REASONS.has(reason);
}

/**
 * messages.get of these ids (at most GMAIL_BATCH_MAX) in one batch request, again for the
 * throttled parts only. Returns each id's message, or null when Gmail answered 404; a part's
 * other error, or throttling past the retry budget, fails the whole call (a sync's page).
 */
export function batchGet(o: BatchGetOptions, ids: readonly string[], path: GetPath): Promise<Map<string, gmail_v1.Schema$Message | null>> {
  return batchGetParts(o, ids, path, false) as Promise<Map<string, gmail_v1.Schema$Message | null>>;
}

/**
 * batchGet where each id keeps its own outcome (re-reads after a directory change): a part's
 * error, or throttling past the retry budget, is that id's Error; the others are read. Only a
 * failure of the batch request itself (network, authorization) still fails the call.
 */
export function batchGetSettled(
  o: BatchGetOptions,
  ids: readonly string[],
  path: GetPath,
): Promise<Map<string, gmail_v1.Schema$Message | null | Error>> {
  return batchGetParts(o, ids, path, true);
}

async function batchGetParts(
  o: BatchGetOptions,
  ids: readonly string[],
  path: GetPath,
  settle: boolean,
): Promise<Map<string, gmail_v1.Schema$Message | null | Error>> {
  if (ids.length > GMAIL_BATCH_MAX) throw new Error(`a Gmail batch holds at most ${GMAIL_BATCH_MAX} requests (asked ${ids.length})`);
  const policy = o.retry ?? DEFAULT_RETRY;
  // The configured root may come with or without its trailing slash (the client library accepts both).
  const url = `${(o.rootUrl ?? 'https://gmail.googleapis.com/').replace(/\/?$/, '/')}batch/gmail/v1`;
  const out = new Map<string, gmail_v1.Schema$Message | null | Error>();
  let round = 0;
  const sendRound = async (sent: string[]) => {
    const boundary = `touchpoint_${++round}_${Math.random().toString(36).slice(2)}`;
    const post = () =>
      o.tokens.client.request<string>({
        url,
        method: 'POST',
        headers: { 'content-type': `multipart/mixed; boundary=${boundary}` },
        data: batchBody(boundary, sent, path),
        responseType: 'text',
      });
    const res = await googleCall(o.tokens, `messages.get batch of ${sent.length}`, post, policy);
    const answers = await parseBatchAnswer(String(res.headers.get?.('content-type') ?? ''), res.data);
    const again: string[] = [];
    let retryAfter: number | undefined;
    for (const [i, id] of sent.entries()) {
      const a = answers.get(String(i));
      if (!a || throttled(a)) {
        again.push(id);
        const asked = a && retryAfterMs(a.headers['retry-after']);
        if (asked !== undefined) retryAfter = Math.max(retryAfter ?? 0, asked);
      } else if (a.status === 200) out.set(id, jsonOf(a.body) as gmail_v1.Schema$Message);
      else if (a.status === 404) out.set(id, null);
      else if (!settle) await partFailure(o, id, a);
      else out.set(id, await partFailure(o, id, a).catch(asError));
    }
    return { again, retryAfterMs: retryAfter };
  };
  const { gaveUp, waitMs } = await retryThrottledParts(ids, policy, sendRound);
  if (gaveUp.length) {
    const err = new SourceError('THROTTLED', `Gmail kept throttling ${gaveUp.length} messages.get in a batch`, waitMs);
    if (!settle) throw err;
    for (const id of gaveUp) out.set(id, err);
  }
  return out;
}

/** A part's error other than 404 and throttling: the error a lone messages.get would raise. */
async function partFailure(o: BatchGetOptions, id: string, a: PartAnswer): Promise<never> {
  const error = { response: { status: a.status, headers: a.headers, data: jsonOf(a.body) }, message: `batch part answered ${a.status}` };
  await googleCall(
    o.tokens,
    `messages.get ${id}`,
    () => {
      throw error;
    },
    { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => undefined },
  );
  throw new SourceError('INTERNAL', `Gmail answered ${a.status} for messages.get ${id}`);
}
