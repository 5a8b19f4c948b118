// Waiting as a throttled provider asks: its Retry-After (RFC 9110 §10.2.3, delay-seconds or
// an HTTP-date), and how often one call is retried before it gives up as THROTTLED. Shared
// by the Google, Microsoft Graph and CalDAV HTTP paths.

/** Retry-After as seconds or an HTTP date → ms; undefined when absent or unreadable. */
export function retryAfterMs(v: string | null | undefined, now = Date.now()): number | undefined {
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

export interface RetryPolicy {
  /** Attempts per call before giving up with THROTTLED. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 60_000 };
