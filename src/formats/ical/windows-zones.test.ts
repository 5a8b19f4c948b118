import { describe, expect, it } from 'vitest';
import { resolveTzid, WINDOWS_TO_IANA, windowsToIana } from './windows-zones.js';
import { wallTimeToUtc } from './zoned-time.js';

const wall = (year: number, month: number, day: number, hour: number, minute = 0) => ({ year, month, day, hour, minute, second: 0 });

describe('Windows zone names', () => {
  it('maps every table entry to a zone Node knows', () => {
    for (const iana of Object.values(WINDOWS_TO_IANA)) {
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone: iana })).not.toThrow();
    }
  });

  it('maps the common ones, case-insensitively', () => {
    expect(windowsToIana('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(windowsToIana('romance standard time')).toBe('Europe/Paris');
    expect(windowsToIana('India Standard Time')).toBe('Asia/Kolkata');
    expect(windowsToIana('AUS Eastern Standard Time')).toBe('Australia/Sydney');
  });

  it('resolves Outlook display names, vendor prefixes and bare offsets', () => {
    expect(resolveTzid('(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna')).toEqual({ iana: 'Europe/Berlin' });
    expect(resolveTzid('"(GMT+10:00) Canberra, Melbourne, Sydney"')).toEqual({ iana: 'Australia/Sydney' });
    expect(resolveTzid('Pacific Time (US & Canada)\\, Tijuana')).toEqual({ iana: 'America/Los_Angeles' });
    expect(resolveTzid('/mozilla.org/20050126_1/Europe/Berlin')).toEqual({ iana: 'Europe/Berlin' });
    expect(resolveTzid('(UTC+05:30) Somewhere New')).toEqual({ offsetMinutes: 330 });
    expect(resolveTzid('(no TZ description)')).toBeUndefined();
  });
});

describe('wallTimeToUtc (RFC 5545 §3.3.5)', () => {
  it('converts with the offset in force', () => {
    expect(wallTimeToUtc(wall(2024, 1, 15, 9), 'Europe/Paris').toISOString()).toBe('2024-01-15T08:00:00.000Z');
    expect(wallTimeToUtc(wall(2024, 7, 15, 9), 'Europe/Paris').toISOString()).toBe('2024-07-15T07:00:00.000Z');
    expect(wallTimeToUtc(wall(2024, 7, 15, 9), 'Asia/Kolkata').toISOString()).toBe('2024-07-15T03:30:00.000Z');
  });

  it('takes the first of a repeated hour and the pre-gap offset for a skipped one', () => {
    expect(wallTimeToUtc(wall(2007, 11, 4, 1, 30), 'America/New_York').toISOString()).toBe('2007-11-04T05:30:00.000Z');
    expect(wallTimeToUtc(wall(2007, 3, 11, 2, 30), 'America/New_York').toISOString()).toBe('2007-03-11T07:30:00.000Z');
  });
});
