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
  /** A number in [0, 1) for the jitter (default Math.random); a test passes its own to know the waits. */
  random?: () => number;
}

/**
 * The most a throttled round's wait is lengthened, as a share of it. Two clients of one
 * mailbox refused together are told the same Retry-After and, waiting exactly that, come back
 * together and are refused together again until their budgets run out (seen with two Graph
 * clients on Outlook's 4 concurrent requests). A random extra of up to a quarter spreads them;
 * never less than what was asked.
 */
export const RETRY_JITTER = 0.25;

/** The wait to sleep: the asked (or backoff) wait within the policy's cap, plus the random extra. */
export function jitteredWait(waitMs: number, policy: RetryPolicy): number {
  const capped = Math.min(waitMs, policy.maxDelayMs);
  return capped + Math.round(capped * RETRY_JITTER * (policy.random ?? Math.random)());
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 60_000 };

/** One round of a batch: the parts to send again (throttled) and the longest Retry-After they asked for. */
export interface ThrottledRound<K> {
  again: K[];
  /** ms; undefined when no throttled part named a wait (exponential backoff then). */
  retryAfterMs: number | undefined;
}

/**
 * Sends `parts` in rounds (`sendRound` answers what it can and returns the throttled parts),
 * each round after the longest Retry-After the last one asked for, else exponential backoff.
 * The budget (`maxAttempts`) counts rounds in a row that answered nothing: a provider that
 * throttles part of every batch — Gmail's per-user quota, Outlook's 4 requests per mailbox
 * when another client holds some — lets a few parts through each round, and giving up on the
 * rest while it still does so would report readable mail as unreadable. Returns the parts still
 * throttled when the budget ran out (none when all were answered) and the wait last computed.
 */
export async function retryThrottledParts<K>(
  parts: readonly K[],
  policy: RetryPolicy,
  sendRound: (pending: K[]) => Promise<ThrottledRound<K>>,
): Promise<{ gaveUp: K[]; waitMs: number }> {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let pending = [...parts];
  let fruitless = 0;
  while (pending.length) {
    const { again, retryAfterMs: asked } = await sendRound(pending);
    if (!again.length) break;
    // Some answered: the budget starts over (and the backoff with it).
    fruitless = again.length < pending.length ? 0 : fruitless + 1;
    const wait = asked ?? Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, fruitless - 1));
    if (fruitless >= policy.maxAttempts) return { gaveUp: again, waitMs: wait };
    await sleep(jitteredWait(wait, policy));
    pending = again;
  }
  return { gaveUp: [], waitMs: 0 };
}
