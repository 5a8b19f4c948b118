// Article 4: "I can't see the meeting which I recently had with my customer" — every
// criterion (M1–M6) through the real CLI on a folder calendar, and time passing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  check,
  failedCodes,
  ics,
  meetingKeys,
  Workspace,
  type ExplanationJson,
  type StatusJson,
  type SyncJson,
  type TimelineJson,
} from '../support/cli.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';
const ALICE = 'alice@ourco.com';
const ALICE_ALIAS = 'alice.chen@ourco.com';

const w = new Workspace(NOW);
let noCalendar: ExplanationJson;
let first: SyncJson;
let acme: TimelineJson;
let globex: TimelineJson;
let status: StatusJson;

const cal = (name: string, text: string) => w.write(`calendar/alice/${name}.ics`, text);
const accepted = (email: string) => ({ email, partstat: 'ACCEPTED' });

beforeAll(async () => {
  await w.init('cs-team', ['ourco.com']);
  await w.teammate(ALICE, [ALICE_ALIAS]);
  await w.teammate('dan@ourco.com');
  await w.account('acme', 'Acme Corp');
  await w.account('globex', 'Globex');
  await w.users(
    ['account_id,email,name,external_id', 'acme,jane@acme.com,Jane,', 'acme,john@acme.com,John,', 'globex,bob@globex.com,Bob,'].join('\n'),
  );

  cal(
    'single',
    ics({
      uid: 'single-1',
      start: '20260305T150000Z',
      end: '20260305T153000Z',
      summary: 'Acme call',
      organizer: ALICE,
      attendees: [accepted('jane@acme.com'), accepted(ALICE)],
    }),
  );
  // A weekly series that began before the calendar was authorized (2026-03-01).
  cal(
    'weekly',
    ics({
      uid: 'weekly-1',
      start: '20260216T100000Z',
      end: '20260216T103000Z',
      rrule: 'FREQ=WEEKLY;BYDAY=MO',
      summary: 'Globex weekly',
      organizer: ALICE,
      attendees: [accepted('bob@globex.com')],
    }),
  );
  cal(
    'upcoming',
    ics({
      uid: 'upcoming-1',
      start: '20260320T150000Z',
      end: '20260320T160000Z',
      summary: 'Acme onsite',
      organizer: ALICE,
      attendees: [accepted('jane@acme.com')],
    }),
  );
  cal(
    'customer',
    ics({
      uid: 'customer-1',
      start: '20260310T130000Z',
      end: '20260310T140000Z',
      summary: 'Acme roadmap',
      organizer: 'jane@acme.com',
      attendees: [accepted(ALICE), accepted('jane@acme.com'), accepted('john@acme.com')],
    }),
  );
  cal(
    'alias',
    ics({
      uid: 'alias-1',
      start: '20260311T090000Z',
      end: '20260311T093000Z',
      summary: 'Organized from an alias',
      organizer: ALICE_ALIAS,
      attendees: [accepted('john@acme.com')],
    }),
  );
  cal(
    'other-teammate',
    ics({
      uid: 'dan-organizes-1',
      start: '20260311T100000Z',
      summary: 'Dan organizes',
      organizer: 'dan@ourco.com',
      attendees: [accepted(ALICE), accepted('john@acme.com')],
    }),
  );
  cal(
    'declined',
    ics({
      uid: 'declined-1',
      start: '20260312T160000Z',
      summary: 'Training',
      organizer: ALICE,
      attendees: [
        { email: 'jane@acme.com', partstat: 'DECLINED' },
        { email: 'john@acme.com', partstat: 'TENTATIVE' },
      ],
    }),
  );
  cal(
    'no-answer',
    ics({
      uid: 'no-answer-1',
      start: '20260312T170000Z',
      summary: 'Nobody answered',
      organizer: ALICE,
      attendees: [
        { email: 'jane@acme.com', partstat: 'NEEDS-ACTION' },
        { email: 'john@acme.com', partstat: '' },
      ],
    }),
  );
  cal(
    'per-account',
    ics({
      uid: 'per-account-1',
      start: '20260313T090000Z',
      summary: 'Joint session',
      organizer: ALICE,
      attendees: [accepted('jane@acme.com'), { email: 'bob@globex.com', partstat: 'DECLINED' }],
    }),
  );
  cal(
    'cancelled',
    ics({
      uid: 'cancelled-1',
      start: '20260313T150000Z',
      summary: 'QBR (cancelled)',
      organizer: ALICE,
      status: 'CANCELLED',
      lastModified: '20260308T100000Z',
      attendees: [accepted('jane@acme.com')],
    }),
  );
  cal(
    'cancelled-upcoming',
    ics({
      uid: 'cancelled-2',
      start: '20260325T150000Z',
      summary: 'Cancelled ahead',
      organizer: ALICE,
      status: 'CANCELLED',
      lastModified: '20260315T100000Z',
      attendees: [accepted('jane@acme.com')],
    }),
  );
  cal(
    'cancelled-after',
    ics({
      uid: 'cancelled-late-1',
      start: '20260310T150000Z',
      summary: 'Cancelled after it happened',
      organizer: ALICE,
      status: 'CANCELLED',
      lastModified: '20260311T100000Z',
      attendees: [accepted('jane@acme.com')],
    }),
  );
  cal(
    'deleted',
    ics({
      uid: 'deleted-1',
      start: '20260322T100000Z',
      summary: 'Will be deleted',
      organizer: ALICE,
      attendees: [accepted('jane@acme.com')],
    }),
  );
  // Exchange-style series in a Windows zone (US DST starts 2026-03-08): Tuesdays 10:00 New
  // York time; 17 March deleted; 24 March moved to Wednesday 25 March 16:30.
  cal(
    'exchange-series',
    ics(
      {
        uid: 'tz-series-1',
        tzid: 'Eastern Standard Time',
        start: '20260303T100000',
        end: '20260303T110000',
        rrule: 'FREQ=WEEKLY;BYDAY=TU;COUNT=6',
        exdate: '20260317T100000',
        summary: 'Globex sync',
        organizer: ALICE,
        attendees: [accepted('bob@globex.com')],
      },
      {
        uid: 'tz-series-1',
        tzid: 'Eastern Standard Time',
        recurrenceId: '20260324T100000',
        start: '20260325T163000',
        end: '20260325T173000',
        summary: 'Globex sync (moved)',
        organizer: ALICE,
        attendees: [accepted('bob@globex.com')],
        sequence: 1,
      },
    ),
  );
  w.write(
    'calendar/dan/dan-only.ics',
    ics({ uid: 'dan-only-1', start: '20260314T100000Z', organizer: 'dan@ourco.com', attendees: [accepted('bob@globex.com')] }),
  );

  noCalendar = await w.explainMeeting('single-1');
  await w.connect(ALICE, { calendar: 'calendar/alice' }, AUTH);
  first = await w.sync();
  acme = await w.timeline('acme');
  globex = await w.timeline('globex');
  status = await w.status();
});

afterAll(() => w.cleanup());

// Read-only checks run concurrently; 'time passes' changes the clock and the files, last.
describe.concurrent('4.1 the calendar must be authorized', () => {
  it('with no calendar connected, explain asks to authorize one', () => {
    expect(noCalendar.outcome).toBe('unknown');
    expect(check(noCalendar, 'M1')).toMatchObject({ status: 'fail', code: 'M1_NOT_CONNECTED' });
    expect(noCalendar.remedyCodes).toContain('AUTHORIZE');
  });

  it('a meeting only an unconnected calendar has is unknown, naming who is not connected', async () => {
    const e = await w.explainMeeting('dan-only-1');
    expect(e.outcome).toBe('unknown');
    expect(e.searched!.map((c) => c.teammate)).toEqual([ALICE]);
    expect(check(e, 'M1').detail).toContain('dan@ourco.com');
    expect(e.remedyCodes).toContain('AUTHORIZE');
  });

  it('the sync went through and logged the meetings that pass every check', () => {
    expect(first.connections[0]).toMatchObject({ status: 'active', errors: [] });
    expect(meetingKeys(acme)).toEqual([
      'alias-1@2026-03-11T09:00:00.000Z',
      'cancelled-late-1@2026-03-10T15:00:00.000Z',
      'per-account-1@2026-03-13T09:00:00.000Z',
      'single-1@2026-03-05T15:00:00.000Z',
    ]);
  });

  it('connection health counts meetings seen, linked, upcoming and skipped by the first failing rule', () => {
    const m = status.connections[0]!.counts.meeting;
    expect(m.linked).toBe(acme.items.length + globex.items.length); // no meeting here is on both
    expect(m.upcoming).toBeGreaterThan(0);
    expect(Object.keys(m.skipped).sort()).toEqual([
      'M2_HISTORIC',
      'M3_CANCELLED',
      'M4_CUSTOMER_ORGANIZES',
      'M4_OTHER_TEAMMATE_ORGANIZES',
      'M5_NOT_ACCEPTED',
    ]);
    expect(m.skipped).toMatchObject({ M2_HISTORIC: 2, M3_CANCELLED: 2, M5_NOT_ACCEPTED: 2 });
    expect(m.seen).toBe(m.linked + m.upcoming + Object.values(m.skipped).reduce((a, b) => a + b, 0));
  });

  it('explain of a logged meeting passes M1–M6 and names the accepting end user', async () => {
    const e = await w.explainMeeting('single-1');
    expect(e.outcome).toBe('linked');
    expect(e.checks.map((c) => c.rule)).toEqual(['M1', 'M2', 'M3', 'M4', 'M5', 'M6']);
    expect(failedCodes(e)).toEqual([]);
    expect(e.accounts).toEqual([
      { id: 'acme', via: [expect.objectContaining({ email: 'jane@acme.com', field: 'attendee', partstat: 'ACCEPTED' })] },
    ]);
  });
});

describe.concurrent('4.4 historic meetings: each occurrence of a series is judged on its own start', () => {
  it('occurrences before authorization fail M2; the later ones are logged', async () => {
    expect(meetingKeys(globex).filter((k) => k.startsWith('weekly-1@'))).toEqual([
      'weekly-1@2026-03-02T10:00:00.000Z',
      'weekly-1@2026-03-09T10:00:00.000Z',
      'weekly-1@2026-03-16T10:00:00.000Z',
    ]);
    const old = await w.explainMeeting('weekly-1', '2026-02-23T10:00:00Z');
    expect(old.outcome).toBe('not_linked');
    expect(old.occurrence).toBe('2026-02-23T10:00:00.000Z');
    expect(failedCodes(old)).toEqual(['M2_HISTORIC']);
    expect(old.remedyCodes).toEqual(['HISTORIC_NEVER_SYNCED']);
    const byStart = Object.fromEntries(old.occurrences!.map((o) => [o.start, o.outcome]));
    expect(byStart).toMatchObject({
      '2026-02-16T10:00:00.000Z': 'not_linked',
      '2026-02-23T10:00:00.000Z': 'not_linked',
      '2026-03-02T10:00:00.000Z': 'linked',
      '2026-03-16T10:00:00.000Z': 'linked',
      '2026-03-23T10:00:00.000Z': 'upcoming',
    });
    const later = await w.explainMeeting('weekly-1', '2026-03-09T10:00:00Z');
    expect(later.outcome).toBe('linked');
    // Without --occurrence: the most recent one that started.
    expect((await w.explainMeeting('weekly-1')).occurrence).toBe('2026-03-16T10:00:00.000Z');
  });
});

describe.concurrent('4.3 a meeting is logged once it has started', () => {
  it('before its start it is upcoming: not on the timeline, explain says when', async () => {
    const e = await w.explainMeeting('upcoming-1');
    expect(e.outcome).toBe('upcoming');
    expect(failedCodes(e)).toEqual(['M3_NOT_STARTED']);
    expect(e.remedyCodes).toEqual(['WAIT_FOR_START']);
    expect(e.remedies[0]).toContain('2026-03-20T15:00:00.000Z');
    expect(meetingKeys(acme).some((k) => k.startsWith('upcoming-1@'))).toBe(false);
  });

  it('a meeting cancelled before it started is not logged; one cancelled after it happened stays', async () => {
    const e = await w.explainMeeting('cancelled-1');
    expect(failedCodes(e)).toEqual(['M3_CANCELLED']);
    expect(e.remedyCodes).toEqual(['CANCELLED']);
    const late = await w.explainMeeting('cancelled-late-1');
    expect(late.outcome).toBe('linked');
    expect(check(late, 'M3').code).toBe('M3_STARTED');
  });
});

describe.concurrent('4.5 the CSM must organize the meeting', () => {
  it('a meeting the customer organized is not synced', async () => {
    const e = await w.explainMeeting('customer-1');
    expect(e.outcome).toBe('not_linked');
    expect(failedCodes(e)).toEqual(['M4_CUSTOMER_ORGANIZES']);
    expect(check(e, 'M4').detail).toContain('jane@acme.com');
    expect(e.remedyCodes).toEqual(['ORGANIZE_IT']);
  });

  it("the organizer is matched by any of the calendar owner's addresses (an alias)", async () => {
    const e = await w.explainMeeting('alias-1');
    expect(e.outcome).toBe('linked');
    expect(check(e, 'M4')).toMatchObject({ status: 'pass', code: 'M4_OWNER_ORGANIZES' });
    expect(check(e, 'M4').detail).toContain(ALICE_ALIAS);
  });

  it("another teammate's meeting is not logged from an attendee's calendar", async () => {
    const e = await w.explainMeeting('dan-organizes-1');
    expect(failedCodes(e)).toEqual(['M4_OTHER_TEAMMATE_ORGANIZES']);
  });
});

describe.concurrent('4.6 at least one end user must have accepted', () => {
  it('declined / tentative answers are not acceptance', async () => {
    const e = await w.explainMeeting('declined-1');
    expect(e.outcome).toBe('not_linked');
    expect(failedCodes(e)).toEqual(['M5_NOT_ACCEPTED']);
    expect(check(e, 'M5').detail).toMatch(/jane@acme\.com DECLINED/);
    expect(check(e, 'M5').detail).toMatch(/john@acme\.com TENTATIVE/);
    expect(e.remedyCodes).toEqual(['ASK_TO_ACCEPT']);
  });

  it('no answer (NEEDS-ACTION, or no PARTSTAT at all) is not acceptance', async () => {
    const e = await w.explainMeeting('no-answer-1');
    expect(failedCodes(e)).toEqual(['M5_NOT_ACCEPTED']);
    expect(check(e, 'M5').detail).toMatch(/jane@acme\.com NEEDS-ACTION/);
    expect(check(e, 'M5').detail).toMatch(/john@acme\.com NEEDS-ACTION/);
  });

  it('acceptance is per account: only the account whose end user accepted gets the meeting', async () => {
    const e = await w.explainMeeting('per-account-1');
    expect(e.outcome).toBe('linked');
    expect(e.accounts.map((a) => a.id)).toEqual(['acme']);
    expect(check(e, 'M5').detail).toMatch(/Not linked to globex/);
    expect(meetingKeys(globex).some((k) => k.startsWith('per-account-1@'))).toBe(false);
  });
});

describe.concurrent('a recurring Exchange series in a Windows time zone, with EXDATE and a moved instance', () => {
  it('has exactly the right UTC starts: DST-aware, the deleted one gone, the moved one at its new time', async () => {
    expect(meetingKeys(globex).filter((k) => k.startsWith('tz-series-1@'))).toEqual([
      'tz-series-1@2026-03-03T15:00:00.000Z', // 10:00 EST
      'tz-series-1@2026-03-10T14:00:00.000Z', // 10:00 EDT
    ]);
    const e = await w.explainMeeting('tz-series-1', '2026-03-25T20:30:00Z');
    expect(e.outcome).toBe('upcoming');
    expect(e.occurrences!.map((o) => o.start)).toEqual([
      '2026-03-03T15:00:00.000Z',
      '2026-03-10T14:00:00.000Z',
      '2026-03-25T20:30:00.000Z',
      '2026-03-31T14:00:00.000Z',
      '2026-04-07T14:00:00.000Z',
    ]);
    const gone = await w.explainMeeting('tz-series-1', '2026-03-17T14:00:00Z');
    expect(gone.outcome).toBe('unknown');
    expect(gone.checks.map((c) => c.code)).toContain('NO_SUCH_OCCURRENCE');
  });
});

describe('time passes: the next syncs', () => {
  it('a second sync at the same time changes nothing', async () => {
    const again = await w.sync();
    expect(again.connections[0]!.calendar).toEqual({ linked: 0, notLinked: 0, upcoming: 0 });
    expect((await w.status()).connections[0]!.counts).toEqual(status.connections[0]!.counts);
  });

  it('an event file deleted before its start is never logged', async () => {
    expect((await w.explainMeeting('deleted-1')).outcome).toBe('upcoming');
    w.remove('calendar/alice/deleted.ics');
    await w.sync({ now: '2026-03-21T08:00:00Z' });
    const e = await w.explainMeeting('deleted-1', undefined, { now: '2026-03-21T08:00:00Z' });
    expect(failedCodes(e)).toEqual(['M3_CANCELLED']);
  });

  it('after the start, the next sync logs what was upcoming — at its exact UTC start — and never what was cancelled', async () => {
    const later = '2026-03-26T00:00:00Z';
    const s = await w.sync({ now: later });
    expect(s.connections[0]!.status).toBe('active');
    const a = meetingKeys(await w.timeline('acme', { now: later }));
    expect(a).toContain('upcoming-1@2026-03-20T15:00:00.000Z');
    expect(a.some((k) => k.startsWith('deleted-1@') || k.startsWith('cancelled-1@') || k.startsWith('cancelled-2@'))).toBe(false);
    const g = await w.timeline('globex', { now: later });
    const moved = g.items.find((i) => i.uid === 'tz-series-1' && i.title === 'Globex sync (moved)');
    expect(moved).toMatchObject({ at: '2026-03-25T20:30:00.000Z', occurrence: '2026-03-25T20:30:00.000Z' });
    expect(meetingKeys(g).filter((k) => k.startsWith('tz-series-1@'))).toEqual([
      'tz-series-1@2026-03-03T15:00:00.000Z',
      'tz-series-1@2026-03-10T14:00:00.000Z',
      'tz-series-1@2026-03-25T20:30:00.000Z',
    ]);
    expect(meetingKeys(g)).toContain('weekly-1@2026-03-23T10:00:00.000Z');
    const e = await w.explainMeeting('upcoming-1', undefined, { now: later });
    expect(e.outcome).toBe('linked');
    expect(check(e, 'M3').code).toBe('M3_STARTED');
    expect(failedCodes(await w.explainMeeting('cancelled-2', undefined, { now: later }))).toEqual(['M3_CANCELLED']);
    expect(failedCodes(await w.explainMeeting('deleted-1', undefined, { now: later }))).toEqual(['M3_CANCELLED']);
  });
});
