// Every meeting rule (M1–M6) through Google Calendar: events.list (singleEvents, showDeleted,
// syncToken) on the real @googleapis/calendar client against the local emulator; 410 Gone
// → bounded full re-sync without duplicates or losses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleEmulator, type GEvent } from '../emulators/google.js';
import { check, failedCodes, meetingKeys, Workspace, type StatusJson, type SyncJson } from '../support/cli.js';
import { TEST_SECRET_KEY } from '../support/imap.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';
const ALICE = 'alice@ourco.com';
const ALICE_ALIAS = 'alice.chen@ourco.com';

const g = new GoogleEmulator();
const w = new Workspace(NOW, 'tp-gcal-rules-');
let first: SyncJson;
let second: SyncJson;
let status: StatusJson;

type Att = { email: string; responseStatus?: string; self?: boolean };
const acc = (email: string): Att => ({ email, responseStatus: 'accepted' });
function ev(
  id: string,
  start: string,
  o: {
    summary?: string;
    organizer?: string;
    attendees?: Att[];
    status?: string;
    minutes?: number;
    iCalUID?: string;
  } = {},
): GEvent {
  const s = new Date(start);
  const e = new Date(s.getTime() + (o.minutes ?? 30) * 60_000);
  return {
    id,
    iCalUID: o.iCalUID ?? id,
    status: o.status ?? 'confirmed',
    summary: o.summary ?? id,
    start: { dateTime: s.toISOString(), timeZone: 'UTC' },
    end: { dateTime: e.toISOString(), timeZone: 'UTC' },
    organizer: { email: o.organizer ?? ALICE, ...(o.organizer && o.organizer !== ALICE ? {} : { self: true }) },
    attendees: o.attendees ?? [],
  };
}

beforeAll(async () => {
  await g.start();
  g.nowMs = () => Date.parse(NOW);
  w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
  w.env.TOUCHPOINT_GOOGLE_CLIENT_ID = 'test-client.apps.googleusercontent.com';
  w.env.TOUCHPOINT_GOOGLE_CLIENT_SECRET = 'test-client-secret';
  w.env.TOUCHPOINT_GOOGLE_TOKEN_URL = g.tokenUrl;
  w.env.TOUCHPOINT_GOOGLE_ROOT_URL = g.rootUrl;
  w.env.ALICE_GCAL_TOKEN = g.issueRefreshToken();

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

  g.putEvent(ev('single-1', '2026-03-05T15:00:00Z', { attendees: [acc('jane@acme.com'), { ...acc(ALICE), self: true }] }));
  // Google returns nothing that ended before timeMin=authorizedAt; this one is listed only
  // because it ends after: it starts before authorization.
  g.putEvent(ev('historic-1', '2026-02-28T23:45:00Z', { attendees: [acc('jane@acme.com')] }));
  g.putEvent(ev('historic-10d', '2026-02-19T10:00:00Z', { attendees: [acc('jane@acme.com')] })); // issue 13
  // A series is its master with an RRULE; the emulator expands it for singleEvents=true.
  g.putSeries({
    ...ev('weekly-1', '2026-03-02T10:00:00Z', { attendees: [acc('bob@globex.com')] }),
    recurrence: ['RRULE:FREQ=WEEKLY;COUNT=3'],
  });
  g.putEvent(ev('upcoming-1', '2026-03-20T15:00:00Z', { minutes: 60, attendees: [acc('jane@acme.com')] }));
  g.putEvent(
    ev('customer-1', '2026-03-10T13:00:00Z', {
      organizer: 'jane@acme.com',
      attendees: [acc(ALICE), acc('jane@acme.com'), acc('john@acme.com')],
    }),
  );
  g.putEvent(ev('alias-1', '2026-03-11T09:00:00Z', { organizer: ALICE_ALIAS, attendees: [acc('john@acme.com')] }));
  g.putEvent(ev('dan-organizes-1', '2026-03-11T10:00:00Z', { organizer: 'dan@ourco.com', attendees: [acc(ALICE), acc('john@acme.com')] }));
  g.putEvent(
    ev('declined-1', '2026-03-12T16:00:00Z', {
      attendees: [
        { email: 'jane@acme.com', responseStatus: 'declined' },
        { email: 'john@acme.com', responseStatus: 'tentative' },
      ],
    }),
  );
  g.putEvent(
    ev('per-account-1', '2026-03-13T09:00:00Z', {
      attendees: [acc('jane@acme.com'), { email: 'bob@globex.com', responseStatus: 'declined' }],
    }),
  );
  g.putEvent({
    ...ev('cancelled-1', '2026-03-13T15:00:00Z', { status: 'cancelled', attendees: [acc('jane@acme.com')] }),
    updated: '2026-03-08T10:00:00.000Z',
  });
  g.putEvent(ev('partner-1', '2026-03-14T10:00:00Z', { attendees: [acc('pat@partnerco.com')] }));

  const out = await w.ok([
    'connect',
    'google-calendar',
    '--teammate',
    ALICE,
    '--token-env',
    'ALICE_GCAL_TOKEN',
    '--authorized-at',
    AUTH,
    '--page-size',
    '4',
  ]);
  expect(out).toMatch(/connection \S+/);
  first = await w.sync();
  second = await w.sync();
  status = await w.status();
}, 300_000);

afterAll(async () => {
  await g.stop();
  w.cleanup();
});

describe('meeting rules over Google Calendar', () => {
  it('syncs with timeMin 30 days before authorizedAt, then by syncToken; active, no errors', () => {
    expect(first.connections[0]).toMatchObject({ status: 'active', errors: [] });
    expect(second.connections[0]!.status).toBe('active');
    expect(status.connections[0]!.provider).toBe('google_calendar');
    expect(
      g.log.some(
        (l) => l.includes('timeMin=2026-01-30T00%3A00%3A00.000Z') && l.includes('singleEvents=true') && l.includes('showDeleted=true'),
      ),
    ).toBe(true);
    expect(g.log.some((l) => l.includes('syncToken=st-'))).toBe(true);
  });

  it('M1–M6 all pass for a logged meeting', async () => {
    const e = await w.explainMeeting('single-1');
    expect(e.outcome).toBe('linked');
    expect(e.checks.map((c) => `${c.rule}:${c.status}`)).toEqual(['M1:pass', 'M2:pass', 'M3:pass', 'M4:pass', 'M5:pass', 'M6:pass']);
    expect(check(e, 'M1').code).toBe('M1_AUTHORIZED');
  });

  it('M2: before authorization is historic; instances of a series are judged one by one', async () => {
    expect(failedCodes(await w.explainMeeting('historic-1'))).toEqual(['M2_HISTORIC']);
    // Issue 13: 10 days before authorization is answered historic too, not unknown.
    const tenDays = await w.explainMeeting('historic-10d');
    expect(failedCodes(tenDays)).toEqual(['M2_HISTORIC']);
    expect(tenDays.occurrence).toBe('2026-02-19T10:00:00.000Z');
    expect((await w.explainMeeting('weekly-1', '2026-03-09T10:00:00Z')).outcome).toBe('linked');
    const globex = meetingKeys(await w.timeline('globex'));
    expect(globex).toEqual(['weekly-1@2026-03-02T10:00:00.000Z', 'weekly-1@2026-03-09T10:00:00.000Z', 'weekly-1@2026-03-16T10:00:00.000Z']);
  }, 180_000);

  it('M3: not started → upcoming; cancelled before start → never logged', async () => {
    expect(failedCodes(await w.explainMeeting('upcoming-1'))).toEqual(['M3_NOT_STARTED']);
    expect(failedCodes(await w.explainMeeting('cancelled-1'))).toEqual(['M3_CANCELLED']);
  });

  it('M4: organizer by address (alias counts); customer- or other-teammate-organized is not logged here', async () => {
    expect(failedCodes(await w.explainMeeting('customer-1'))).toEqual(['M4_CUSTOMER_ORGANIZES']);
    expect(check(await w.explainMeeting('alias-1'), 'M4')).toMatchObject({ status: 'pass', code: 'M4_OWNER_ORGANIZES' });
    expect(failedCodes(await w.explainMeeting('dan-organizes-1'))).toEqual(['M4_OTHER_TEAMMATE_ORGANIZES']);
  });

  it('M5: responseStatus declined/tentative is not acceptance; acceptance is per account', async () => {
    const d = await w.explainMeeting('declined-1');
    expect(failedCodes(d)).toEqual(['M5_NOT_ACCEPTED']);
    expect(check(d, 'M5').detail).toMatch(/jane@acme\.com DECLINED/);
    const p = await w.explainMeeting('per-account-1');
    expect(p.accounts.map((a) => a.id)).toEqual(['acme']);
  });

  it('M6: only a blocklisted end user accepted → not logged', async () => {
    expect((await w.explainMeeting('partner-1')).outcome).not.toBe('linked');
  });

  it('410 Gone (sync token expired) → bounded full re-sync: no duplicates, no losses', async () => {
    const before = meetingKeys(await w.timeline('acme'));
    g.expireSyncTokens();
    g.putEvent(ev('after-410', '2026-03-15T09:00:00Z', { attendees: [acc('jane@acme.com')] }));
    const s = await w.sync();
    expect(s.connections[0]!.status).toBe('active');
    const after = meetingKeys(await w.timeline('acme'));
    expect(after).toEqual([...before, 'after-410@2026-03-15T09:00:00.000Z'].sort());
    expect(g.log.filter((l) => l.includes('timeMin=') && !l.includes('pageToken=')).length).toBe(2);
  }, 180_000);
});
