import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { calendarManifest, clientCalendarManifest, type EventExpectation } from '../../../test/fixtures/manifest.js';
import type { MeetingOccurrence } from '../../domain/items.js';
import { expandOccurrences, hasRecurrence, MalformedCalendarError, parseCalendarObject } from './parse-calendar.js';

const ICS_DIR = path.resolve(import.meta.dirname, '../../../test/fixtures/real/ics');
const read = (name: string) => readFileSync(path.join(ICS_DIR, name), 'utf8');
const ALL_TIME = { from: new Date('1990-01-01T00:00:00Z'), to: new Date('2031-01-01T00:00:00Z') };
const SEEN = new Date('2025-06-01T12:00:00Z');
const expand = (name: string, window = ALL_TIME) => expandOccurrences(parseCalendarObject(read(name)), window, { seenAt: SEEN });
const starts = (occ: MeetingOccurrence[]) => occ.map((o) => o.start.toISOString());

const CLIENTS_DIR = path.resolve(import.meta.dirname, '../../../test/fixtures/clients');

/** What the manifest records of a file: one entry per UID (its first occurrence), in file order. */
function factsOf(ics: string): EventExpectation[] {
  const byUid = new Map<string, EventExpectation>();
  for (const o of expandOccurrences(parseCalendarObject(ics), ALL_TIME, { seenAt: SEEN })) {
    if (byUid.has(o.uid)) continue;
    const attendees = o.attendees.map((a) => `${a.address} ${a.partstat}`);
    byUid.set(o.uid, {
      uid: o.uid,
      organizer: o.organizer?.address ?? null,
      attendees,
      start: o.start.toISOString(),
      recurring: o.recurring,
    });
  }
  return [...byUid.values()];
}

describe.each([
  { where: 'test/fixtures/real/ics', dir: ICS_DIR, manifest: calendarManifest(), atLeast: 33 },
  { where: 'test/fixtures/clients', dir: CLIENTS_DIR, manifest: clientCalendarManifest(), atLeast: 4 },
])('every .ics in $where', ({ dir, manifest, atLeast }) => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ics'));

  it('has the fixtures, each with its expected outcome in the manifest', () => {
    expect(files.length).toBeGreaterThanOrEqual(atLeast);
    expect(Object.keys(manifest).sort()).toEqual([...files].sort());
  });

  it.each(files)('%s has the outcome its manifest entry says', (file) => {
    const expected = manifest[file]!;
    const ics = readFileSync(path.join(dir, file), 'utf8');
    if (expected.outcome === 'malformed') {
      const err = (() => {
        try {
          return factsOf(ics);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(MalformedCalendarError);
      expect((err as MalformedCalendarError).reason).toContain(expected.reason);
      return;
    }
    expect(factsOf(ics)).toEqual(expected.events);
    const { problems } = parseCalendarObject(ics);
    if (expected.reported === undefined) expect(problems).toEqual([]);
    else for (const problem of problems) expect(problem).toContain(expected.reported);
  });
});

describe('time zones', () => {
  it('reads a Windows TZID through the IANA database, not the bogus VTIMEZONE in the file', () => {
    // "New Zealand Standard Time" 2019-11-20 13:00 is NZDT (UTC+13); the file's VTIMEZONE says CET.
    const [o] = expand('khal__tz_windows_format.ics');
    expect(o?.start.toISOString()).toBe('2019-11-20T00:00:00.000Z');
    expect(o?.end.toISOString()).toBe('2019-11-20T01:30:00.000Z');
    expect(o?.timeZone).toBe('New Zealand Standard Time');
  });

  it('reads OWA display-name TZIDs', () => {
    const occ = expand('node-ical__Office-2012-owa.ics');
    const syd = occ.find((o) => o.title === 'TEST Syd');
    expect(syd?.start.toISOString()).toBe('2020-10-28T02:30:00.000Z'); // AEDT, UTC+11
    const est = occ.find((o) => o.title === 'TEST');
    expect(est?.start.toISOString()).toBe('2020-10-28T17:30:00.000Z'); // EDT, UTC-4
  });

  it("repairs Exchange's misplaced TZID quote instead of rejecting the file", () => {
    const occ = expand('node-ical__ms_timezones.ics');
    expect(starts(occ)).toContain('2020-06-09T07:00:00.000Z'); // 09:00 CEST
  });
});

describe('recurrence', () => {
  it("gives every instance of a series the master's fields, in objects of its own", () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'UID:weekly-1',
      'DTSTAMP:20250101T000000Z',
      'LAST-MODIFIED:20250102T000000Z',
      'STATUS:CANCELLED',
      'DTSTART;TZID=Europe/Berlin:20250106T090000',
      'DTEND;TZID=Europe/Berlin:20250106T093000',
      'RRULE:FREQ=WEEKLY;COUNT=3',
      'SUMMARY:Weekly sync',
      'LOCATION:Room 1',
      'ORGANIZER;CN=Alice;EMAIL=alice@ourco.com:mailto:a.l@ourco.com',
      'ATTENDEE;CN=Bob;ROLE=CHAIR;PARTSTAT=ACCEPTED:mailto:bob@acme.example',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const occ = expandOccurrences(parseCalendarObject(ics), ALL_TIME, { seenAt: SEEN });
    expect(starts(occ)).toEqual(['2025-01-06T08:00:00.000Z', '2025-01-13T08:00:00.000Z', '2025-01-20T08:00:00.000Z']);
    const [first, ...rest] = occ;
    for (const o of rest) {
      expect({ ...o, start: null, end: null }).toEqual({ ...first, start: null, end: null });
      expect(Object.keys(o)).toEqual(Object.keys(first!)); // the same JSON, field order included
      expect(o.end.getTime() - o.start.getTime()).toBe(30 * 60_000);
      expect(o.attendees).not.toBe(first!.attendees);
      expect(o.attendees[0]).not.toBe(first!.attendees[0]);
      expect(o.organizer).not.toBe(first!.organizer);
    }
    expect(first).toMatchObject({ title: 'Weekly sync', location: 'Room 1', cancelled: true, timeZone: 'Europe/Berlin', recurring: true });
    expect(first!.cancelledAt).toEqual(new Date('2025-01-02T00:00:00Z'));
  });

  it('removes comma-separated EXDATEs and follows DST in the series zone', () => {
    const occ = expand('icalevents__multi_exdate_same_line_ms.ics');
    // Fridays 11:00 Eastern; 18 Mar, 1 Apr and 8 Apr excluded; US DST starts 13 Mar 2022.
    expect(starts(occ)).toEqual([
      '2022-03-11T16:00:00.000Z',
      '2022-03-25T15:00:00.000Z',
      '2022-04-15T15:00:00.000Z',
      '2022-04-22T15:00:00.000Z',
      '2022-04-29T15:00:00.000Z',
    ]);
  });

  it('moves an instance to its RECURRENCE-ID override and cancels another', () => {
    const occ = expand('khal__event_rrule_recuid_cancelled.ics');
    expect(starts(occ)).toEqual([
      '2014-06-30T05:00:00.000Z',
      '2014-07-07T07:00:00.000Z', // moved from 07:00 to 09:00 Berlin time
      '2014-07-14T05:00:00.000Z',
      '2014-07-21T05:00:00.000Z',
      '2014-07-28T05:00:00.000Z',
      '2014-08-04T05:00:00.000Z',
    ]);
    const cancelled = occ.filter((o) => o.cancelled);
    expect(cancelled.map((o) => o.start.toISOString())).toEqual(['2014-07-14T05:00:00.000Z']);
    expect(cancelled[0]?.cancelledAt).toEqual(SEEN); // no LAST-MODIFIED / DTSTAMP in the file
    expect(occ.every((o) => o.recurring)).toBe(true);
  });

  it('takes cancelledAt from LAST-MODIFIED of the cancelled event', () => {
    const o = expand('node-ical__tentative-apple-calendar.ics').find((x) => x.title === 'Cancelled');
    expect(o?.cancelled).toBe(true);
    expect(o?.cancelledAt?.toISOString()).toBe('2022-07-04T23:15:59.000Z');
  });

  it('moves an all-day instance whose RECURRENCE-ID is a timed Windows-zone value', () => {
    const days = starts(expand('node-ical__exchange_whole_day_moved_recurrence.ics')).map((s) => s.slice(0, 10));
    expect(days).toContain('2026-02-27');
    expect(days).not.toContain('2026-02-26');
  });

  it('keeps an override that has no master (an invitation to one instance)', () => {
    const occ = expand('khal__event_dt_recuid_no_master.ics');
    expect(occ).toHaveLength(1);
    expect(occ[0]).toMatchObject({ uid: '406336', title: 'Infrastructure Planning', recurring: true, cancelled: false });
    expect(occ[0]?.start.toISOString()).toBe('2017-03-29T16:00:00.000Z'); // floating, read as UTC
  });

  it('bounds an RRULE without end to the window', () => {
    // Weekdays 09:30 Sydney, no UNTIL/COUNT: 2024 holds 262 weekdays.
    const occ = expand('ical4j__Standup.ics', { from: new Date('2024-01-01T00:00:00Z'), to: new Date('2025-01-01T00:00:00Z') });
    expect(occ).toHaveLength(262);
    expect(occ[0]?.start.toISOString()).toBe('2024-01-01T22:30:00.000Z'); // Tue 2 Jan, AEDT
  });

  it('matches overrides and EXDATEs written in another zone than the series', () => {
    // Weekly Mondays 09:00 Berlin (CET, UTC+1). Override and EXDATE are written in UTC.
    const ics = [
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'UID:s',
      'DTSTART;TZID=W. Europe Standard Time:20240108T090000',
      'DURATION:PT1H',
      'RRULE:FREQ=WEEKLY;COUNT=4',
      'EXDATE:20240115T080000Z',
      'SUMMARY:Weekly',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:s',
      'RECURRENCE-ID:20240122T080000Z',
      'DTSTART:20240301T150000Z',
      'DURATION:PT1H',
      'SUMMARY:Moved far',
      'ATTENDEE;PARTSTAT=ACCEPTED:mailto:c@customer.com',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const parsed = parseCalendarObject(ics);
    const jan = expandOccurrences(parsed, { from: new Date('2024-01-01T00:00:00Z'), to: new Date('2024-02-01T00:00:00Z') });
    expect(starts(jan)).toEqual(['2024-01-08T08:00:00.000Z', '2024-01-29T08:00:00.000Z']);
    // The moved instance counts where it now is, even though its original slot was in January.
    const march = expandOccurrences(parsed, { from: new Date('2024-03-01T00:00:00Z'), to: new Date('2024-04-01T00:00:00Z') });
    expect(march).toHaveLength(1);
    expect(march[0]).toMatchObject({ title: 'Moved far', recurring: true, timeZone: 'W. Europe Standard Time' });
    expect(march[0]?.attendees).toEqual([{ address: 'c@customer.com', partstat: 'ACCEPTED' }]);
  });

  it('says whether a calendar recurs', () => {
    expect(hasRecurrence(parseCalendarObject(read('ical4j__Standup.ics')))).toBe(true);
    expect(hasRecurrence(parseCalendarObject(read('icalevents__response.ics')))).toBe(false);
  });

  it('groups several UIDs of one file', () => {
    expect(parseCalendarObject(read('ical4j__apple.ics')).series.length).toBeGreaterThan(1);
  });
});

describe('participants', () => {
  it('strips uppercase MAILTO:', () => {
    const [o] = expand('ical4j__Standup.ics', { from: new Date('2009-03-09T00:00:00Z'), to: new Date('2009-03-10T00:00:00Z') });
    expect(o?.organizer).toEqual({ address: 'Ben.Fortuna@example.com' });
    const [b] = expand('ical4j__blankTzid.ics');
    expect(b?.attendees.map((a) => a.address)).toEqual(['roberts@company.com', 'sam@company.com']);
  });

  it('keeps a quoted comma in CN', () => {
    const [o] = expand('py-icalendar__issue_101_icalendar_chokes_on_umlauts_in_organizer.ics');
    expect(o?.organizer).toEqual({ address: 'adm-acme@mydomain.de', name: 'acme, ädmin' });
  });

  it('reads a METHOD:REPLY with PARTSTAT=DECLINED', () => {
    const parsed = parseCalendarObject(read('icalevents__response.ics'));
    expect(parsed.method).toBe('REPLY');
    const [o] = expandOccurrences(parsed, ALL_TIME);
    expect(o?.attendees).toEqual([{ address: 'calendar@gmail.com', name: 'Eigenmann, Martin', partstat: 'DECLINED' }]);
  });

  it('defaults a missing PARTSTAT to NEEDS-ACTION and maps unknown ones to OTHER', () => {
    const [o] = expand('icalevents__multi_attendee_response.ics');
    expect(o?.attendees[1]).toEqual({ address: 'calendar@microsoft.com', name: 'Eigenmann, Isabel', partstat: 'NEEDS-ACTION' });
    const confirmed = expand('node-ical__tentative-apple-calendar.ics').find((x) => x.title === 'Confirmed');
    expect(confirmed?.attendees[0]?.partstat).toBe('OTHER'); // PARTSTAT=CONFIRMED is not an RFC value
  });

  it('removes whitespace left inside folded mailto values', () => {
    const [o] = expand('khal__event_dt_partstat.ics');
    expect(o?.attendees.map((a) => `${a.address} ${a.partstat}`)).toEqual([
      'hcabot@example.com TENTATIVE',
      'iamboss@example.com DELEGATED',
      'jdoe@example.com ACCEPTED',
      'jqpublic@example.com ACCEPTED',
      'another@example.com DECLINED',
      'tent@example.com TENTATIVE',
    ]);
  });
});

describe('all-day and missing DTEND', () => {
  it('puts an all-day event at 00:00 UTC of its date', () => {
    const [o] = expand('py-icalendar__property_params.ics');
    expect(o).toMatchObject({ allDay: true, start: new Date('2012-08-14T00:00:00Z'), end: new Date('2012-08-15T00:00:00Z') });
  });

  it('reads a date without VALUE=DATE as all-day', () => {
    const [o] = expand('ical4j__zidestoreical4jbomb.ics');
    expect(o).toMatchObject({ allDay: true, start: new Date('2006-06-11T00:00:00Z') });
  });

  it('uses DURATION, else one day (DATE) or zero (DATE-TIME), per RFC 5545 §3.6.1', () => {
    const cal = (body: string) => `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n${body}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
    const one = (body: string) => expandOccurrences(parseCalendarObject(cal(body)), ALL_TIME)[0];
    expect(one('UID:d\r\nDTSTART:20240102T100000Z\r\nDURATION:PT45M')?.end.toISOString()).toBe('2024-01-02T10:45:00.000Z');
    expect(one('UID:e\r\nDTSTART;VALUE=DATE:20240102')?.end.toISOString()).toBe('2024-01-03T00:00:00.000Z');
    expect(one('UID:f\r\nDTSTART:20240102T100000Z')?.end.toISOString()).toBe('2024-01-02T10:00:00.000Z');
  });
});

// Added after the mutation run on parse-calendar.ts: what a user sees when one file holds
// several versions of an event, several calendars, or nothing to sync.
const lines = (...l: string[]) => l.join('\r\n');
const vcalendar = (...events: string[]) =>
  lines('BEGIN:VCALENDAR', ...events.flatMap((e) => ['BEGIN:VEVENT', e, 'END:VEVENT']), 'END:VCALENDAR');
const reasonOf = (ics: string) => {
  try {
    parseCalendarObject(ics);
  } catch (err) {
    return (err as MalformedCalendarError).reason;
  }
  return 'parsed';
};

describe('several versions of one event in a file', () => {
  const titles = (ics: string) => expandOccurrences(parseCalendarObject(ics), ALL_TIME).map((o) => `${o.title} ${o.start.toISOString()}`);

  it('keeps the higher SEQUENCE of two events without RECURRENCE-ID, whichever comes first, and says so', () => {
    const v2 = 'UID:m\r\nSEQUENCE:2\r\nDTSTART:20240105T100000Z\r\nSUMMARY:Moved';
    const v1 = 'UID:m\r\nSEQUENCE:1\r\nDTSTART:20240102T100000Z\r\nSUMMARY:First';
    expect(titles(vcalendar(v2, v1))).toEqual(['Moved 2024-01-05T10:00:00.000Z']);
    expect(titles(vcalendar(v1, v2))).toEqual(['Moved 2024-01-05T10:00:00.000Z']);
    expect(parseCalendarObject(vcalendar(v1, v2)).problems).toEqual(['UID m: two VEVENTs without RECURRENCE-ID, kept the newer SEQUENCE']);
  });

  it('groups an override with its series when one of them writes spaces around the UID', () => {
    const parsed = parseCalendarObject(
      vcalendar(
        'UID: w \r\nDTSTART:20240101T100000Z\r\nRRULE:FREQ=WEEKLY;COUNT=2',
        'UID:w\r\nRECURRENCE-ID:20240101T100000Z\r\nDTSTART:20240101T150000Z',
      ),
    );
    expect(parsed.series.map((s) => [s.uid, s.overrides.length])).toEqual([['w', 1]]);
  });

  it('keeps the later one when the SEQUENCEs tie or are missing (RFC 5545 §3.8.7.4)', () => {
    const early = 'UID:m\r\nDTSTART:20240102T100000Z\r\nSUMMARY:Early';
    const late = 'UID:m\r\nSEQUENCE:0\r\nDTSTART:20240105T100000Z\r\nSUMMARY:Late';
    expect(titles(vcalendar(early, late))).toEqual(['Late 2024-01-05T10:00:00.000Z']);
  });

  it('keeps one override per RECURRENCE-ID, the higher SEQUENCE, and every distinct one', () => {
    const ics = vcalendar(
      'UID:w\r\nDTSTART:20240101T100000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Weekly',
      'UID:w\r\nRECURRENCE-ID:20240101T100000Z\r\nSEQUENCE:3\r\nDTSTART:20240101T150000Z\r\nSUMMARY:Later that day',
      'UID:w\r\nRECURRENCE-ID:20240101T100000Z\r\nSEQUENCE:1\r\nDTSTART:20240101T120000Z\r\nSUMMARY:Stale move',
      'UID:w\r\nRECURRENCE-ID:20240108T100000Z\r\nDTSTART:20240109T100000Z\r\nSUMMARY:Next day',
    );
    expect(titles(ics)).toEqual([
      'Later that day 2024-01-01T15:00:00.000Z',
      'Next day 2024-01-09T10:00:00.000Z',
      'Weekly 2024-01-15T10:00:00.000Z',
    ]);
    expect(parseCalendarObject(ics).problems).toEqual([
      'UID w: two overrides for RECURRENCE-ID 2024-01-01T10:00:00Z, kept the newer SEQUENCE',
    ]);
  });
});

describe('what a file holds', () => {
  it('reads every VCALENDAR of a file, and the METHOD of whichever has one', () => {
    const two = lines(
      vcalendar('UID:a\r\nDTSTART:20240102T100000Z'),
      'BEGIN:VCALENDAR\r\nPRODID:-//Mail client//EN\r\nMETHOD:request\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART:20240102T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR',
    );
    const parsed = parseCalendarObject(two);
    expect(parsed.series.map((s) => s.uid)).toEqual(['a', 'b']);
    expect(parsed.method).toBe('REQUEST');
  });

  it('reads a VEVENT pasted without its VCALENDAR, and a file that starts with blank lines', () => {
    expect(parseCalendarObject('BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20240102T100000Z\r\nEND:VEVENT').series.map((s) => s.uid)).toEqual(['a']);
    expect(parseCalendarObject(`  \r\n\t\r\n${vcalendar('UID:a\r\nDTSTART:20240102T100000Z')}`).series).toHaveLength(1);
    expect(parseCalendarObject(` ${vcalendar('UID:a\r\nDTSTART:20240102T100000Z')}`).series).toHaveLength(1); // an indented first line
  });

  it('reads a file saved with a byte-order mark (Windows editors write one)', () => {
    expect(parseCalendarObject(`\uFEFF${vcalendar('UID:a\r\nDTSTART:20240102T100000Z')}`).series.map((s) => s.uid)).toEqual(['a']);
  });

  it('names what it holds instead when there is no event', () => {
    expect(
      reasonOf(
        lines(
          'BEGIN:VCALENDAR',
          'BEGIN:VTIMEZONE',
          'TZID:x',
          'END:VTIMEZONE',
          'BEGIN:VTODO',
          'UID:t',
          'END:VTODO',
          'BEGIN:VJOURNAL',
          'UID:j',
          'END:VJOURNAL',
          'END:VCALENDAR',
        ),
      ),
    ).toBe('no VEVENT with a UID and DTSTART (the file holds VTODO, VJOURNAL)');
    expect(reasonOf(lines('BEGIN:VCALENDAR', 'VERSION:2.0', 'END:VCALENDAR'))).toBe(
      'no VEVENT with a UID and DTSTART (the file holds no components)',
    );
  });

  it('identifies an event without UID by a hash that does not change between versions', () => {
    // Meetings already stored are keyed on this id: a new formula would import them again.
    const parsed = parseCalendarObject(
      vcalendar('CLASS:PUBLIC\r\nSUMMARY:Kickoff\r\nDTSTART:20240102T100000Z\r\nORGANIZER:mailto:a@b.com'),
    );
    expect(parsed.series.map((s) => s.uid)).toEqual(['no-uid-68a891854a70259d15e5d86d32eee0fd']);
    expect(parsed.problems).toEqual(['VEVENT #1 ("Kickoff"): no UID, identified as no-uid-68a891854a70259d15e5d86d32eee0fd']);
  });
});

describe('hasRecurrence', () => {
  it('is true when any series repeats by RDATE or is an override only, among single events', () => {
    const single = 'UID:s\r\nDTSTART:20240102T100000Z';
    expect(hasRecurrence(parseCalendarObject(vcalendar(single, 'UID:r\r\nDTSTART:20240102T100000Z\r\nRDATE:20240109T100000Z')))).toBe(true);
    expect(
      hasRecurrence(parseCalendarObject(vcalendar(single, 'UID:o\r\nRECURRENCE-ID:20240102T100000Z\r\nDTSTART:20240103T100000Z'))),
    ).toBe(true);
    expect(hasRecurrence(parseCalendarObject(vcalendar(single)))).toBe(false);
  });
});
