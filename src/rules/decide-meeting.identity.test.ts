// Issue 13, item 5: a teammate is recognised as organizer (M4) whichever part of ORGANIZER
// carries their address — the value, EMAIL= behind a relay (iCloud, Google groups), SENT-BY
// (Outlook delegates) — and MAILTO: in any case. Files: test/fixtures/clients (hand-made in
// each client's style, see its README) and two real ones from test/fixtures/real.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACME, check, connection, directory, endUser, sighting } from '../../test/support/builders.js';
import { expandOccurrences } from '../formats/ical/expand-occurrences.js';
import { parseCalendarObject } from '../formats/ical/parse-calendar.js';
import { decideMeeting } from './decide-meeting.js';

const CLIENTS = path.join(import.meta.dirname, '../../test/fixtures/clients');
const REAL = path.join(import.meta.dirname, '../../test/fixtures/real/ics');
const WINDOW = { from: new Date('1990-01-01T00:00:00Z'), to: new Date('2031-01-01T00:00:00Z') };
const NOW = new Date('2024-03-08T12:00:00Z');

const occurrenceOf = (file: string) => {
  const [o] = expandOccurrences(parseCalendarObject(readFileSync(file, 'utf8')), WINDOW);
  if (!o) throw new Error(`no occurrence in ${file}`);
  return o;
};
/** Decided from Alice's calendar, with bob@acme.com an end user of Acme. */
const decideForAlice = (file: string) =>
  decideMeeting(
    {
      occurrence: occurrenceOf(file),
      sightings: [sighting({ folder: 'Calendar', connection: connection({ provider: 'caldav' }), at: new Date('2024-03-05T00:00:00Z') })],
    },
    directory({ endUsers: [endUser(ACME.id, 'bob@acme.com')] }),
    NOW,
  );

describe('organizer identity as real clients write it', () => {
  it('iCloud: relay mailto:…@imip.me.com, the real address in EMAIL=', () => {
    const o = occurrenceOf(path.join(CLIENTS, 'icloud-relay-organizer.ics'));
    expect(o.organizer).toEqual({ address: 'alice@ourco.com', name: 'Alice Smith' });
    expect(o.organizerAlso?.[0]).toMatch(/@imip\.me\.com$/);
    expect(o.attendees.map((a) => a.address)).toEqual(['alice@ourco.com', 'bob@acme.com']);
    const d = decideForAlice(path.join(CLIENTS, 'icloud-relay-organizer.ics'));
    expect(check(d, 'M4').code).toBe('M4_OWNER_ORGANIZES');
    expect(d.outcome).toBe('linked');
  });

  it('Google group calendar relay with EMAIL=', () => {
    const d = decideForAlice(path.join(CLIENTS, 'google-group-relay-organizer.ics'));
    expect(check(d, 'M4').code).toBe('M4_OWNER_ORGANIZES');
    expect(d.outcome).toBe('linked');
  });

  it('Outlook: SENT-BY a teammate on behalf of an executive, MAILTO: upper case', () => {
    const o = occurrenceOf(path.join(CLIENTS, 'outlook-sent-by-delegate.ics'));
    expect(o.organizer).toEqual({ address: 'dana.chen@ourco.com', name: 'Chen, Dana' });
    expect(o.organizerAlso).toEqual(['alice@ourco.com']);
    const d = decideForAlice(path.join(CLIENTS, 'outlook-sent-by-delegate.ics'));
    expect(check(d, 'M4').code).toBe('M4_OWNER_ORGANIZES');
    expect(d.outcome).toBe('linked');
  });

  it('Thunderbird: MAILTO: and mixed-case addresses', () => {
    const d = decideForAlice(path.join(CLIENTS, 'thunderbird-uppercase-mailto.ics'));
    expect(check(d, 'M4').code).toBe('M4_OWNER_ORGANIZES');
    expect(d.outcome).toBe('linked');
  });

  it('real files: Yahoo SENT-BY and Apple EMAIL= attendees', () => {
    const yahoo = occurrenceOf(path.join(REAL, 'ical4j__yahoo1.ics'));
    expect(yahoo.organizer?.address).toBe('abc@yahoo.com');
    expect(yahoo.organizerAlso ?? []).toEqual([]); // SENT-BY is the organizer itself
    const apple = expandOccurrences(
      parseCalendarObject(readFileSync(path.join(REAL, 'node-ical__tentative-apple-calendar.ics'), 'utf8')),
      WINDOW,
    );
    expect(apple.flatMap((o) => o.attendees.map((a) => a.address))).toContain('confirmed@example.com');
  });

  it('a customer organizer is still the customer', () => {
    const d = decideMeeting(
      {
        occurrence: {
          ...occurrenceOf(path.join(CLIENTS, 'outlook-sent-by-delegate.ics')),
          organizer: { address: 'ceo@acme.com' },
          organizerAlso: [],
        },
        sightings: [sighting({ folder: 'Calendar', connection: connection({ provider: 'caldav' }), at: new Date('2024-03-05T00:00:00Z') })],
      },
      directory({ endUsers: [endUser(ACME.id, 'bob@acme.com')] }),
      NOW,
    );
    expect(check(d, 'M4').code).toBe('M4_CUSTOMER_ORGANIZES');
  });
});
