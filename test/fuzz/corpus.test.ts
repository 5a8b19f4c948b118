// Replays test/fuzz/corpus/: every input that once crashed, hung or slowed a parser
// wrapper, kept for ever. Each must now end as a result or the documented per-item error.
import { describe, expect, it } from 'vitest';
import { expandOccurrences, MalformedCalendarError, parseCalendarObject } from '../../src/formats/ical/parse-calendar.js';
import { MalformedItemError, parseEmail } from '../../src/formats/mime/parse-email.js';
import { corpusFiles, guarded } from './harness.js';

const WINDOW = { from: new Date('2000-01-01T00:00:00Z'), to: new Date('2030-01-01T00:00:00Z') };

describe('regression corpus', () => {
  it('has the inputs fuzzing found', () => {
    expect(corpusFiles('ics').length).toBeGreaterThanOrEqual(6);
  });

  for (const { name, bytes } of corpusFiles('ics')) {
    it(`ics/${name}: parses and expands with the sync's limits, or is a MalformedCalendarError`, async () => {
      await guarded('ics', bytes, () => {
        try {
          expandOccurrences(parseCalendarObject(bytes.toString('utf8')), WINDOW, { seenAt: WINDOW.from });
        } catch (err) {
          if (!(err instanceof MalformedCalendarError)) throw err;
        }
      });
    });
  }

  for (const { name, bytes } of corpusFiles('mime')) {
    it(`mime/${name}: parses or is a MalformedItemError`, async () => {
      await guarded('mime', bytes, async () => {
        await parseEmail(bytes, { fallbackReceivedAt: WINDOW.from }).catch((err: unknown) => {
          if (!(err instanceof MalformedItemError)) throw err;
        });
      });
    });
  }
});
