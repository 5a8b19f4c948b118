import { describe, expect, it } from 'vitest';
import { retryThrottledParts } from './retry-after.js';

const policy = (waits: number[]) => ({
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 60_000,
  sleep: async (ms: number) => void waits.push(ms),
  random: () => 0,
});

describe('retryThrottledParts', () => {
  it('sends the throttled parts again after the longest Retry-After, until all are answered', async () => {
    const waits: number[] = [];
    const sent: string[][] = [];
    const out = await retryThrottledParts(['a', 'b', 'c'], policy(waits), async (pending) => {
      sent.push(pending);
      return sent.length === 1 ? { again: ['b', 'c'], retryAfterMs: 3_000 } : { again: [], retryAfterMs: undefined };
    });
    expect(out.gaveUp).toEqual([]);
    expect(sent).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c'],
    ]);
    expect(waits).toEqual([3_000]);
  });

  it('gives up after maxAttempts rounds that answer nothing, with exponential backoff when no wait is named', async () => {
    const waits: number[] = [];
    let rounds = 0;
    const out = await retryThrottledParts(['a'], policy(waits), async (pending) => {
      rounds++;
      return { again: pending, retryAfterMs: undefined };
    });
    expect(out.gaveUp).toEqual(['a']);
    expect(rounds).toBe(3);
    expect(waits).toEqual([100, 200]);
  });

  it('a round that answers some starts the budget over: a quota that lets a few through each time loses nothing', async () => {
    const waits: number[] = [];
    const parts = Array.from({ length: 10 }, (_, i) => i);
    let rounds = 0;
    // One part a round, and a fruitless round between each: 10 answers take 19 rounds, far past 3.
    const out = await retryThrottledParts(parts, policy(waits), async (pending) => {
      rounds++;
      return { again: rounds % 2 ? pending.slice(1) : pending, retryAfterMs: undefined };
    });
    expect(out.gaveUp).toEqual([]);
    expect(rounds).toBe(19);
    expect(Math.max(...waits)).toBe(100); // the backoff restarts with the budget
  });

  it('waits a random extra of up to a quarter on top of Retry-After, never less: two clients told the same wait part ways', async () => {
    const waitsOf = async (random: () => number) => {
      const waits: number[] = [];
      let rounds = 0;
      await retryThrottledParts(['a'], { ...policy(waits), random }, async () => {
        rounds++;
        return rounds < 3 ? { again: ['a'], retryAfterMs: 1_000 } : { again: [], retryAfterMs: undefined };
      });
      return waits;
    };
    expect(await waitsOf(() => 0)).toEqual([1_000, 1_000]);
    expect(await waitsOf(() => 0.5)).toEqual([1_125, 1_125]);
    expect(await waitsOf(() => 0.999)).toEqual([1_250, 1_250]);
    // Two clients with different draws no longer come back at the same moment.
    const draws = [0.1, 0.9];
    const [one, two] = await Promise.all(draws.map((d) => waitsOf(() => d)));
    expect(one![0]).not.toBe(two![0]);
    expect(Math.min(one![0]!, two![0]!)).toBeGreaterThanOrEqual(1_000);
  });

  it('the extra applies to the backoff too, on top of the capped wait (so up to a quarter past the cap)', async () => {
    const waits: number[] = [];
    await retryThrottledParts(['a'], { ...policy(waits), maxDelayMs: 150, random: () => 0.5 }, async (pending) => ({
      again: pending,
      retryAfterMs: undefined,
    }));
    // 100, then 200 capped at 150; each with an eighth more: the second wait is 169, past the cap of 150.
    expect(waits).toEqual([113, 169]);
  });
});
