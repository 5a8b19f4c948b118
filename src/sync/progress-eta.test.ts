import { describe, expect, it } from 'vitest';
import { estimateSecondsLeft, etaWords, progressLine, progressWithEta } from './progress-eta.js';

const startedAt = new Date('2026-03-20T12:00:00Z');
const secondsIn = (seconds: number) => new Date(startedAt.getTime() + seconds * 1000);

describe('time left of a sync, from the rate so far', () => {
  it('4,200 of 10,000 read in 42 s: 58 s left at the same rate', () => {
    expect(estimateSecondsLeft({ done: 4_200, total: 10_000, startedAt, now: secondsIn(42) })).toBe(58);
  });

  it('says nothing until there is a rate: no total, nothing done, too soon, too few', () => {
    expect(estimateSecondsLeft({ done: 500, startedAt, now: secondsIn(60) })).toBeNull();
    expect(estimateSecondsLeft({ done: 0, total: 10_000, startedAt, now: secondsIn(60) })).toBeNull();
    expect(estimateSecondsLeft({ done: 500, total: 10_000, startedAt, now: secondsIn(1) })).toBeNull();
    expect(estimateSecondsLeft({ done: 5, total: 10_000, startedAt, now: secondsIn(60) })).toBeNull();
    // A small mailbox: 5 % of it is enough.
    expect(estimateSecondsLeft({ done: 2, total: 40, startedAt, now: secondsIn(4) })).toBe(76);
  });

  it('is 0 once everything is read, also when the total was an underestimate', () => {
    expect(estimateSecondsLeft({ done: 100, total: 100, startedAt, now: secondsIn(30) })).toBe(0);
    expect(estimateSecondsLeft({ done: 120, total: 100, startedAt, now: secondsIn(30) })).toBe(0);
  });

  it('grows when the sync stalls: the rate counts the time since the last page too', () => {
    const early = estimateSecondsLeft({ done: 1_000, total: 2_000, startedAt, now: secondsIn(10) });
    const stalled = estimateSecondsLeft({ done: 1_000, total: 2_000, startedAt, now: secondsIn(100) });
    expect(early).toBe(10);
    expect(stalled).toBe(100);
  });
});

describe('progress words', () => {
  it('rounds the time left to what a person reads', () => {
    expect(etaWords(20)).toBe('less than a minute left');
    expect(etaWords(58)).toBe('less than a minute left');
    expect(etaWords(80)).toBe('about 1 min left');
    expect(etaWords(14 * 60)).toBe('about 14 min left');
    expect(etaWords(2 * 3600 + 5 * 60)).toBe('about 2 h 5 min left');
    expect(etaWords(3 * 3600)).toBe('about 3 h left');
  });

  it('the CLI line: counts with separators, percent, time left; "about" for an estimated total; done only without one', () => {
    expect(progressLine('mail', { done: 4_200, total: 10_000 }, 75)).toBe('mail: 4,200 / 10,000 messages (42 %), about 1 min left');
    expect(progressLine('mail', { done: 4_200, total: 10_000 }, null)).toBe('mail: 4,200 / 10,000 messages (42 %)');
    expect(progressLine('mail', { done: 300, total: 1_000, approximate: true }, null)).toBe('mail: 300 / about 1,000 messages (30 %)');
    expect(progressLine('calendar', { done: 12 }, null)).toBe('calendar: 12 events so far');
    expect(progressLine('calendar', { done: 0, total: 0 }, null)).toBe('calendar: 0 / 0 events (100 %)');
  });

  it('the API shape: the stored numbers plus startedAt, etaSeconds (null for rows stored without a start) and their words', () => {
    const stored = { done: 4_200, total: 10_000, stream: 'mail' as const, startedAt: startedAt.toISOString() };
    expect(progressWithEta(stored, secondsIn(42))).toEqual({ ...stored, etaSeconds: 58, etaText: 'less than a minute left' });
    expect(progressWithEta({ done: 3, total: 9 }, secondsIn(42))).toEqual({
      done: 3,
      total: 9,
      startedAt: null,
      etaSeconds: null,
      etaText: 'estimating the time left…',
    });
    expect(progressWithEta({ ...stored, done: 10_000 }, secondsIn(42)).etaText).toBe('almost done');
    expect(progressWithEta({ done: 12, stream: 'calendar', startedAt: startedAt.toISOString() }, secondsIn(42)).etaText).toBeNull();
  });
});
