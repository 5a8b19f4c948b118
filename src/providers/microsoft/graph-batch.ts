// Graph's JSON batching (https://learn.microsoft.com/graph/json-batching): up to 20 GETs in one
// POST /$batch through the official client, instead of one round trip each. Graph runs a batch's
// requests against the mailbox up to 4 at a time, so a batch takes all of the mailbox's 4 slots
// while it is out (a request sent beside it would push one of its requests over Outlook's
// MailboxConcurrency limit). The batch's 200 says nothing of its requests: each is answered on
// its own. A throttled request (429, 503, 504) is sent again in a later batch after its
// Retry-After (else backoff) by retryThrottledParts, whose budget counts only rounds that
// answered nothing, then THROTTLED; a 404 is a message gone;
// any other status is the error a lone GET would raise (graphCall's mapping).
import type { Client } from '@microsoft/microsoft-graph-client';
import { SourceError } from '../types.js';
import { retryThrottledParts } from '../retry-after.js';
import { DEFAULT_RETRY, graphCall, GraphHttpError, retryAfterMs, type CallContext } from './call.js';

/** "JSON batch requests are currently limited to 20 individual requests." */
export const GRAPH_BATCH_MAX = 20;

export interface BatchContext extends CallContext {
  client: Client;
}

/** One GET of a batch: its url relative to the version (`/me/messages/…`) and its own headers. */
export interface BatchGet {
  url: string;
  headers?: Record<string, string>;
}

interface BatchResponse {
  id?: string;
  status?: number;
  headers?: Record<string, string>;
  body?: { error?: { code?: string; message?: string } } & Record<string, unknown>;
}

const THROTTLED = new Set([429, 503, 504]);

/**
 * These GETs (at most GRAPH_BATCH_MAX) in one $batch, again for the throttled ones. One answer
 * per GET, in order: its JSON body, null when Graph answered 404, or the error a lone GET would
 * have raised. A batch refused as a whole throws (graphCall's errors).
 */
export async function batchGet(o: BatchContext, gets: readonly BatchGet[], what: string): Promise<(unknown | null | Error)[]> {
  if (gets.length > GRAPH_BATCH_MAX) throw new Error(`a Graph $batch holds at most ${GRAPH_BATCH_MAX} requests (asked ${gets.length})`);
  const out = new Array<unknown | null | Error>(gets.length);
  let unauthorized: Error | undefined;
  const sendRound = async (sent: number[]) => {
    const requests = sent.map((k) => ({
      id: String(k),
      method: 'GET',
      url: gets[k]!.url,
      ...(gets[k]!.headers ? { headers: gets[k]!.headers } : {}),
    }));
    const answer = await graphCall(
      o,
      `${what} ($batch of ${sent.length})`,
      () => o.client.api('/$batch').post({ requests }) as Promise<{ responses?: BatchResponse[] }>,
      Number.POSITIVE_INFINITY,
    );
    const byId = new Map((answer?.responses ?? []).map((r) => [String(r.id), r]));
    const again: number[] = [];
    let retryAfter: number | undefined;
    for (const k of sent) {
      const r = byId.get(String(k));
      const status = r?.status ?? -1;
      if (!r || THROTTLED.has(status)) {
        again.push(k);
        const asked = retryAfterMs(headerOf(r, 'retry-after'));
        if (asked !== undefined) retryAfter = Math.max(retryAfter ?? 0, asked);
      } else if (status >= 200 && status < 300) out[k] = r.body ?? {};
      else if (status === 404) out[k] = null;
      else if (status === 401) {
        // One refusal of the token is enough: mapping each 401 alone would refresh it once per request.
        unauthorized ??= await loneError(o, `${what} ${gets[k]!.url}`, r);
        out[k] = unauthorized;
      } else out[k] = await loneError(o, `${what} ${gets[k]!.url}`, r);
    }
    return { again, retryAfterMs: retryAfter };
  };
  const { gaveUp, waitMs } = await retryThrottledParts(
    gets.map((_, k) => k),
    o.retry ?? DEFAULT_RETRY,
    sendRound,
  );
  if (gaveUp.length) {
    const err = new SourceError(
      'THROTTLED',
      `Microsoft Graph kept answering 429/503/504 to ${gaveUp.length} requests of a $batch during ${what}`,
      waitMs,
    );
    for (const k of gaveUp) out[k] = err;
  }
  return out;
}

function headerOf(r: BatchResponse | undefined, name: string): string | undefined {
  for (const [k, v] of Object.entries(r?.headers ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** A response's error (not 404, not throttled): what graphCall makes of the same answer to a lone GET. */
async function loneError(o: BatchContext, what: string, r: BatchResponse): Promise<Error> {
  const err = Object.assign(new Error(r.body?.error?.message ?? `status ${r.status}`), {
    statusCode: r.status,
    code: r.body?.error?.code,
    headers: new Headers(r.headers ?? {}),
  });
  // One attempt, no waiting: only graphCall's mapping of the status (403 → AUTH_FAILED …) is wanted.
  const once = { ...o, retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => undefined } };
  try {
    await graphCall(once, what, () => Promise.reject(err));
  } catch (mapped) {
    return mapped instanceof Error ? mapped : new GraphHttpError(r.status ?? -1, undefined, String(mapped));
  }
  return new GraphHttpError(r.status ?? -1, undefined, `Microsoft Graph answered ${r.status} during ${what}`);
}
