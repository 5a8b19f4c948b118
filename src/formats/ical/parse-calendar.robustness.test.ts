// Hostile and broken calendars: everything ends after bounded work, and either parses (with
// the good events kept) or fails with a MalformedCalendarError — never another exception.
// "Bounded" is observed, not timed: the tests count the candidate times ical.js's rule
// iterator checks and the steps it takes. The per-test timeouts are hang guards: synchronous
// code cannot be interrupted, but vitest reports a test that ran past its timeout.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import ICAL from 'ical.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expandOccurrences, MalformedCalendarError, parseCalendarObject } from './parse-calendar.js';

const ICS_DIR = path.resolve(import.meta.dirname, '../../../test/fixtures/real/ics');
const read = (name: string) => readFileSync(path.join(ICS_DIR, name), 'utf8');
const ALL_TIME = { from: new Date('1990-01-01T00:00:00Z'), to: new Date('2031-01-01T00:00:00Z') };
const HANG_GUARD_MS = 60_000;

type Iterator = { next(): unknown; check_contracting_rules(): boolean };
const iteratorProto = ICAL.RecurIterator.prototype as unknown as Iterator;

/** Counts the work ical.js does: candidate times checked against BYxxx parts, and steps. */
function countWork() {
  return { candidates: vi.spyOn(iteratorProto, 'check_contracting_rules'), steps: vi.spyOn(iteratorProto, 'next') };
}
afterEach(() => {
  vi.restoreAllMocks();
});

describe('pathological and malformed input', () => {
  const secondly = (dtstart: string, rule = 'FREQ=SECONDLY') =>
    `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:p\r\nDTSTART:${dtstart}\r\nRRULE:${rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;

  it(
    'stops FREQ=SECONDLY without end at maxPerSeries, after that many steps',
    () => {
      const work = countWork();
      const problems: string[] = [];
      const occ = expandOccurrences(
        parseCalendarObject(secondly('20240101T000000Z')),
        { from: new Date('2024-01-01T00:00:00Z'), to: new Date('2025-01-01T00:00:00Z') },
        { maxPerSeries: 500, onProblem: (p) => problems.push(p) },
      );
      expect(occ).toHaveLength(500);
      expect(problems.join()).toMatch(/more than 500/);
      // 501 occurrences (one more tells "cut off" from "exactly 500"), not a year of seconds.
      // (ical.js primes its iterators with a next() or two of its own.)
      expect(work.steps.mock.calls.length).toBeLessThanOrEqual(510);
    },
    HANG_GUARD_MS,
  );

  it(
    'caps the steps walked before the window, so a huge COUNT or an old start cannot hang',
    () => {
      const work = countWork();
      const problems: string[] = [];
      const parsed = parseCalendarObject(secondly('19900101T000000Z', 'FREQ=MINUTELY;COUNT=900000000'));
      const occ = expandOccurrences(
        parsed,
        { from: new Date('2024-01-01T00:00:00Z'), to: new Date('2024-02-01T00:00:00Z') },
        { onProblem: (p) => problems.push(p) },
      );
      expect(occ).toEqual([]);
      expect(problems.join()).toMatch(/stopped expanding the recurrence after 20000 steps/);
      // 34 years of minutes lie before the window: the walk stopped at the default 20,000 steps.
      expect(work.steps.mock.calls.length).toBeLessThanOrEqual(20_010);
    },
    HANG_GUARD_MS,
  );

  it(
    'gives up on an impossible sub-daily rule instead of looping inside ical.js',
    () => {
      // SECONDLY spends its candidate budget first: a problem, nothing logged. HOURLY walks
      // past the window's end first and stops there; the DTSTART instance, which RFC 5545
      // §3.8.5.3 always counts as the first, is then kept.
      for (const [rule, problem] of [
        ['FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30', /rule may be impossible/],
        ['FREQ=HOURLY;BYDAY=MO;BYMONTH=2;BYMONTHDAY=30', null],
      ] as const) {
        const work = countWork();
        const problems: string[] = [];
        const occ = expandOccurrences(parseCalendarObject(secondly('20240101T000000Z', rule)), ALL_TIME, {
          onProblem: (p) => problems.push(p),
        });
        expect(occ.map((o) => o.start.toISOString()).filter((s) => s !== '2024-01-01T00:00:00.000Z')).toEqual([]);
        if (problem) expect(problems.join()).toMatch(problem);
        // The candidate budget is 5 × the default 20,000 steps, while the iterator is built
        // and while it walks; an unguarded rule checks candidates for ever.
        expect(work.candidates.mock.calls.length).toBeLessThanOrEqual(2 * 100_000 + 1);
        vi.restoreAllMocks();
      }
    },
    HANG_GUARD_MS,
  );

  it(
    'ignores a VTIMEZONE whose rules are not yearly (ical.js would expand them from 1601)',
    () => {
      const ics = [
        'BEGIN:VCALENDAR',
        'BEGIN:VTIMEZONE',
        'TZID:W. Europe Standard Time',
        'BEGIN:STANDARD',
        'DTSTART:16010101T030000',
        'TZOFFSETFROM:+0200',
        'TZOFFSETTO:+0100',
        'RRULE:FREQ=SECONDLY',
        'END:STANDARD',
        'END:VTIMEZONE',
        'BEGIN:VEVENT',
        'UID:z',
        'DTSTART;TZID=W. Europe Standard Time:20240115T090000',
        'EXDATE;TZID=W. Europe Standard Time:20240116T090000',
        'RRULE:FREQ=DAILY;COUNT=3',
        'END:VEVENT',
        'END:VCALENDAR',
      ].join('\r\n');
      const work = countWork();
      const parsed = parseCalendarObject(ics);
      expect(parsed.problems).toEqual(['VTIMEZONE W. Europe Standard Time: its rules do not repeat yearly, ignored']);
      const occ = expandOccurrences(parsed, ALL_TIME);
      expect(occ.map((o) => o.start.toISOString())).toEqual(['2024-01-15T08:00:00.000Z', '2024-01-17T08:00:00.000Z']);
      // Only the event's own DAILY;COUNT=3 walk: the zone's per-second rule was never iterated.
      expect(work.steps.mock.calls.length).toBeLessThan(10);
    },
    HANG_GUARD_MS,
  );

  it('rejects what is not a calendar, in plain words', () => {
    const reason = (ics: string) => {
      try {
        parseCalendarObject(ics);
      } catch (err) {
        expect(err).toBeInstanceOf(MalformedCalendarError);
        return (err as MalformedCalendarError).reason;
      }
      throw new Error('expected a MalformedCalendarError');
    };
    expect(reason('')).toBe('the file is empty');
    expect(reason('\n\nhello: world\n')).toBe('line 3: not an iCalendar file (it does not start with BEGIN:VCALENDAR)');
    expect(reason('BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n')).toMatch(/truncated/);
    expect(reason('BEGIN:VCALENDAR\r\nVERSION:2.0\r\ngarbage line\r\nEND:VCALENDAR\r\n')).toBe(
      'line 3: not an iCalendar line (no ":" between name and value)',
    );
    expect(reason(read('py-icalendar__issue_27_multiple_periods_in_freebusy_one_freebusy.ics'))).toMatch(/no VEVENT .*VFREEBUSY/);
  });

  it('keeps the complete events of a cut-off file', () => {
    const parsed = parseCalendarObject(
      'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20240102T100000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTST',
    );
    expect(parsed.series.map((s) => s.uid)).toEqual(['a']);
    expect(parsed.problems.join()).toMatch(/truncated/);
  });

  it('returns the good events of a file and lists the bad ones', () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'UID:good',
      'DTSTART:20240102T100000Z',
      'SUMMARY:Good',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:nostart',
      'SUMMARY:No start',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:badrule',
      'DTSTART:20240102T100000Z',
      'RRULE:FREQ=WEEKLY;BYDAY=XX',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const parsed = parseCalendarObject(ics);
    expect(parsed.series.map((s) => s.uid)).toEqual(['good']);
    expect(parsed.problems).toEqual([
      'UID badrule (line 11): invalid BYDAY value "XX", skipped', // ICAL.parse rejects it; the rest is salvaged
      'UID nostart: no DTSTART, skipped',
    ]);
  });
});

describe('mutated real-world files (fast-check)', () => {
  const files = readdirSync(ICS_DIR)
    .filter((f) => f.endsWith('.ics'))
    .map(read);
  const edit = fc.tuple(fc.nat(), fc.constantFrom('delete', 'duplicate', 'cut', 'append', 'swap'));

  it('parse + expand either works or throws MalformedCalendarError', () => {
    fc.assert(
      fc.property(fc.nat({ max: files.length - 1 }), fc.array(edit, { maxLength: 4 }), fc.string({ maxLength: 12 }), (fi, edits, junk) => {
        const lines = files[fi]!.split(/\r?\n/);
        for (const [n, op] of edits) {
          const i = n % lines.length;
          if (op === 'delete') lines.splice(i, 1);
          else if (op === 'duplicate') lines.splice(i, 0, lines[i] ?? '');
          else if (op === 'cut') lines[i] = (lines[i] ?? '').slice(0, n % 17);
          else if (op === 'append') lines[i] = `${lines[i] ?? ''}${junk}`;
          else [lines[i], lines[(n >> 4) % lines.length]] = [lines[(n >> 4) % lines.length]!, lines[i]!];
        }
        try {
          expandOccurrences(parseCalendarObject(lines.join('\r\n')), ALL_TIME, { maxPerSeries: 200 });
        } catch (err) {
          if (!(err instanceof MalformedCalendarError)) throw err;
        }
      }),
      { numRuns: 60 },
    );
  });
});

// Each value expansion will read is read once while parsing, so one bad event is skipped and
// named instead of failing the whole file later. ICAL.parse accepts all of these lines: the
// values are only interpreted when read. Added after the mutation run on parse-calendar.ts.
describe('an event with a value that cannot be read', () => {
  const vcalendar = (...events: string[]) =>
    ['BEGIN:VCALENDAR', ...events.flatMap((e) => ['BEGIN:VEVENT', e, 'END:VEVENT']), 'END:VCALENDAR'].join('\r\n');
  const at = 'DTSTART:20240102T100000Z';

  it('is skipped with the property named; the good events, with or without DTEND, RRULE, EXDATE, RDATE, stay', () => {
    const parsed = parseCalendarObject(
      vcalendar(
        `UID:plain\r\n${at}`,
        `UID:stamp\r\nDTSTAMP:yesterday\r\n${at}`, // a value nothing reads does not count against the event
        `UID:full\r\n${at}\r\nDTEND:20240102T110000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\nEXDATE:20240103T100000Z\r\nRDATE:20240110T100000Z`,
        'UID:start\r\nDTSTART;VALUE=TEXT:someday',
        `UID:end\r\n${at}\r\nDTEND:tomorrow`,
        `UID:duration\r\n${at}\r\nDURATION:an hour`,
        `UID:instance\r\n${at}\r\nRECURRENCE-ID:soon`,
        `UID:exdate\r\n${at}\r\nRRULE:FREQ=DAILY;COUNT=3\r\nEXDATE:never`,
        `UID:rdate\r\n${at}\r\nRDATE:often`,
        `UID:rule\r\n${at}\r\nRRULE:FREQ=WEEKLY;BYMONTHDAY=1`,
      ),
    );
    expect(parsed.series.map((s) => s.uid)).toEqual(['plain', 'stamp', 'full']);
    const skipped = parsed.problems.map((p) => p.replace(/ \(.*\), skipped$/, ', skipped'));
    expect(skipped).toEqual([
      'UID start: DTSTART cannot be read, skipped',
      'UID end: DTEND cannot be read, skipped',
      'UID duration: DURATION cannot be read, skipped',
      'UID instance: RECURRENCE-ID cannot be read, skipped',
      'UID exdate: EXDATE cannot be read, skipped',
      'UID rdate: RDATE cannot be read, skipped',
      'UID rule: RRULE cannot be read, skipped',
    ]);
    // The why is ical.js's own words, in brackets: e.g. the rule's impossible combination.
    expect(parsed.problems[0]).toBe('UID start: DTSTART cannot be read (not a date), skipped');
    expect(parsed.problems[6]).toMatch(/\(For WEEKLY recurrences neither BYMONTHDAY nor BYYEARDAY may appear\)/);
    const occ = expandOccurrences(parsed, ALL_TIME);
    expect(occ.filter((o) => o.uid === 'full').map((o) => o.start.toISOString())).toEqual([
      '2024-01-02T10:00:00.000Z',
      '2024-01-04T10:00:00.000Z',
      '2024-01-10T10:00:00.000Z',
    ]);
  });

  it('without a UID is named by its place in the file and the start of its SUMMARY', () => {
    const reason = (() => {
      try {
        parseCalendarObject(
          vcalendar(
            'UID:a',
            'DESCRIPTION:not the title\r\nSUMMARY:A very long summary that goes on and on past forty characters',
            'SUMMARY:',
          ),
        );
      } catch (err) {
        return (err as MalformedCalendarError).reason;
      }
    })();
    // Nothing usable is left, so the file fails, and its reason lists what was wrong with each.
    expect(reason).toBe(
      'no VEVENT with a UID and DTSTART (UID a: no DTSTART, skipped; ' +
        'VEVENT #2 ("A very long summary that goes on and on "): no DTSTART, skipped; VEVENT #3: no DTSTART, skipped)',
    );
  });
});

describe('a VTIMEZONE rule that cannot be read', () => {
  it('drops the zone, says so under its TZID, and reads the event by the zone name', () => {
    const parsed = parseCalendarObject(
      [
        'BEGIN:VCALENDAR',
        'BEGIN:VTIMEZONE',
        'X-LIC-LOCATION:Berlin', // before TZID: the problem must name the TZID, not the first property
        'TZID:Europe/Berlin',
        'BEGIN:STANDARD',
        'DTSTART:16010101T030000',
        'TZOFFSETFROM:+0200',
        'TZOFFSETTO:+0100',
        'RRULE:FREQ=YEARLY;UNTIL=garbage',
        'END:STANDARD',
        'END:VTIMEZONE',
        'BEGIN:VEVENT',
        'UID:g',
        'DTSTART;TZID=Europe/Berlin:20240102T100000',
        'END:VEVENT',
        'END:VCALENDAR',
      ].join('\r\n'),
    );
    expect(parsed.problems).toEqual(['VTIMEZONE Europe/Berlin: one of its rules cannot be read, ignored']);
    expect(expandOccurrences(parsed, ALL_TIME)[0]?.start.toISOString()).toBe('2024-01-02T09:00:00.000Z'); // CET
  });
});
