// Every Google API call goes through `googleCall`: a fresh token first, then the request;
// 429 and 403 rate-limit/quota answers wait (Retry-After when given, else exponential
// backoff with jitter) and retry within a budget; a 401 refreshes once; anything else is
// translated once into a SourceError. 404/410 are returned to the caller's own handling
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

const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded', 'dailyLimitExceeded', 'backendError']);

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
