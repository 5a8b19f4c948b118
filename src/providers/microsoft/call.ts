// Every Graph request goes through `graphCall`: at most 4 requests in flight per mailbox
// (a slot is held only while a request is out, not while waiting to retry); 429 and
// 503/504 wait Retry-After (else exponential backoff with jitter) and retry within a
// budget, then THROTTLED; a 401 refreshes the token once, then AUTH_FAILED; 403 access
// denied → AUTH_FAILED. 404/410 and other answers go back to the caller as GraphHttpError
// (deleted message, sync state gone).
import { DEFAULT_RETRY, retryAfterMs, type RetryPolicy } from '../retry-after.js';
import { SourceError } from '../types.js';
import type { MicrosoftTokens } from './auth.js';

// Callers configure retries with these; the one definition is in ../retry-after.ts.
export { DEFAULT_RETRY, retryAfterMs, type RetryPolicy };

/**
 * A counting semaphore: Graph throttles above 4 concurrent requests per mailbox. A request may
 * take several slots: a $batch, whose requests Graph runs up to 4 at a time, takes them all.
 */
export class Limiter {
  private active = 0;
  private waiting: { slots: number; admit: () => void }[] = [];
  /** Highest number of slots seen taken (tests read it). */
  peak = 0;
  constructor(private max: number) {}

  async run<T>(fn: () => Promise<T>, slots = 1): Promise<T> {
    const n = Math.min(Math.max(1, slots), this.max);
    // First come, first served: a newcomer does not pass a waiting batch.
    if (this.waiting.length || this.active + n > this.max) await new Promise<void>((admit) => this.waiting.push({ slots: n, admit }));
    else this.active += n;
    this.peak = Math.max(this.peak, this.active);
    try {
      return await fn();
    } finally {
      this.active -= n;
      this.admitWaiting();
    }
  }

  private admitWaiting(): void {
    while (this.waiting.length && this.active + this.waiting[0]!.slots <= this.max) {
      const w = this.waiting.shift()!;
      this.active += w.slots;
      w.admit();
    }
  }
}

export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

interface GraphErrorLike {
  statusCode?: number;
  code?: string | null;
  message?: string;
  headers?: Headers;
  body?: unknown;
}

export interface CallContext {
  tokens: MicrosoftTokens;
  limiter: Limiter;
  retry?: RetryPolicy;
}

/** `slots`: how many of the mailbox's 4 concurrent requests this call takes (a $batch: all). */
export async function graphCall<T>(c: CallContext, what: string, fn: () => Promise<T>, slots = 1): Promise<T> {
  const policy = c.retry ?? DEFAULT_RETRY;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let refreshedAfter401 = false;
  for (let attempt = 1; ; attempt++) {
    // The token first, outside the client: the client would wrap a refusal into a GraphError.
    await c.tokens.token();
    try {
      return await c.limiter.run(fn, slots);
    } catch (raw) {
      if (raw instanceof SourceError) throw raw;
      const err = raw as GraphErrorLike;
      const status = err.statusCode ?? -1;
      const code = err.code ?? undefined;
      if (status <= 0) {
        if (attempt < 3) {
          await sleep(policy.baseDelayMs * attempt);
          continue;
        }
        throw new SourceError('NETWORK', `could not reach Microsoft Graph (${err.message ?? code}) during ${what}`);
      }
      if (status === 401) {
        if (!refreshedAfter401) {
          refreshedAfter401 = true;
          c.tokens.invalidate();
          continue;
        }
        throw new SourceError('AUTH_FAILED', `Microsoft Graph refused the access token during ${what}`);
      }
      if (status === 429 || status === 503 || status === 504) {
        const asked = retryAfterMs(err.headers?.get?.('retry-after'));
        const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        const wait = asked ?? backoff;
        if (attempt >= policy.maxAttempts) {
          throw new SourceError('THROTTLED', `Microsoft Graph kept answering ${status} during ${what}`, wait);
        }
        await sleep(Math.min(wait, policy.maxDelayMs));
        continue;
      }
      if (status === 403)
        throw new SourceError(
          'AUTH_FAILED',
          `Microsoft Graph refused ${what}: ${err.message ?? 'access denied'} (${code ?? 'forbidden'}); the consent may have been withdrawn`,
        );
      throw new GraphHttpError(status, code, `Microsoft Graph answered ${status} during ${what}: ${err.message ?? code ?? ''}`);
    }
  }
}

/** Delta state gone: 410 Gone, or the codes Graph uses for it. */
export function isSyncStateGone(err: unknown): boolean {
  if (!(err instanceof GraphHttpError)) return false;
  return err.status === 410 || /syncstatenotfound|resyncrequired|syncstateinvalid/i.test(err.code ?? '');
}

export function translate(err: unknown): unknown {
  if (err instanceof GraphHttpError) return new SourceError(err.status === 404 ? 'NOT_FOUND' : 'INTERNAL', err.message);
  return err;
}
