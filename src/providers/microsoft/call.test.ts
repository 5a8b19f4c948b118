import { describe, expect, it } from 'vitest';
import { SourceError } from '../types.js';
import { REVOKED_WORDS, translateTokenError, type MicrosoftTokens } from './auth.js';
import { graphCall, GraphHttpError, isSyncStateGone, Limiter, retryAfterMs } from './call.js';
import { graphTime, toOccurrence } from './calendar-source.js';

let invalidated = 0;
const tokens = {
  token: async () => 'at',
  invalidate: () => {
    invalidated++;
  },
} as unknown as MicrosoftTokens;
const graphError = (statusCode: number, code: string, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`status ${statusCode}`), { statusCode, code, headers: new Headers(headers) });
const ctx = (maxAttempts = 5, waits: number[] = []) => ({
  tokens,
  limiter: new Limiter(4),
  retry: {
    maxAttempts,
    baseDelayMs: 10,
    maxDelayMs: 10_000,
    sleep: async (ms: number) => {
      waits.push(ms);
    },
  },
});

describe('graphCall', () => {
  it('waits Retry-After on 429 and 503, then succeeds', async () => {
    const waits: number[] = [];
    const answers = [
      graphError(429, 'TooManyRequests', { 'retry-after': '2' }),
      graphError(503, 'ServiceUnavailable', { 'retry-after': '1' }),
    ];
    const r = await graphCall(ctx(5, waits), 'test', async () => {
      const a = answers.shift();
      if (a) throw a;
      return 'ok';
    });
    expect(r).toBe('ok');
    expect(waits).toEqual([2000, 1000]);
  });

  it('gives up with THROTTLED after the budget, carrying the wait', async () => {
    await expect(
      graphCall(ctx(3), 'test', async () => {
        throw graphError(429, 'TooManyRequests', { 'retry-after': '7' });
      }),
    ).rejects.toMatchObject({ code: 'THROTTLED', retryAfterMs: 7000 });
  });

  it('a 401 refreshes once, a second 401 is AUTH_FAILED; 403 is AUTH_FAILED; 410 goes back to the caller', async () => {
    invalidated = 0;
    await expect(
      graphCall(ctx(), 'test', async () => {
        throw graphError(401, 'InvalidAuthenticationToken');
      }),
    ).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(invalidated).toBe(1);
    await expect(
      graphCall(ctx(), 'test', async () => {
        throw graphError(403, 'ErrorAccessDenied');
      }),
    ).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    const gone = await graphCall(ctx(), 'test', async () => {
      throw graphError(410, 'SyncStateNotFound');
    }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(GraphHttpError);
    expect(isSyncStateGone(gone)).toBe(true);
    expect(isSyncStateGone(new GraphHttpError(400, 'resyncRequired', 'x'))).toBe(true);
    expect(isSyncStateGone(new GraphHttpError(404, 'ErrorItemNotFound', 'x'))).toBe(false);
  });

  it('never more than 4 requests in flight', async () => {
    const c = ctx();
    await Promise.all(Array.from({ length: 12 }, () => graphCall(c, 'test', () => new Promise((r) => setTimeout(r, 5)))));
    expect(c.limiter.peak).toBe(4);
  });

  it('a $batch takes all 4 slots: nothing else is in flight beside it, and later requests do not pass it', async () => {
    const limiter = new Limiter(4);
    const order: string[] = [];
    let inFlight = 0;
    const seen: number[] = [];
    const req = (name: string, slots = 1) =>
      limiter.run(async () => {
        inFlight += Math.min(slots, 4);
        seen.push(inFlight);
        order.push(name);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= Math.min(slots, 4);
      }, slots);
    await Promise.all([req('a'), req('b'), req('batch', Number.POSITIVE_INFINITY), req('c'), req('d')]);
    expect(order).toEqual(['a', 'b', 'batch', 'c', 'd']);
    expect(Math.max(...seen)).toBe(4);
    expect(limiter.peak).toBe(4);
  });

  it('Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('invalid_grant (and revoked consent) from msal → AUTH_FAILED in plain words', () => {
    for (const e of [
      { errorCode: 'invalid_grant', subError: 'bad_token' },
      { errorCode: 'interaction_required', subError: 'consent_required' },
    ]) {
      const t = translateTokenError(Object.assign(new Error('x'), e));
      expect(t).toBeInstanceOf(SourceError);
      expect(t.code).toBe('AUTH_FAILED');
      expect(t.message).toBe(REVOKED_WORDS);
    }
    expect(translateTokenError(Object.assign(new Error('x'), { errorCode: 'invalid_client' })).message).toMatch(
      /refused this app's credentials/,
    );
  });
});

describe('Graph event mapping', () => {
  it('reads Graph times in UTC or a Windows zone', () => {
    expect(graphTime({ dateTime: '2026-03-05T15:00:00.0000000', timeZone: 'UTC' })?.toISOString()).toBe('2026-03-05T15:00:00.000Z');
    expect(graphTime({ dateTime: '2026-07-05T15:00:00.0000000', timeZone: 'W. Europe Standard Time' })?.toISOString()).toBe(
      '2026-07-05T13:00:00.000Z',
    );
    expect(graphTime({ dateTime: 'soon', timeZone: 'UTC' })).toBeNull();
  });

  it('an event without a start is a per-item error naming it', () => {
    expect(toOccurrence({ id: 'ev-1' }, 'uid-1')).toMatchObject({ where: 'graph event ev-1' });
  });
});
