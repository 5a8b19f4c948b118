// The web app's one way to show a time: relative when recent, the exact UTC time on hover.
import { describe, expect, it } from 'vitest';
import { exactUtc, readableTimes, relativeTime } from '../../web/src/time-words.js';

const now = new Date('2026-03-10T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const MIN = 60_000;

describe('time words', () => {
  it('says how long ago a recent time was, and how soon a coming one is', () => {
    expect(relativeTime(ago(20_000), now)).toBe('just now');
    expect(relativeTime(ago(5 * MIN), now)).toBe('5 min ago');
    expect(relativeTime(ago(3 * 60 * MIN), now)).toBe('3 h ago');
    expect(relativeTime(ago(2 * 24 * 60 * MIN), now)).toBe('2 d ago');
    expect(relativeTime(ago(-15 * MIN), now)).toBe('in 15 min');
  });

  it('gives a date, not "23 d ago", beyond a week', () => {
    expect(relativeTime(ago(8 * 24 * 60 * MIN), now)).toBeNull();
  });

  it("shows the exact UTC time on hover, whatever the viewer's zone", () => {
    expect(exactUtc(new Date('2026-03-06T16:45:00Z'))).toBe('Fri, 6 Mar 2026, 16:45:00 UTC');
  });

  it("reads the server's ISO times in a check's words as dates in the viewer's zone", () => {
    const zone = process.env.TZ;
    process.env.TZ = 'UTC';
    try {
      expect(readableTimes('Received 2026-03-06T16:45:00.000Z, after the inbox was authorized (2026-03-01T00:00:00.000Z).')).toBe(
        'Received 6 Mar 2026, 16:45 UTC, after the inbox was authorized (1 Mar 2026, 00:00 UTC).',
      );
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});
