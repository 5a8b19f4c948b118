// Remedies and plain-word durations shown at the end of a diagnosis.
import { describe, expect, it } from 'vitest';
import { remedy, uniqueRemedies } from './remedies.js';
import fc from 'fast-check';
import { ageWords, isoTime } from './time-words.js';

describe('remedies', () => {
  it('send the CSM to Profile → Sync email & calendar to authorize or re-authorize, as the article does', () => {
    expect(remedy.authorize('inbox').text).toContain('Profile → Sync email & calendar → Sync now');
    expect(remedy.reauthorize('calendar').text).toContain('Profile → Sync email & calendar → Re-authorize');
  });

  it('warn that deleting an end user from a source is undone by its next import, offering delete and suppress', () => {
    const r = remedy.deleteAndSuppress('bob@acme.com', 'crm:salesforce');
    expect(r.code).toBe('DELETE_AND_SUPPRESS');
    expect(r.text).toContain('crm:salesforce');
    expect(r.text).toContain('delete and suppress');
  });

  it('promise sync within 30 minutes', () => {
    expect(remedy.waitForSync(null).text).toContain('30 minutes');
    expect(remedy.waitForSync(new Date('2024-01-01T00:05:00Z')).text).toContain('2024-01-01T00:05:00.000Z');
  });

  it('are listed once each, in first-seen order', () => {
    const list = [
      remedy.authorize('inbox'),
      remedy.unblock('a.com'),
      remedy.authorize('inbox'),
      remedy.unblock('b.com'),
      remedy.unblock('a.com'),
    ];
    expect(uniqueRemedies(list)).toEqual([remedy.authorize('inbox'), remedy.unblock('a.com'), remedy.unblock('b.com')]);
  });

  it('are returned as a new list, even when there is nothing to remove', () => {
    for (const list of [[], [remedy.cancelled()], [remedy.cancelled(), remedy.organizeYourself()]]) {
      const out = uniqueRemedies(list);
      expect(out).toEqual(list);
      expect(out).not.toBe(list);
    }
  });
});

describe('ageWords', () => {
  it.each([
    [-5, 'under a minute'],
    [0.4, 'under a minute'],
    [1, '1 minute'],
    [4, '4 minutes'],
    [119, '119 minutes'],
    [120, '2 hours'],
    [47 * 60, '47 hours'],
    [48 * 60, '2 days'],
  ])('%d minutes reads "%s"', (m, words) => {
    expect(ageWords(m)).toBe(words);
  });
});

describe('isoTime', () => {
  it('is exactly Date.prototype.toISOString, including outside 1970–9999 and for invalid dates', () => {
    const same = (t: number) => {
      const d = new Date(t);
      let expected: string;
      try {
        expected = d.toISOString();
      } catch {
        expect(() => isoTime(d)).toThrow(RangeError);
        return;
      }
      expect(isoTime(d)).toBe(expected);
    };
    for (const t of [0, -1, 1, 951782400000 /* 2000-02-29 */, 253402300799999, 253402300800000, -62198755200000, 8.64e15, -8.64e15, NaN])
      same(t);
    fc.assert(fc.property(fc.integer({ min: 0, max: 253402300799999 }), same), { numRuns: 5000 });
    fc.assert(fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), same), { numRuns: 2000 });
  });
});
