import { describe, expect, it } from 'vitest';
import { tokenBucket } from './live-rate-limit.js';

describe('live lookup rate limit (token bucket per connection)', () => {
  it('allows a burst, then says how long to wait, and refills with time', () => {
    let t = 0;
    const limit = tokenBucket(2, () => t);
    expect(limit.take('c1')).toEqual({ ok: true });
    expect(limit.take('c1')).toEqual({ ok: true });
    expect(limit.take('c1')).toEqual({ ok: false, retryAfterMs: 30_000 });
    // Another connection has its own bucket.
    expect(limit.take('c2')).toEqual({ ok: true });
    t = 29_000;
    expect(limit.take('c1')).toEqual({ ok: false, retryAfterMs: 1_000 });
    t = 30_000;
    expect(limit.take('c1')).toEqual({ ok: true });
    expect(limit.take('c1').ok).toBe(false);
  });
});
