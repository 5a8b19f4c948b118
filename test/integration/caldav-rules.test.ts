// Every meeting rule (M1–M6) through a real CalDAV server: events are PUT into Radicale the
// way a calendar app does, `touchpoint connect caldav` + `sync` read them, and `explain`,
// `timeline` and `status` must say exactly what the folder calendar tests say.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  check,
  failedCodes,
  ics,
  meetingKeys,
  type ExplanationJson,
  type StatusJson,
  type SyncJson,
  type TimelineJson,
} from '../support/cli.js';
import {
  CalDavAccount,
  connectCalDavArgs,
  RadicaleServer,
  RecordingWorkspace,
  SERVER_SETUP_MS,
  setPasswordEnv,
  withTimezone,
} from '../support/caldav-server.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';
const ALICE = 'alice@ourco.com';
const ALICE_ALIAS = 'alice.chen@ourco.com';
const PASSWORD = 'Radicale-pw-for-alice-7c1f';
const accepted = (email: string) => ({ email, partstat: 'ACCEPTED' });

const w = new RecordingWorkspace(NOW, 'touchpoint-caldav-rules-');
let server: RadicaleServer;
let before: ExplanationJson;
let first: SyncJson;
let status: StatusJson;
let acme: TimelineJson;
let globex: TimelineJson;

beforeAll(async () => {
  server = await RadicaleServer.start({ users: { alice: PASSWORD } });
  const cal = new CalDavAccount(server, 'alice', PASSWORD);
  await cal.makeCalendar('work', 'Work');
  await cal.makeCalendar('customers', 'Customer meetings');
  const put = (name: string, text: string, calendar = 'work') => cal.put(calendar, `${name}.ics`, text);

  await w.init('cs-team', ['ourco.com']);
  await w.teammate(ALICE, [ALICE_ALIAS]);
  await w.teammate('dan@ourco.com');
  await w.account('acme', 'Acme Corp');
  await w.account('globex', 'Globex');
  await w.users(
    [
      'account_id,email,name,external_id',
      'acme,jane@acme.com,Jane,',
      'acme,john@acme.com,John,',
      'acme,pat@partnerco.com,Pat,',
      'globex,bob@globex.com,Bob,',
    ].join('\n'),
  );
  await w.ok(['blocklist', 'add', 'partnerco.com']);

  await put(
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
  await put(
    'historic',
    ics({
      uid: 'historic-1',
      start: '20260220T150000Z',
      summary: 'Before authorization',
      organizer: ALICE,
      attendees: [accepted('jane@acme.com')],
    }),
  );
  await put(
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
    'customers',
  );
  await put(
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
  await put(
    'customer',
    ics({
      uid: 'customer-1',
      start: '20260310T130000Z',
      summary: 'Acme roadmap',
      organizer: 'jane@acme.com',
      attendees: [accepted(ALICE), accepted('jane@acme.com'), accepted('john@acme.com')],
    }),
    'customers',
  );
  await put(
    'alias',
    ics({
      uid: 'alias-1',
      start: '20260311T090000Z',
      summary: 'Organized from an alias',
      organizer: ALICE_ALIAS,
      attendees: [accepted('john@acme.com')],
    }),
  );
  await put(
    'other-teammate',
    ics({
      uid: 'dan-organizes-1',
      start: '20260311T100000Z',
      summary: 'Dan organizes',
      organizer: 'dan@ourco.com',
      attendees: [accepted(ALICE), accepted('john@acme.com')],
    }),
  );
  await put(
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
  await put(
    'per-account',
    ics({
      uid: 'per-account-1',
      start: '20260313T090000Z',
      summary: 'Joint session',
      organizer: ALICE,
      attendees: [accepted('jane@acme.com'), { email: 'bob@globex.com', partstat: 'DECLINED' }],
    }),
  );
  await put(
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
  await put(
    'partner',
    ics({
      uid: 'partner-1',
      start: '20260314T100000Z',
      summary: 'Partner sync',
      organizer: ALICE,
      attendees: [accepted('pat@partnerco.com')],
    }),
  );
  // Exchange-style series in a Windows zone (US DST starts 2026-03-08): Tuesdays 10:00 New
  // York time; 17 March deleted (EXDATE); 24 March moved to Wednesday 25 March 16:30.
  // Master and override are one calendar object resource, as RFC 4791 §4.1 requires.
  await put(
    'exchange-series',
    withTimezone(
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
    ),
    'customers',
  );

  setPasswordEnv(w, 'ALICE_CALDAV_PASSWORD', PASSWORD);
  before = await w.explainMeeting('single-1');
  await w.ok(connectCalDavArgs(server, { teammate: ALICE, user: 'alice', passwordEnv: 'ALICE_CALDAV_PASSWORD', authorizedAt: AUTH }));
  first = await w.sync();
  status = await w.status();
  acme = await w.timeline('acme');
  globex = await w.timeline('globex');
}, SERVER_SETUP_MS);

afterAll(async () => {
  await server?.close();
  w.cleanup();
});

describe('M1 the calendar must be authorized', () => {
  it('before the CalDAV calendar is connected, explain asks to authorize one', () => {
    expect(before.outcome).toBe('unknown');
    expect(check(before, 'M1')).toMatchObject({ status: 'fail' });
    expect(before.remedyCodes).toContain('AUTHORIZE');
  });

  it('connected and synced: a caldav connection, active, with both calendars read and no errors', () => {
    expect(first.connections).toHaveLength(1);
    expect(first.connections[0]).toMatchObject({ status: 'active', errors: [] });
    expect(status.connections[0]).toMatchObject({ provider: 'caldav', calendar: true, mail: false, status: 'active', lastError: null });
    expect(check(before, 'M1').code).not.toBe('M1_AUTHORIZED');
  });

  it('what passes every check is on the timelines — from both calendars', () => {
    expect(meetingKeys(acme)).toEqual([
      'alias-1@2026-03-11T09:00:00.000Z',
      'per-account-1@2026-03-13T09:00:00.000Z',
      'single-1@2026-03-05T15:00:00.000Z',
    ]);
    expect(meetingKeys(globex)).toEqual([
      'tz-series-1@2026-03-03T15:00:00.000Z',
      'tz-series-1@2026-03-10T14:00:00.000Z',
      'weekly-1@2026-03-02T10:00:00.000Z',
      'weekly-1@2026-03-09T10:00:00.000Z',
      'weekly-1@2026-03-16T10:00:00.000Z',
    ]);
  });

  it('a logged meeting passes M1–M6 and names the accepting end user', async () => {
    const e = await w.explainMeeting('single-1');
    expect(e.outcome).toBe('linked');
    expect(e.checks.map((c) => `${c.rule}:${c.status}`)).toEqual(['M1:pass', 'M2:pass', 'M3:pass', 'M4:pass', 'M5:pass', 'M6:pass']);
    expect(check(e, 'M1').code).toBe('M1_AUTHORIZED');
    expect(e.accounts).toEqual([
      { id: 'acme', via: [expect.objectContaining({ email: 'jane@acme.com', field: 'attendee', partstat: 'ACCEPTED' })] },
    ]);
  });
});

describe.concurrent('M2–M6 through CalDAV', () => {
  it('M2: a meeting before authorization is historic; a series is judged per occurrence', async () => {
    expect(failedCodes(await w.explainMeeting('historic-1'))).toEqual(['M2_HISTORIC']);
    expect(failedCodes(await w.explainMeeting('weekly-1', '2026-02-23T10:00:00Z'))).toEqual(['M2_HISTORIC']);
    expect((await w.explainMeeting('weekly-1', '2026-03-09T10:00:00Z')).outcome).toBe('linked');
  });

  it('M3: not started yet → upcoming; cancelled before its start → never logged', async () => {
    const up = await w.explainMeeting('upcoming-1');
    expect(up.outcome).toBe('upcoming');
    expect(failedCodes(up)).toEqual(['M3_NOT_STARTED']);
    expect(failedCodes(await w.explainMeeting('cancelled-1'))).toEqual(['M3_CANCELLED']);
  });

  it("M4: customer-organized is not synced; an alias of the owner counts; another teammate's is not logged here", async () => {
    const c = await w.explainMeeting('customer-1');
    expect(failedCodes(c)).toEqual(['M4_CUSTOMER_ORGANIZES']);
    expect(check(c, 'M4').detail).toContain('jane@acme.com');
    expect(check(await w.explainMeeting('alias-1'), 'M4')).toMatchObject({ status: 'pass', code: 'M4_OWNER_ORGANIZES' });
    expect(failedCodes(await w.explainMeeting('dan-organizes-1'))).toEqual(['M4_OTHER_TEAMMATE_ORGANIZES']);
  });

  it('M5: declined/tentative is not acceptance; acceptance is per account', async () => {
    const d = await w.explainMeeting('declined-1');
    expect(failedCodes(d)).toEqual(['M5_NOT_ACCEPTED']);
    expect(check(d, 'M5').detail).toMatch(/jane@acme\.com DECLINED/);
    const p = await w.explainMeeting('per-account-1');
    expect(p.accounts.map((a) => a.id)).toEqual(['acme']);
    expect(check(p, 'M5').detail).toMatch(/Not linked to globex/);
  });

  it('M6: a meeting only a blocklisted end user accepted is not logged', async () => {
    const e = await w.explainMeeting('partner-1');
    expect(failedCodes(e)).toEqual(['M6_ALL_BLOCKLISTED']);
    expect(check(e, 'M6').detail).toContain('partnerco.com');
  });

  it('the Windows-zone series: DST-aware UTC starts, the EXDATE gone, the moved instance at its new time', async () => {
    const e = await w.explainMeeting('tz-series-1', '2026-03-25T20:30:00Z');
    expect(e.outcome).toBe('upcoming');
    expect(e.occurrences!.map((o) => o.start)).toEqual([
      '2026-03-03T15:00:00.000Z',
      '2026-03-10T14:00:00.000Z',
      '2026-03-25T20:30:00.000Z',
      '2026-03-31T14:00:00.000Z',
      '2026-04-07T14:00:00.000Z',
    ]);
    expect((await w.explainMeeting('tz-series-1', '2026-03-17T14:00:00Z')).outcome).toBe('unknown');
  });
});

describe('time passes', () => {
  it('after their start, upcoming meetings and the moved instance are logged; the cancelled one never', async () => {
    const later = '2026-03-26T00:00:00Z';
    expect((await w.sync({ now: later })).connections[0]!.status).toBe('active');
    const a = meetingKeys(await w.timeline('acme', { now: later }));
    expect(a).toContain('upcoming-1@2026-03-20T15:00:00.000Z');
    expect(a.some((k) => k.startsWith('cancelled-1@'))).toBe(false);
    const g = await w.timeline('globex', { now: later });
    expect(g.items.find((i) => i.uid === 'tz-series-1' && i.title === 'Globex sync (moved)')).toMatchObject({
      at: '2026-03-25T20:30:00.000Z',
    });
  });

  it('the password never appears in any output of the run', () => {
    expect(w.outputs.length).toBeGreaterThan(20);
    for (const out of w.outputs) expect(out).not.toContain(PASSWORD);
  });
});
