// Article 5: "I can see the meeting logged which did not happen for that account" —
// attendees who are end users, the blocklist (M6) and deleting the end user re-decide it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, failedCodes, ics, meetingKeys, refs, Workspace, type ChangeJson, type ExplanationJson } from '../support/cli.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';
const ALICE = 'alice@ourco.com';
const accepted = (email: string) => ({ email, partstat: 'ACCEPTED' });

const w = new Workspace(NOW);

beforeAll(async () => {
  await w.init('cs-team', ['ourco.com']);
  await w.teammate(ALICE);
  await w.account('acme', 'Acme Corp');
  // A partner's address was imported into Acme by the CRM.
  await w.users('account_id,email,name,external_id\nacme,pat@partnerco.com,Pat Partner,SF-9', 'crm:salesforce');
  await w.ok(['user', 'add', '--account', 'acme', '--email', 'jane@acme.com', '--name', 'Jane']);
  const cal = (name: string, text: string) => w.write(`calendar/${name}.ics`, text);
  cal(
    'partner-only',
    ics({
      uid: 'partner-only-1',
      start: '20260305T150000Z',
      summary: 'Partner sync',
      organizer: ALICE,
      attendees: [accepted('pat@partnerco.com')],
    }),
  );
  cal(
    'partner-and-jane',
    ics({
      uid: 'joint-1',
      start: '20260306T150000Z',
      summary: 'Joint call',
      organizer: ALICE,
      attendees: [accepted('pat@partnerco.com'), accepted('jane@acme.com')],
    }),
  );
  cal(
    'jane-only',
    ics({
      uid: 'jane-only-1',
      start: '20260307T150000Z',
      summary: 'Acme check-in',
      organizer: ALICE,
      attendees: [accepted('jane@acme.com')],
    }),
  );
  cal(
    'nobody',
    ics({
      uid: 'nobody-1',
      start: '20260308T150000Z',
      summary: 'Prospect call',
      organizer: ALICE,
      attendees: [accepted('lisa@initech.com')],
    }),
  );
  await w.connect(ALICE, { calendar: 'calendar' }, AUTH);
  await w.sync();
});

afterAll(() => w.cleanup());

describe('5.1 at least one attendee must be an end user', () => {
  it('a meeting with an end user who accepted is logged; explain says which attendee, and what to do about it', async () => {
    expect(meetingKeys(await w.timeline('acme'))).toEqual([
      'jane-only-1@2026-03-07T15:00:00.000Z',
      'joint-1@2026-03-06T15:00:00.000Z',
      'partner-only-1@2026-03-05T15:00:00.000Z',
    ]);
    const e = await w.explainMeeting('partner-only-1');
    expect(e.accounts).toEqual([
      {
        id: 'acme',
        via: [expect.objectContaining({ email: 'pat@partnerco.com', source: 'crm:salesforce', externalId: 'SF-9', partstat: 'ACCEPTED' })],
      },
    ]);
    expect(e.remedyCodes).toEqual(['DELETE_END_USER', 'DELETE_AND_SUPPRESS', 'BLOCKLIST_DOMAIN']);
    expect(e.remedies.join(' ')).toContain('partnerco.com');
  });

  it('a meeting with no end user among the attendees is not logged, and adding one re-decides it', async () => {
    const e = await w.explainMeeting('nobody-1');
    expect(failedCodes(e)).toEqual(['M5_NO_END_USER']);
    expect(check(e, 'M5').detail).toContain('lisa@initech.com');
    expect(e.remedyCodes).toEqual(['ADD_END_USER']);
    await w.account('initech', 'Initech');
    const add = await w.json<ChangeJson>(['user', 'add', '--account', 'initech', '--email', 'lisa@initech.com']);
    expect(refs(add.linked)).toEqual(['meeting:nobody-1@2026-03-08T15:00:00.000Z→initech']);
  });
});

describe('5.1.2 blocklisted attendees never cause a sync (M6)', () => {
  let block: ChangeJson;
  beforeAll(async () => {
    block = await w.json<ChangeJson>(['blocklist', 'add', 'partnerco.com']);
  });

  it('blocklisting the domain unlinks meetings that only its attendees caused', async () => {
    expect(refs(block.unlinked)).toEqual(['meeting:partner-only-1@2026-03-05T15:00:00.000Z→acme']);
    const e = await w.explainMeeting('partner-only-1');
    expect(e.outcome).toBe('not_linked');
    expect(failedCodes(e)).toEqual(['M6_ALL_BLOCKLISTED']);
    expect(check(e, 'M6').detail).toContain('partnerco.com');
    expect(e.remedyCodes).toEqual(['REMOVE_FROM_BLOCKLIST']);
  });

  it('a meeting another accepting end user caused stays, via that end user only', async () => {
    const e = await w.explainMeeting('joint-1');
    expect(e.outcome).toBe('linked');
    expect(e.accounts).toEqual([{ id: 'acme', via: [expect.objectContaining({ email: 'jane@acme.com' })] }]);
    expect(meetingKeys(await w.timeline('acme'))).toEqual(['jane-only-1@2026-03-07T15:00:00.000Z', 'joint-1@2026-03-06T15:00:00.000Z']);
  });

  it('new meetings with blocklisted attendees are not logged at sync time; an exact address can be blocklisted too', async () => {
    await w.ok(['blocklist', 'remove', 'partnerco.com']);
    await w.ok(['blocklist', 'add', 'Pat@PartnerCo.com']);
    w.write(
      'calendar/partner-2.ics',
      ics({
        uid: 'partner-only-2',
        start: '20260320T090000Z',
        summary: 'Partner again',
        organizer: ALICE,
        attendees: [accepted('pat@partnerco.com')],
      }),
    );
    const s = await w.sync();
    expect(s.connections[0]!.calendar).toMatchObject({ linked: 0, notLinked: 1 });
    const e = await w.explainMeeting('partner-only-2');
    expect(failedCodes(e)).toEqual(['M6_ALL_BLOCKLISTED']);
    expect(check(e, 'M6').detail).toContain('pat@partnerco.com');
  });

  it('removing the entry from the blocklist links them back', async () => {
    const r = await w.json<ChangeJson>(['blocklist', 'remove', 'pat@partnerco.com']);
    expect(refs(r.linked)).toEqual([
      'meeting:partner-only-1@2026-03-05T15:00:00.000Z→acme',
      'meeting:partner-only-2@2026-03-20T09:00:00.000Z→acme',
    ]);
    expect((await w.explainMeeting('joint-1')).accounts[0]!.via.map((v) => v.email).sort()).toEqual(['jane@acme.com', 'pat@partnerco.com']);
  });
});

describe('5.1.3 deleting the end user re-decides its meetings', () => {
  let del: ChangeJson;
  let after: ExplanationJson;
  beforeAll(async () => {
    del = await w.json<ChangeJson>(['user', 'delete', '--account', 'acme', '--email', 'jane@acme.com']);
    after = await w.explainMeeting('jane-only-1');
  });

  it('unlinks the meetings only that end user caused, and says so', () => {
    expect(refs(del.unlinked)).toEqual(['meeting:jane-only-1@2026-03-07T15:00:00.000Z→acme']);
    expect(del.warning).toBeUndefined(); // a manual user: nothing will recreate it
    expect(after.outcome).toBe('not_linked');
    expect(failedCodes(after)).toEqual(['M5_NO_END_USER']);
  });

  it('keeps meetings another end user of the account accepted', async () => {
    const e = await w.explainMeeting('joint-1');
    expect(e.outcome).toBe('linked');
    expect(e.accounts[0]!.via.map((v) => v.email)).toEqual(['pat@partnerco.com']);
  });

  it('deleting a CRM-sourced end user warns, and unlinks its meetings', async () => {
    const r = await w.json<ChangeJson>(['user', 'delete', '--account', 'acme', '--email', 'pat@partnerco.com']);
    expect(r.warning).toMatch(/crm:salesforce/);
    expect(refs(r.unlinked)).toEqual([
      'meeting:joint-1@2026-03-06T15:00:00.000Z→acme',
      'meeting:partner-only-1@2026-03-05T15:00:00.000Z→acme',
      'meeting:partner-only-2@2026-03-20T09:00:00.000Z→acme',
    ]);
    expect((await w.timeline('acme')).items).toEqual([]);
  });
});
