// Every Google API call goes through `googleCall`: a fresh token first, then the request;
// 429 and 403 rate-limit/quota answers wait (Retry-After when given, else exponential
// backoff with jitter) and retry within a budget; a 401 refreshes once; anything else is
// translated once into a SourceError. A 403 dailyLimitExceeded (domain usageLimits: the
// project's daily quota is spent) is not retried: waiting minutes would not help before the
// quota resets at midnight Pacific time, so it stops the sync at once as THROTTLED in plain
// words with the time until the reset. 404/410 are returned to the caller's own handling
// (history expired, sync token gone) through `GoogleHttpError`.
import { DEFAULT_RETRY, retryAfterMs, type RetryPolicy } from '../retry-after.js';
import { SourceError } from '../types.js';
import type { GoogleTokens } from './auth.js';

// Callers configure retries with these; the one definition is in ../retry-after.ts.
export { DEFAULT_RETRY, retryAfterMs, type RetryPolicy };

export class GoogleHttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

interface GaxiosLike {
  response?: {
    status?: number;
    headers?: unknown;
    data?: { error?: { errors?: { reason?: string }[]; message?: string; status?: string } | string };
  };
  code?: string;
  message?: string;
}

function header(h: unknown, name: string): string | undefined {
  if (!h) return undefined;
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name) ?? undefined;
  const v = (h as Record<string, unknown>)[name] ?? (h as Record<string, unknown>)[name.toLowerCase()];
  return typeof v === 'string' ? v : undefined;
}

// https://developers.google.com/gmail/api/guides/handle-errors: per-user and per-project rate
// limits (403/429) pass within seconds; the daily limit does not (see dailyLimitError).
const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded', 'backendError']);

/** Milliseconds from `now` to the next midnight in America/Los_Angeles (Google's daily quota reset). */
export function msUntilPacificMidnight(now: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/Los_Angeles',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(new Date(now));
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const sinceMidnight = ((n('hour') * 60 + n('minute')) * 60 + n('second')) * 1000 + (now % 1000);
  return 24 * 3_600_000 - sinceMidnight;
}

function dailyLimitError(what: string, now: number): SourceError {
  const wait = msUntilPacificMidnight(now);
  const hours = Math.max(1, Math.round(wait / 3_600_000));
  return new SourceError(
    'THROTTLED',
    `Google's daily request quota for this app is used up (dailyLimitExceeded during ${what}); syncing stops until it resets at midnight Pacific time, in about ${hours} h`,
    wait,
  );
}

export async function googleCall<T>(
  tokens: GoogleTokens,
  what: string,
  fn: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<T> {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let refreshedAfter401 = false;
  for (let attempt = 1; ; attempt++) {
    await tokens.ensureFresh();
    try {
      return await fn();
    } catch (raw) {
      if (raw instanceof SourceError) throw raw;
      const err = raw as GaxiosLike;
      const status = err.response?.status;
      const body = err.response?.data?.error;
      const reason = typeof body === 'object' ? body?.errors?.[0]?.reason : body;
      const message = typeof body === 'object' ? (body?.message ?? err.message) : err.message;
      if (!status) {
        if (attempt < 3) {
          await sleep(policy.baseDelayMs * attempt);
          continue;
        }
        throw new SourceError('NETWORK', `could not reach Google (${err.code ?? err.message}) during ${what}`);
      }
      if (status === 401) {
        if (!refreshedAfter401) {
          refreshedAfter401 = true;
          tokens.invalidate();
          continue;
        }
        throw new SourceError('AUTH_FAILED', `Google refused the access token during ${what}`);
      }
      if (status === 403 && reason === 'dailyLimitExceeded') throw dailyLimitError(what, Date.now());
      const throttled = status === 429 || (status === 403 && reason !== undefined && RATE_REASONS.has(reason)) || status >= 500;
      if (throttled) {
        const asked = retryAfterMs(header(err.response?.headers, 'retry-after'));
        const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        const wait = asked ?? backoff;
        if (attempt >= policy.maxAttempts) {
          throw new SourceError(status >= 500 ? 'NETWORK' : 'THROTTLED', `Google kept answering ${status} during ${what}`, wait);
        }
        await sleep(Math.min(wait, policy.maxDelayMs));
        continue;
      }
      if (status === 403) throw new SourceError('AUTH_FAILED', `Google refused ${what}: ${message} (${reason ?? 'forbidden'})`);
      throw new GoogleHttpError(status, reason, `Google answered ${status} during ${what}: ${message}`);
    }
  }
}
