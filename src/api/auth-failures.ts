// Failed authentication, counted per client address BEFORE the token lookup: a client that
// keeps sending unknown, revoked or expired tokens (or none) is answered 429 with Retry-After
// until its window passes, without the lookup running. Requests that authenticate are not
// counted, so a busy, well-configured client never meets this limit. In memory, per process:
// a guessing client is slowed by every process it reaches, which is what is wanted.
import type { Clock } from '../domain/clock.js';

export interface AuthFailureLimit {
  /** Failures allowed per client address per window. */
  max: number;
  windowMs: number;
}

export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimit = { max: 20, windowMs: 60_000 };

export class AuthFailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly limit: AuthFailureLimit = DEFAULT_AUTH_FAILURE_LIMIT,
  ) {}

  /** Seconds until this address may try again, or 0 when it may now. */
  retryAfterSeconds(address: string): number {
    const w = this.current(address);
    if (!w || w.failures < this.limit.max) return 0;
    return Math.max(1, Math.ceil((w.start + this.limit.windowMs - this.clock.now().getTime()) / 1000));
  }

  recordFailure(address: string): void {
    const now = this.clock.now().getTime();
    const w = this.current(address);
    if (w) w.failures++;
    else {
      if (this.windows.size >= 10_000) this.prune(now);
      this.windows.set(address, { start: now, failures: 1 });
    }
  }

  private current(address: string): { start: number; failures: number } | undefined {
    const w = this.windows.get(address);
    if (w && w.start + this.limit.windowMs <= this.clock.now().getTime()) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (w.start + this.limit.windowMs <= now) this.windows.delete(k);
  }
}
