// Fuzzing the iCalendar wrapper exactly as calendar ingest calls it (parseCalendarObject,
// then expandOccurrences over the sync window): mutated real-world files, and calendars
// generated from random RRULEs, VTIMEZONEs, parameters and line folding. Each input either
// gives well-formed occurrences (with its problems listed) or a MalformedCalendarError — the
// per-item error a sync records — in bounded time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandOccurrences, MalformedCalendarError, parseCalendarObject } from '../../src/formats/ical/parse-calendar.js';
import { applyMutation, guarded, mutation, readFixtures, Tally } from './harness.js';

const FIXTURES = readFixtures('ics').map((b) => b.toString('utf8'));
const SEEN_AT = new Date('2026-03-20T12:00:00Z');
// The sync's window: 30 days before authorization to 30 days after now, and a wide one.
const WINDOWS = [
  { from: new Date('2026-01-30T00:00:00Z'), to: new Date('2026-04-19T00:00:00Z') },
  { from: new Date('2000-01-01T00:00:00Z'), to: new Date('2030-01-01T00:00:00Z') },
];

// Tighter than the sync's defaults (2,000 occurrences, 20,000 steps) so 10,000 inputs fit in
// a test run; the defaults' own bounds are tested in parse-calendar.robustness.test.ts.
const LIMITS = { maxPerSeries: 200, maxSteps: 2000 };

const wide = fc.integer({ min: 0, max: 3 }).map((n) => n === 0);

async function expandOne(ics: string, wide: boolean, tally: Tally): Promise<void> {
  let outcome = 'parsed';
  const ms = await guarded('ics', ics, () => {
    try {
      const parsed = parseCalendarObject(ics);
      const occ = expandOccurrences(parsed, WINDOWS[wide ? 1 : 0]!, { seenAt: SEEN_AT, ...LIMITS });
      for (const o of occ) {
        o.start.toISOString();
        o.end.toISOString();
        expect(typeof o.uid).toBe('string');
      }
      JSON.stringify(occ);
      for (const p of parsed.problems) expect(typeof p).toBe('string');
      if (parsed.problems.length) outcome = 'parsed with problems';
    } catch (err) {
      if (!(err instanceof MalformedCalendarError)) throw err;
      expect(err.reason.length).toBeGreaterThan(0);
      outcome = 'rejected';
    }
  });
  tally.add(outcome, ms);
}

// ---- line-level edits of real files ----

const lineEdit = fc.tuple(
  fc.nat(),
  fc.constantFrom('delete', 'duplicate', 'cut', 'append', 'swap', 'unfold', 'param'),
  fc.string({ maxLength: 16 }),
);

function editLines(text: string, edits: [number, string, string][]): string {
  const lines = text.split(/\r?\n/);
  for (const [n, op, junk] of edits) {
    const i = n % lines.length;
    const line = lines[i] ?? '';
    if (op === 'delete') lines.splice(i, 1);
    else if (op === 'duplicate') lines.splice(i, 0, line);
    else if (op === 'cut') lines[i] = line.slice(0, n % 23);
    else if (op === 'append') lines[i] = `${line}${junk}`;
    else if (op === 'unfold')
      lines[i] = ` ${line}`; // a continuation line where none belongs
    else if (op === 'param') lines[i] = line.replace(/^([A-Z-]+)([;:])/, `$1;X-P=${JSON.stringify(junk)}$2`);
    else {
      const j = (n >> 5) % lines.length;
      [lines[i], lines[j]] = [lines[j]!, line];
    }
  }
  return lines.join('\r\n');
}

// ---- generated calendars ----

const freq = fc.constantFrom('SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY', 'FORTNIGHTLY', '');
const day = fc.constantFrom('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU', '1MO', '-1FR', '53SU', 'XX', '');
const wildRrule = fc
  .record({
    freq,
    interval: fc.option(fc.integer({ min: -2, max: 1000 }), { nil: undefined }),
    count: fc.option(fc.integer({ min: -1, max: 1_000_000 }), { nil: undefined }),
    until: fc.option(fc.constantFrom('20260401T000000Z', '20260401', '19700101T000000Z', '99991231T235959Z', 'garbage'), {
      nil: undefined,
    }),
    byday: fc.array(day, { maxLength: 4 }),
    bymonthday: fc.array(fc.integer({ min: -40, max: 40 }), { maxLength: 3 }),
    bymonth: fc.array(fc.integer({ min: 0, max: 14 }), { maxLength: 3 }),
    bysetpos: fc.array(fc.integer({ min: -400, max: 400 }), { maxLength: 2 }),
    byhour: fc.array(fc.integer({ min: -1, max: 25 }), { maxLength: 2 }),
    wkst: fc.option(fc.constantFrom('MO', 'SU', 'ZZ'), { nil: undefined }),
  })
  .map((r) =>
    [
      `FREQ=${r.freq}`,
      r.interval !== undefined ? `INTERVAL=${r.interval}` : '',
      r.count !== undefined ? `COUNT=${r.count}` : '',
      r.until ? `UNTIL=${r.until}` : '',
      r.byday.length ? `BYDAY=${r.byday.join(',')}` : '',
      r.bymonthday.length ? `BYMONTHDAY=${r.bymonthday.join(',')}` : '',
      r.bymonth.length ? `BYMONTH=${r.bymonth.join(',')}` : '',
      r.bysetpos.length ? `BYSETPOS=${r.bysetpos.join(',')}` : '',
      r.byhour.length ? `BYHOUR=${r.byhour.join(',')}` : '',
      r.wkst ? `WKST=${r.wkst}` : '',
    ]
      .filter(Boolean)
      .join(';'),
  );
// Mostly plausible rules (so expansion is exercised, not only rejection), some wild ones.
const saneRrule = fc
  .record({
    freq: fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY', 'HOURLY'),
    interval: fc.integer({ min: 1, max: 4 }),
    end: fc.constantFrom('', ';COUNT=10', ';UNTIL=20260601T000000Z', ';UNTIL=20260601'),
    by: fc.constantFrom('', ';BYDAY=MO,WE,FR', ';BYDAY=-1FR', ';BYMONTHDAY=1,15', ';BYMONTH=3;BYMONTHDAY=29', ';BYDAY=TU;BYSETPOS=2'),
  })
  .map((r) => `FREQ=${r.freq};INTERVAL=${r.interval}${r.end}${r.by}`);
const rrule = fc.oneof({ weight: 3, arbitrary: saneRrule }, { weight: 1, arbitrary: wildRrule });

const TZIDS = [
  'Europe/Berlin',
  'W. Europe Standard Time',
  'Eastern Standard Time',
  'Custom/Zone',
  '',
  'America/New_York',
  '(UTC+01:00) Amsterdam',
  'GMT+0530',
  '"quoted; zone"',
];
const tzid = fc.constantFrom(...TZIDS);
const offset = fc.constantFrom('+0100', '+0200', '-0500', '+1400', '-1200', '+9999', '0100', '');
const vtimezone = fc
  .record({
    tzid,
    std: offset,
    dst: offset,
    stdRule: fc.option(rrule, { nil: undefined }),
    dstRule: fc.option(rrule, { nil: undefined }),
    start: fc.constantFrom('16010101T030000', '19700329T020000', '20260101T000000', 'bad'),
  })
  .map((z) => [
    'BEGIN:VTIMEZONE',
    `TZID:${z.tzid}`,
    'BEGIN:STANDARD',
    `DTSTART:${z.start}`,
    `TZOFFSETFROM:${z.dst}`,
    `TZOFFSETTO:${z.std}`,
    ...(z.stdRule ? [`RRULE:${z.stdRule}`] : []),
    'END:STANDARD',
    'BEGIN:DAYLIGHT',
    `DTSTART:${z.start}`,
    `TZOFFSETFROM:${z.std}`,
    `TZOFFSETTO:${z.dst}`,
    ...(z.dstRule ? [`RRULE:${z.dstRule}`] : []),
    'END:DAYLIGHT',
    'END:VTIMEZONE',
  ]);

const dateValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('20260305T150000Z', '20260305T150000', '20260305', '20260210T090000Z') },
  { weight: 1, arbitrary: fc.constantFrom('20260230T250000', '19000101T000000Z', '20260305T150000Z,20260306T150000Z', '', 'tomorrow') },
);
const param = fc.oneof(
  tzid.map((z) => `TZID=${z}`),
  fc.constantFrom(
    'VALUE=DATE',
    'VALUE=DATE-TIME',
    'VALUE=PERIOD',
    'PARTSTAT=ACCEPTED',
    'PARTSTAT=NEEDS-ACTION',
    'ROLE=CHAIR',
    'CN="Last, First"',
    'CN=a;b',
    'RSVP=TRUE',
    'X-WEIRD="',
    'CUTYPE=ROOM',
  ),
  fc.string({ maxLength: 10 }).map((s) => `X-${s.replace(/[^A-Z]/gi, 'A') || 'A'}=${JSON.stringify(s)}`),
);
const withParams = (name: string, value: fc.Arbitrary<string>) =>
  fc
    .tuple(
      fc.oneof({ weight: 2, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.array(param, { maxLength: 3 }) }),
      value,
    )
    .map(([ps, v]) => `${name}${ps.map((p) => `;${p}`).join('')}:${v}`);
const address = fc.constantFrom('mailto:bob@acme.com', 'MAILTO:alice@ourco.com', 'mailto:', 'bob@acme.com', 'mailto:"x"@y', 'urn:uuid:1');

const vevent = fc
  .record({
    uid: fc.option(fc.constantFrom('u1', 'u2', 'u1@x', ''), { nil: undefined, freq: 8 }),
    dtstart: fc.option(withParams('DTSTART', dateValue), { nil: undefined, freq: 8 }),
    end: fc.option(
      fc.oneof(withParams('DTEND', dateValue), fc.constantFrom('DURATION:PT1H', 'DURATION:-P1D', 'DURATION:P9999W', 'DURATION:bad')),
      { nil: undefined },
    ),
    rrule: fc.option(
      rrule.map((r) => `RRULE:${r}`),
      { nil: undefined },
    ),
    exdate: fc.option(withParams('EXDATE', dateValue), { nil: undefined }),
    rdate: fc.option(withParams('RDATE', dateValue), { nil: undefined }),
    recurrenceId: fc.option(withParams('RECURRENCE-ID', dateValue), { nil: undefined }),
    organizer: fc.option(withParams('ORGANIZER', address), { nil: undefined }),
    attendees: fc.array(withParams('ATTENDEE', address), { maxLength: 4 }),
    status: fc.option(fc.constantFrom('STATUS:CANCELLED', 'STATUS:CONFIRMED', 'STATUS:???'), { nil: undefined }),
    summary: fc.string({ maxLength: 40 }).map((s) => `SUMMARY:${s.replace(/\r?\n/g, '\\n')}`),
    sequence: fc.option(fc.constantFrom('SEQUENCE:0', 'SEQUENCE:3', 'SEQUENCE:-1', 'SEQUENCE:x'), { nil: undefined }),
  })
  .map((e) => [
    'BEGIN:VEVENT',
    ...Object.entries(e).flatMap(([k, v]) => (v === undefined ? [] : k === 'uid' ? [`UID:${v}`] : Array.isArray(v) ? v : [v])),
    'END:VEVENT',
  ]);

/** RFC 5545 §3.1 folding at random widths, with a space or a tab, even inside a UTF-8 character. */
function fold(lines: string[], width: number, tab: boolean): string {
  if (width <= 0) return lines.join('\r\n');
  return lines
    .map((l) => {
      const parts: string[] = [];
      for (let i = 0; i < l.length; i += width) parts.push(l.slice(i, i + width));
      return parts.join(`\r\n${tab ? '\t' : ' '}`);
    })
    .join('\r\n');
}

const generated = fc
  .record({
    method: fc.option(fc.constantFrom('METHOD:REQUEST', 'METHOD:CANCEL', 'METHOD:PUBLISH', 'METHOD:REPLY'), { nil: undefined }),
    zones: fc.array(vtimezone, { maxLength: 2 }),
    events: fc.array(vevent, { minLength: 1, maxLength: 4 }),
    width: fc.integer({ min: -20, max: 75 }),
    tab: fc.boolean(),
  })
  .map((c) =>
    fold(
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//fuzz//EN',
        ...(c.method ? [c.method] : []),
        ...c.zones.flat(),
        ...c.events.flat(),
        'END:VCALENDAR',
        '',
      ],
      c.width,
      c.tab,
    ),
  );

// 1,000 + 800 + 8,200 = 10,000 inputs. One in four is expanded over 30 years.
describe('ICS fuzzing: parse + expand never throws anything but MalformedCalendarError, and never hangs', () => {
  it('line edits of the real-world files: deleted, duplicated, cut, swapped, unfolded lines, junk parameters (1,000)', async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: FIXTURES.length - 1 }),
        fc.array(lineEdit, { minLength: 1, maxLength: 5 }),
        wide,
        async (fi, edits, w) => expandOne(editLines(FIXTURES[fi]!, edits), w, tally),
      ),
      { numRuns: 1000, endOnFailure: true },
    );
    console.log(`ics line edits: ${tally}`);
    expect(tally.items).toBe(1000);
  });

  it('byte-level mutations of the real-world files (800)', async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: FIXTURES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (fi, ms) =>
        expandOne(ms.reduce(applyMutation, Buffer.from(FIXTURES[fi]!)).toString('utf8'), false, tally),
      ),
      { numRuns: 800, endOnFailure: true },
    );
    console.log(`ics byte mutations: ${tally}`);
    expect(tally.items).toBe(800);
  });

  it('generated calendars: random RRULEs, VTIMEZONEs, parameters and line folding (8,200)', async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(generated, wide, async (ics, w) => expandOne(ics, w, tally)),
      { numRuns: 8200, endOnFailure: true },
    );
    console.log(`ics generated: ${tally}`);
    expect(tally.items).toBe(8200);
  });
});
