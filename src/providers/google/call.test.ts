import { describe, expect, it } from 'vitest';
import { SourceError } from '../types.js';
import { REVOKED_WORDS, translateTokenError, type GoogleTokens } from './auth.js';
import { googleCall, GoogleHttpError, msUntilPacificMidnight, retryAfterMs } from './call.js';

const tokens = {
  ensureFresh: async () => {},
  invalidate: () => {
    invalidated++;
  },
} as unknown as GoogleTokens;
let invalidated = 0;
const gaxiosError = (status: number, data: unknown, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`status ${status}`), { response: { status, data, headers } });

describe('googleCall', () => {
  it('waits Retry-After on 429 and 403 rateLimitExceeded, then succeeds', async () => {
    const waits: number[] = [];
    const answers = [
      gaxiosError(429, { error: { errors: [{ reason: 'rateLimitExceeded' }] } }, { 'retry-after': '2' }),
      gaxiosError(403, { error: { errors: [{ reason: 'rateLimitExceeded' }] } }),
    ];
    const r = await googleCall(
      tokens,
      'test',
      async () => {
        const a = answers.shift();
        if (a) throw a;
        return 'ok';
      },
      {
        maxAttempts: 5,
        baseDelayMs: 10,
        maxDelayMs: 10_000,
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
    );
    expect(r).toBe('ok');
    expect(waits[0]).toBe(2000);
    expect(waits).toHaveLength(2);
  });

  it('gives up with THROTTLED after the budget, carrying the wait', async () => {
    const p = googleCall(
      tokens,
      'test',
      async () => {
        throw gaxiosError(429, {}, { 'retry-after': '7' });
      },
      { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10, sleep: async () => {} },
    );
    await expect(p).rejects.toMatchObject({ code: 'THROTTLED', retryAfterMs: 7000 });
  });

  it('a 401 refreshes once, a second 401 is AUTH_FAILED; 404/410 go back to the caller', async () => {
    invalidated = 0;
    await expect(
      googleCall(tokens, 'test', async () => {
        throw gaxiosError(401, {});
      }),
    ).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(invalidated).toBe(1);
    // Gmail answers 404 to a history.list whose startHistoryId is too old; Calendar answers
    // 410 fullSyncRequired to an expired syncToken (both per Google's API docs). Each must
    // reach the caller, which re-lists; neither is retried nor turned into another code.
    let calls = 0;
    for (const [status, reason] of [
      [404, 'notFound'],
      [410, 'fullSyncRequired'],
    ] as const) {
      calls = 0;
      const err = await googleCall(tokens, 'test', async () => {
        calls++;
        throw gaxiosError(status, { error: { errors: [{ reason }] } });
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GoogleHttpError);
      expect(err).toMatchObject({ status, reason });
      expect(calls).toBe(1);
    }
    expect(invalidated).toBe(1);
  });

  it('Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('invalid_grant from the token endpoint → AUTH_FAILED in plain words', () => {
    const e = translateTokenError(gaxiosError(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }));
    expect(e).toBeInstanceOf(SourceError);
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.message).toBe(REVOKED_WORDS);
    expect(e.message).toContain('Google says the grant was revoked or expired');
  });

  it('403 dailyLimitExceeded stops at once (no retry) with plain words and the time to the quota reset', async () => {
    let calls = 0;
    const p = googleCall(
      tokens,
      'history.list',
      async () => {
        calls++;
        throw gaxiosError(403, {
          error: { code: 403, errors: [{ domain: 'usageLimits', reason: 'dailyLimitExceeded' }], message: 'Daily Limit Exceeded' },
        });
      },
      { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 10, sleep: async () => {} },
    );
    await expect(p).rejects.toMatchObject({ code: 'THROTTLED' });
    const e = (await p.catch((x) => x)) as SourceError;
    expect(calls).toBe(1);
    expect(e.message).toContain('daily request quota');
    expect(e.retryAfterMs).toBeGreaterThan(0);
    expect(e.retryAfterMs).toBeLessThanOrEqual(24 * 3_600_000);
  });

  it('403 userRateLimitExceeded (usageLimits) is still waited out and retried', async () => {
    let calls = 0;
    const r = await googleCall(
      tokens,
      'test',
      async () => {
        if (++calls < 3) throw gaxiosError(403, { error: { errors: [{ domain: 'usageLimits', reason: 'userRateLimitExceeded' }] } });
        return 'ok';
      },
      { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 10, sleep: async () => {} },
    );
    expect(r).toBe('ok');
    expect(calls).toBe(3);
  });

  it('the quota resets at midnight Pacific time (PST and PDT)', () => {
    expect(msUntilPacificMidnight(Date.parse('2026-01-15T07:00:00Z'))).toBe(3_600_000); // 23:00 PST
    expect(msUntilPacificMidnight(Date.parse('2026-07-15T06:30:00Z'))).toBe(30 * 60_000); // 23:30 PDT
  });
});
