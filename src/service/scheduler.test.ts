import { describe, expect, it } from 'vitest';
import { clampInterval, DEFAULT_TIMING, nextDue } from './scheduler.js';

const T = new Date('2026-03-20T12:00:00Z');

describe('nextDue', () => {
  it('is inside the interval by at least a tick and the start slack, whatever the jitter', () => {
    for (const minutes of [1, 5, 17, 30]) {
      for (const r of [0, 0.5, 0.999999]) {
        const wait = nextDue(T, minutes, DEFAULT_TIMING, () => r).getTime() - T.getTime();
        expect(wait).toBeLessThanOrEqual(minutes * 60_000 - DEFAULT_TIMING.tickMs - DEFAULT_TIMING.startSlackMs);
        expect(wait).toBeGreaterThanOrEqual((minutes * 60_000) / 2);
      }
    }
  });

  it('spreads connections that synced together by up to a tenth of the interval', () => {
    const a = nextDue(T, 5, DEFAULT_TIMING, () => 0).getTime();
    const b = nextDue(T, 5, DEFAULT_TIMING, () => 0.999).getTime();
    expect(a - b).toBeGreaterThan(29_000);
  });

  it('never schedules further apart than 30 minutes, the promise to users', () => {
    expect(clampInterval(90)).toBe(30);
    expect(clampInterval(0)).toBe(1);
    expect(nextDue(T, 600, DEFAULT_TIMING, () => 0).getTime() - T.getTime()).toBeLessThan(30 * 60_000);
  });
});
