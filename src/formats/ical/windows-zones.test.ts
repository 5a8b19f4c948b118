import { WINDOWS_TO_IANA_MAP } from 'windows-iana';
import { describe, expect, it } from 'vitest';
import { resolveTzid, windowsToIana } from './windows-zones.js';
import { wallTimeToUtc } from './zoned-time.js';

const wall = (year: number, month: number, day: number, hour: number, minute = 0) => ({ year, month, day, hour, minute, second: 0 });

describe('Windows zone names', () => {
  it('maps every Windows zone to a zone Node knows', () => {
    const ids = new Set(WINDOWS_TO_IANA_MAP.map((e) => e.windowsName));
    expect(ids.size).toBeGreaterThan(130);
    for (const id of ids) {
      const iana = windowsToIana(id);
      expect(iana, id).toBeDefined();
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone: iana }), id).not.toThrow();
    }
  });

  it('knows the retired Windows ids old Outlook files still carry', () => {
    expect(windowsToIana('Mexico Standard Time')).toBe('America/Mexico_City');
    expect(windowsToIana('Mid-Atlantic Standard Time')).toBe('Etc/GMT+2');
    expect(windowsToIana('Kamchatka Standard Time')).toBe('Asia/Kamchatka');
  });

  it('follows zones CLDR re-pointed and IANA renamed', () => {
    expect(windowsToIana('Eastern Standard Time')).toBe('America/New_York');
    expect(windowsToIana('Mountain Standard Time (Mexico)')).toBe('America/Mazatlan');
    expect(windowsToIana('Central Asia Standard Time')).toBe('Asia/Bishkek');
    expect(windowsToIana('Nepal Standard Time')).toBe('Asia/Kathmandu');
    expect(windowsToIana('Greenland Standard Time')).toBe('America/Nuuk');
    expect(windowsToIana('Argentina Standard Time')).toBe('America/Argentina/Buenos_Aires');
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
