// Live lookups per connection: a token bucket in memory (per process), so a CSM pressing
// "find" repeatedly, or a script, cannot spend a mailbox's provider quota that the sync needs.
// 10 lookups a minute per connection (a burst of 10, one back every 6 s) is far inside every
// provider's quota: one Gmail lookup costs ~5 + 5 per hit quota units of 15,000 per user per
// minute; one Graph lookup 2–4 requests of 10,000 per 10 minutes per mailbox; one IMAP lookup
// one login (Dovecot's default allows 10 concurrent per user and IP). See docs/live-lookup.md.
// It measures real time, not the request's `now` (--now pins that for the rules).

export interface LookupLimit {
  /** Takes one lookup for `key`; the wait in ms until one is free when none is left. */
  take(key: string): { ok: true } | { ok: false; retryAfterMs: number };
}

export const LOOKUPS_PER_MINUTE = 10;

export function tokenBucket(perMinute = LOOKUPS_PER_MINUTE, clock: () => number = Date.now): LookupLimit {
  const refillMs = 60_000 / perMinute;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const t = clock();
      const b = buckets.get(key) ?? { tokens: perMinute, at: t };
      b.tokens = Math.min(perMinute, b.tokens + (t - b.at) / refillMs);
      b.at = t;
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterMs: Math.ceil((1 - b.tokens) * refillMs) };
    },
  };
}

/** The process's one limiter: every face (CLI, API, MCP) shares it. */
export const sharedLookupLimit: LookupLimit = tokenBucket();
