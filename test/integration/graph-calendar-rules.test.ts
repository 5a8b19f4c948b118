// Every meeting rule (M1–M6) through Microsoft 365: calendarView/delta over a window from
// authorizedAt on the real Graph client against the local emulator. Occurrences and
// exceptions arrive expanded and take the series master's iCalUId; isOrganizer and
// attendees' status.response drive M4/M5; isCancelled → M3; @removed → deleted; 410 →
// bounded full re-sync without duplicates or losses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MicrosoftEmulator, type MsEvent } from '../emulators/microsoft.js';
import { check, failedCodes, meetingKeys, Workspace, type StatusJson, type SyncJson } from '../support/cli.js';
import { TEST_SECRET_KEY } from '../support/imap.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';
const ALICE = 'alice@ourco.com';
const ALICE_ALIAS = 'alice.chen@ourco.com';

const ms = new MicrosoftEmulator();
const w = new Workspace(NOW, 'tp-graph-cal-');
let first: SyncJson;
let second: SyncJson;
let status: StatusJson;

type Att = { address: string; response?: string };
const acc = (address: string): Att => ({ address, response: 'accepted' });
const graphTime = (d: Date) => ({ dateTime: d.toISOString().replace('Z', '0000'), timeZone: 'UTC' });
function ev(
  id: string,
  start: string,
  o: {
    subject?: string;
    organizer?: string;
    isOrganizer?: boolean;
    attendees?: Att[];
    isCancelled?: boolean;
    minutes?: number;
    type?: string;
    seriesMasterId?: string;
    lastModified?: string;
  } = {},
): MsEvent {
  const s = new Date(start);
  const e = new Date(s.getTime() + (o.minutes ?? 30) * 60_000);
  const organizer = o.organizer ?? ALICE;
  return {
    id,
    iCalUId: `040000008200E00074C5B7101A82E008-${id}`,
    type: o.type ?? 'singleInstance',
    subject: o.subject ?? id,
    start: graphTime(s),
    end: graphTime(e),
    isAllDay: false,
    isCancelled: o.isCancelled ?? false,
    isOrganizer: o.isOrganizer ?? organizer === ALICE,
    organizer: { emailAddress: { address: organizer, name: organizer.split('@')[0] } },
    attendees: (o.attendees ?? []).map((a) => ({
      type: 'required',
      status: { response: a.response ?? 'none', time: '0001-01-01T00:00:00Z' },
      emailAddress: { address: a.address, name: a.address },
    })),
    originalStartTimeZone: 'W. Europe Standard Time',
    ...(o.seriesMasterId ? { seriesMasterId: o.seriesMasterId } : {}),
    ...(o.lastModified ? { lastModifiedDateTime: o.lastModified } : {}),
  };
}

beforeAll(async () => {
  await ms.start();
  w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
  w.env.TOUCHPOINT_MICROSOFT_CLIENT_ID = '00000000-0000-0000-0000-00000000c11e';
  w.env.TOUCHPOINT_MICROSOFT_CLIENT_SECRET = 'test-client-secret';
  w.env.TOUCHPOINT_MICROSOFT_AUTHORITY = ms.authority;
  w.env.TOUCHPOINT_GRAPH_BASE_URL = ms.graphBaseUrl;
  w.env.TOUCHPOINT_PUBLIC_URL = undefined; // poll only: no subscriptions here (graph-push.test.ts)
  w.env.ALICE_MS_TOKEN = ms.issueRefreshToken();

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

  ms.putEvent(ev('single-1', '2026-03-05T15:00:00Z', { attendees: [acc('jane@acme.com'), acc(ALICE)] }));
  // calendarView returns what overlaps the window: this one starts before authorization.
  ms.putEvent(ev('historic-1', '2026-02-28T23:45:00Z', { attendees: [acc('jane@acme.com')] }));
  // A weekly series: the master is not in calendarView; its occurrences are, each with its own id and iCalUId.
  ms.putEvent({
    ...ev('weekly-master', '2026-03-02T10:00:00Z', { type: 'seriesMaster', attendees: [acc('bob@globex.com')] }),
    iCalUId: 'weekly-1',
  });
  for (const day of ['2026-03-02', '2026-03-09']) {
    ms.putEvent(
      ev(`weekly-occ-${day}`, `${day}T10:00:00Z`, {
        type: 'occurrence',
        seriesMasterId: 'weekly-master',
        attendees: [acc('bob@globex.com')],
      }),
    );
  }
  ms.putEvent(
    ev('weekly-exc-2026-03-16', '2026-03-16T10:00:00Z', {
      type: 'exception',
      seriesMasterId: 'weekly-master',
      attendees: [{ address: 'bob@globex.com', response: 'declined' }],
    }),
  );
  ms.putEvent(ev('upcoming-1', '2026-03-20T15:00:00Z', { minutes: 60, attendees: [acc('jane@acme.com')] }));
  ms.putEvent(
    ev('customer-1', '2026-03-10T13:00:00Z', {
      organizer: 'jane@acme.com',
      attendees: [acc(ALICE), acc('jane@acme.com'), acc('john@acme.com')],
    }),
  );
  ms.putEvent(ev('alias-1', '2026-03-11T09:00:00Z', { organizer: ALICE_ALIAS, isOrganizer: true, attendees: [acc('john@acme.com')] }));
  // Graph says she organizes it though the address shown is her tenant's routing address.
  ms.putEvent(
    ev('isorganizer-1', '2026-03-11T09:30:00Z', {
      organizer: 'alice@ourco.onmicrosoft.com',
      isOrganizer: true,
      attendees: [acc('john@acme.com')],
    }),
  );
  ms.putEvent(ev('dan-organizes-1', '2026-03-11T10:00:00Z', { organizer: 'dan@ourco.com', attendees: [acc(ALICE), acc('john@acme.com')] }));
  ms.putEvent(
    ev('declined-1', '2026-03-12T16:00:00Z', {
      attendees: [
        { address: 'jane@acme.com', response: 'declined' },
        { address: 'john@acme.com', response: 'tentativelyAccepted' },
      ],
    }),
  );
  ms.putEvent(
    ev('notresponded-1', '2026-03-12T17:00:00Z', {
      attendees: [
        { address: 'jane@acme.com', response: 'notResponded' },
        { address: 'john@acme.com', response: 'none' },
      ],
    }),
  );
  ms.putEvent(
    ev('per-account-1', '2026-03-13T09:00:00Z', { attendees: [acc('jane@acme.com'), { address: 'bob@globex.com', response: 'declined' }] }),
  );
  ms.putEvent(
    ev('cancelled-1', '2026-03-13T15:00:00Z', {
      isCancelled: true,
      attendees: [acc('jane@acme.com')],
      lastModified: '2026-03-08T10:00:00Z',
    }),
  );
  ms.putEvent(ev('partner-1', '2026-03-14T10:00:00Z', { attendees: [acc('pat@partnerco.com')] }));
  ms.putEvent(ev('to-delete-1', '2026-03-15T11:00:00Z', { attendees: [acc('john@acme.com')] }));
  ms.putEvent(ev('to-delete-2', '2026-03-25T11:00:00Z', { attendees: [acc('john@acme.com')] }));

  // Bad data from the provider: reported where and why; the rest syncs.
  ms.putEvent({ ...ev('bad-start', '2026-03-06T10:00:00Z'), start: { dateTime: 'soon', timeZone: 'UTC' } });
  await w.ok(['connect', 'microsoft', '--teammate', ALICE, '--token-env', 'ALICE_MS_TOKEN', '--authorized-at', AUTH, '--page-size', '4']);
  first = await w.sync();
  second = await w.sync();
  status = await w.status();
}, 300_000);

afterAll(async () => {
  await ms.stop();
  w.cleanup();
});

const uid = (id: string) => `040000008200E00074C5B7101A82E008-${id}`;

describe('meeting rules over Microsoft 365 (calendarView/delta)', () => {
  it('syncs the window from authorizedAt, then by deltaLink; active, no errors', () => {
    expect(first.connections[0]!.status).toBe('active');
    expect(first.connections[0]!.errors).toEqual([
      { where: 'graph event bad-start', reason: expect.stringContaining('the event has no readable start time') },
    ]);
    expect(second.connections[0]!.status).toBe('active');
    expect(status.connections[0]!.provider).toBe('graph');
    const views = ms.log.filter((l) => l.path.startsWith('/v1.0/me/calendarView/delta'));
    expect(
      views.some((l) => decodeURIComponent(l.path).includes('startDateTime=2026-03-01T00:00:00.000Z') && l.path.includes('endDateTime=')),
    ).toBe(true);
    expect(views.some((l) => l.path.includes('$deltatoken='))).toBe(true);
    expect(views.every((l) => l.prefer.includes('outlook.timezone="UTC"') && l.prefer.includes('odata.maxpagesize=4'))).toBe(true);
  });

  it('M1–M6 all pass for a logged meeting', async () => {
    const e = await w.explainMeeting(uid('single-1'));
    expect(e.outcome).toBe('linked');
    expect(e.checks.map((c) => `${c.rule}:${c.status}`)).toEqual(['M1:pass', 'M2:pass', 'M3:pass', 'M4:pass', 'M5:pass', 'M6:pass']);
  });

  it('M2: before authorization is historic; occurrences and exceptions of a series share its UID and are judged one by one', async () => {
    expect(failedCodes(await w.explainMeeting(uid('historic-1')))).toEqual(['M2_HISTORIC']);
    expect((await w.explainMeeting('weekly-1', '2026-03-09T10:00:00Z')).outcome).toBe('linked');
    expect(failedCodes(await w.explainMeeting('weekly-1', '2026-03-16T10:00:00Z'))).toEqual(['M5_NOT_ACCEPTED']);
    expect(meetingKeys(await w.timeline('globex'))).toEqual(['weekly-1@2026-03-02T10:00:00.000Z', 'weekly-1@2026-03-09T10:00:00.000Z']);
    // The series master was read once for its iCalUId.
    expect(ms.log.filter((l) => l.path.startsWith('/v1.0/me/events/weekly-master')).length).toBe(1);
  });

  it('M3: not started → upcoming; isCancelled before start → never logged', async () => {
    expect(failedCodes(await w.explainMeeting(uid('upcoming-1')))).toEqual(['M3_NOT_STARTED']);
    expect(failedCodes(await w.explainMeeting(uid('cancelled-1')))).toEqual(['M3_CANCELLED']);
  });

  it('M4: organizer by address (alias counts) or isOrganizer; customer- or other-teammate-organized is not logged here', async () => {
    expect(failedCodes(await w.explainMeeting(uid('customer-1')))).toEqual(['M4_CUSTOMER_ORGANIZES']);
    expect(check(await w.explainMeeting(uid('alias-1')), 'M4')).toMatchObject({ status: 'pass', code: 'M4_OWNER_ORGANIZES' });
    expect(check(await w.explainMeeting(uid('isorganizer-1')), 'M4')).toMatchObject({ status: 'pass', code: 'M4_OWNER_ORGANIZES' });
    expect(failedCodes(await w.explainMeeting(uid('dan-organizes-1')))).toEqual(['M4_OTHER_TEAMMATE_ORGANIZES']);
  });

  it('M5: declined / tentativelyAccepted / notResponded / none are not acceptance; acceptance is per account', async () => {
    const d = await w.explainMeeting(uid('declined-1'));
    expect(failedCodes(d)).toEqual(['M5_NOT_ACCEPTED']);
    expect(check(d, 'M5').detail).toMatch(/jane@acme\.com DECLINED/);
    expect(check(d, 'M5').detail).toMatch(/john@acme\.com TENTATIVE/);
    expect(failedCodes(await w.explainMeeting(uid('notresponded-1')))).toEqual(['M5_NOT_ACCEPTED']);
    expect((await w.explainMeeting(uid('per-account-1'))).accounts.map((a) => a.id)).toEqual(['acme']);
  });

  it('M6: only a blocklisted end user accepted → not logged', async () => {
    expect((await w.explainMeeting(uid('partner-1'))).outcome).not.toBe('linked');
  });

  it('@removed in the delta: an upcoming meeting is cancelled (never logged); one that took place stays logged', async () => {
    expect(failedCodes(await w.explainMeeting(uid('to-delete-2')))).toEqual(['M3_NOT_STARTED']);
    ms.deleteEvent('to-delete-1');
    ms.deleteEvent('to-delete-2');
    expect((await w.sync()).connections[0]).toMatchObject({ status: 'active', errors: [] });
    expect(ms.log.at(-1)!.path).toContain('$deltatoken=');
    expect(failedCodes(await w.explainMeeting(uid('to-delete-2')))).toEqual(['M3_CANCELLED']);
    expect(meetingKeys(await w.timeline('acme'))).toContain(`${uid('to-delete-1')}@2026-03-15T11:00:00.000Z`);
  }, 180_000);

  it('410 (sync state gone) → bounded full re-sync: no duplicates, no losses', async () => {
    const before = meetingKeys(await w.timeline('acme'));
    ms.expireEventDelta();
    ms.putEvent(ev('after-410', '2026-03-15T09:00:00Z', { attendees: [acc('jane@acme.com')] }));
    const starts = () => ms.log.filter((l) => l.path.includes('startDateTime=')).length;
    const fullBefore = starts();
    const s = await w.sync();
    expect(s.connections[0]!.status).toBe('active');
    expect(s.connections[0]!.errors.map((e) => e.where)).toEqual(['graph event bad-start']); // re-read, reported again
    expect(meetingKeys(await w.timeline('acme'))).toEqual([...before, `${uid('after-410')}@2026-03-15T09:00:00.000Z`].sort());
    expect(starts() - fullBefore).toBe(1);
  }, 180_000);

  it("the window ends a year after the sync's --now (not the machine clock), and moves with it", async () => {
    const ends = () =>
      ms.log.filter((l) => l.path.includes('startDateTime=')).map((l) => new URL(l.path, ms.url).searchParams.get('endDateTime'));
    // Every round so far was opened at --now 2026-03-20T12:00Z (the machine's clock is months later).
    expect(new Set(ends())).toEqual(new Set(['2027-03-20T12:00:00.000Z']));
    // Less than 180 days of window left at this --now: a new round over a window a year past it.
    const later = '2026-10-01T08:00:00Z';
    expect((await w.sync({ now: later })).connections[0]!.status).toBe('active');
    expect(ends().at(-1)).toBe('2027-10-01T08:00:00.000Z');
  }, 180_000);
});
