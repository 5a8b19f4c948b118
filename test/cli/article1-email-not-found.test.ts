// Article 1: "I cannot find the email which should have been synced?" — every check of
// the article, run through the real CLI on a folder mailbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  check,
  eml,
  failedCodes,
  messageIds,
  Workspace,
  type ExplanationJson,
  type StatusJson,
  type SyncJson,
  type TimelineJson,
} from '../support/cli.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';

const w = new Workspace(NOW);
const before: { noConnection?: ExplanationJson } = {};
let firstSync: SyncJson;
let timeline: TimelineJson;

beforeAll(async () => {
  await w.init('cs-team', ['ourco.com']);
  await w.teammate('alice@ourco.com');
  await w.teammate('bob@ourco.com');
  await w.account('acme', 'Acme Corp');
  await w.account('initech', 'Initech');
  // carol's CRM record also holds a personal address, in another column than "email".
  const imported = await w.users(
    [
      'account_id,email,name,external_id,secondary_email',
      'acme,jane@acme.com,Jane Doe,SF-1,',
      'acme,john.smith@acme.com,John Smith,SF-2,',
      'acme,carol@acme.com,Carol Jones,SF-3,carol.personal@gmail.com',
    ].join('\n'),
    'crm:salesforce',
  );
  expect(imported.counts).toMatchObject({ created: 3, error: 0 });

  const inbox = (name: string, s: Parameters<typeof eml>[0]) => w.write(`mail/alice/INBOX/${name}.eml`, eml(s));
  const toAlice = { to: 'Alice <alice@ourco.com>' };
  inbox('01-linked', {
    ...toAlice,
    from: 'Jane Doe <jane@acme.com>',
    date: '2026-03-10T09:00:00Z',
    messageId: 'linked-1@acme.com',
    subject: 'Renewal',
  });
  inbox('02-historic', {
    ...toAlice,
    from: 'jane@acme.com',
    date: '2026-02-20T09:00:00Z',
    messageId: 'historic-1@acme.com',
    subject: 'Old thread',
  });
  inbox('03-plus', {
    ...toAlice,
    from: 'jane+billing@acme.com',
    date: '2026-03-11T09:00:00Z',
    messageId: 'plus-1@acme.com',
    subject: 'Invoice',
  });
  inbox('04-dots', { ...toAlice, from: 'johnsmith@acme.com', date: '2026-03-11T10:00:00Z', messageId: 'dots-1@acme.com', subject: 'Dots' });
  inbox('05-other-domain', {
    ...toAlice,
    from: 'jane@acme.io',
    date: '2026-03-11T11:00:00Z',
    messageId: 'other-domain-1@acme.io',
    subject: 'From the .io',
  });
  inbox('06-same-company', {
    ...toAlice,
    from: 'jane@eu.acme.com',
    date: '2026-03-11T12:00:00Z',
    messageId: 'same-company-1@eu.acme.com',
    subject: 'From the EU office',
  });
  inbox('07-other-field', {
    ...toAlice,
    from: 'carol.personal@gmail.com',
    date: '2026-03-11T13:00:00Z',
    messageId: 'other-field-1@gmail.com',
    subject: 'From my gmail',
  });
  inbox('08-nobody', {
    ...toAlice,
    from: 'peter@initech.com',
    date: '2026-03-11T14:00:00Z',
    messageId: 'nobody-1@initech.com',
    subject: 'TPS reports',
  });
  inbox('09-nobody-historic', {
    ...toAlice,
    from: 'peter@initech.com',
    date: '2026-02-25T14:00:00Z',
    messageId: 'historic-2@initech.com',
    subject: 'Before we connected',
  });
  // Only Bob had this one, and Bob's inbox is not connected.
  w.write(
    'mail/bob/INBOX/01.eml',
    eml({ from: 'jane@acme.com', to: 'bob@ourco.com', date: '2026-03-12T09:00:00Z', messageId: 'bob-only-1@acme.com' }),
  );

  before.noConnection = await w.explainEmail('linked-1@acme.com');
  await w.connect('alice@ourco.com', { mail: 'mail/alice' }, AUTH);
  firstSync = await w.sync();
  timeline = await w.timeline('acme');
});

afterAll(() => w.cleanup());

// Read-only checks run concurrently (each is one CLI call); changes come after, in order.
describe.concurrent('1.1 the inbox must be authorized', () => {
  it('with no inbox connected, explain says so and asks to authorize', () => {
    const e = before.noConnection!;
    expect(e.outcome).toBe('unknown');
    expect(e.searched).toEqual([]);
    expect(check(e, 'E1')).toMatchObject({ status: 'fail', code: 'E1_NOT_CONNECTED' });
    expect(e.remedyCodes).toContain('AUTHORIZE');
  });

  it('mail only an unconnected inbox had is unknown: explain lists the inboxes it searched and who is not connected', async () => {
    const e = await w.explainEmail('<bob-only-1@acme.com>');
    expect(e.outcome).toBe('unknown');
    expect(e.ref).toBe('bob-only-1@acme.com');
    expect(e.searched).toHaveLength(1);
    expect(e.searched![0]).toMatchObject({
      teammate: 'alice@ourco.com',
      provider: 'folder',
      status: 'active',
      authorizedAt: '2026-03-01T00:00:00.000Z',
      lastSyncAt: '2026-03-20T12:00:00.000Z',
    });
    expect(check(e, 'E1').code).toBe('E1_NOT_SEEN');
    expect(check(e, 'E1').detail).toContain('bob@ourco.com');
    expect(e.remedyCodes).toEqual(expect.arrayContaining(['AUTHORIZE', 'SYNC_NOW']));
  });

  it('the email seen by the authorized inbox is linked, with every check passed', async () => {
    expect(firstSync.connections).toHaveLength(1);
    expect(firstSync.connections[0]!.status).toBe('active');
    expect(messageIds(timeline)).toEqual(['linked-1@acme.com']);
    const e = await w.explainEmail('linked-1@acme.com');
    expect(e.outcome).toBe('linked');
    expect(e.checks.map((c) => c.rule)).toEqual(['E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7']);
    expect(failedCodes(e)).toEqual([]);
    expect(e.accounts).toEqual([
      {
        id: 'acme',
        via: [expect.objectContaining({ email: 'jane@acme.com', field: 'from', source: 'crm:salesforce', externalId: 'SF-1' })],
      },
    ]);
  });
});

describe.concurrent('1.2.4 historic emails are never synced', () => {
  it('mail received before authorization fails E2 and stays off the timeline', async () => {
    const e = await w.explainEmail('historic-1@acme.com');
    expect(e.outcome).toBe('not_linked');
    expect(check(e, 'E2')).toMatchObject({ status: 'fail', code: 'E2_HISTORIC' });
    expect(check(e, 'E2').detail).toContain('2026-03-01T00:00:00.000Z');
    expect(check(e, 'E3').status).toBe('pass'); // Jane is an end user: only the date stops it
    expect(e.remedyCodes).toEqual(['HISTORIC_NEVER_SYNCED']);
    expect(messageIds(timeline)).not.toContain('historic-1@acme.com');
  });
});

describe.concurrent('1.2.2 / 1.2.5 the same address must be an end user, in the "email" field', () => {
  const nearMiss = async (id: string, kind: string, participant: string, endUserEmail: string) => {
    const e = await w.explainEmail(id);
    expect(e.outcome).toBe('not_linked');
    expect(e.accounts).toEqual([]);
    expect(failedCodes(e)).toEqual(['E3_NO_END_USER']);
    expect(e.hints).toContainEqual(expect.objectContaining({ kind, participant, endUserEmail, accountId: 'acme' }));
    expect(e.remedyCodes).toEqual(['FIX_EMAIL_FIELD', 'ADD_END_USER']);
    expect(e.remedies.join(' ')).toContain(participant);
    expect(messageIds(timeline)).not.toContain(id);
  };

  it('a +tag is a hint, never a match', () => nearMiss('plus-1@acme.com', 'plus_tag', 'jane+billing@acme.com', 'jane@acme.com'));
  it('dots are a hint, never a match', () => nearMiss('dots-1@acme.com', 'dots', 'johnsmith@acme.com', 'john.smith@acme.com'));
  it('another domain of the company is a hint, never a match', () =>
    nearMiss('other-domain-1@acme.io', 'other_domain', 'jane@acme.io', 'jane@acme.com'));
  it('a subdomain of the same company is a hint, never a match', () =>
    nearMiss('same-company-1@eu.acme.com', 'other_domain', 'jane@eu.acme.com', 'jane@acme.com'));
  it('an address held in another field of the end user is a hint, never a match', () =>
    nearMiss('other-field-1@gmail.com', 'other_field', 'carol.personal@gmail.com', 'carol@acme.com'));

  it('an unknown sender gets no hint, only "add the end user"', async () => {
    const e = await w.explainEmail('nobody-1@initech.com');
    expect(failedCodes(e)).toEqual(['E3_NO_END_USER']);
    expect(e.hints).toEqual([]);
    expect(e.remedyCodes).toEqual(['ADD_END_USER']);
    expect(check(e, 'E3').detail).toContain('peter@initech.com');
  });
});

describe('1.2.2 the remedy: add the end user', () => {
  it('adding the end user with the exact address links the past mail at once (but not historic mail)', async () => {
    const add = await w.json(['user', 'add', '--account', 'initech', '--email', 'peter@initech.com']);
    // Peter's mail from before the authorization stays out: historic mail is never synced.
    expect(add.linked).toEqual([expect.objectContaining({ kind: 'email', ref: 'nobody-1@initech.com', accountId: 'initech' })]);
    expect(add.unlinked).toEqual([]);
    expect(messageIds(await w.timeline('initech'))).toEqual(['nobody-1@initech.com']);
    expect(failedCodes(await w.explainEmail('historic-2@initech.com'))).toEqual(['E2_HISTORIC']);

    // A +tagged end user of its own matches only the +tagged address.
    const plus = await w.json(['user', 'add', '--account', 'acme', '--email', 'Jane+Billing@ACME.com']);
    expect(plus.linked.map((c: { ref: string }) => c.ref)).toEqual(['plus-1@acme.com']);
    const t = await w.timeline('acme');
    expect(messageIds(t)).toEqual(['linked-1@acme.com', 'plus-1@acme.com']);
    expect(messageIds(t)).not.toContain('historic-1@acme.com');
  });
});

describe('1.2.3 it may take up to 30 minutes; the next sync picks new mail up (incremental, idempotent)', () => {
  let status: StatusJson;

  it('the connection says when the next sync is due (within the 30-minute promise)', async () => {
    status = await w.status();
    const c = status.connections[0]!;
    expect(c).toMatchObject({ teammate: 'alice@ourco.com', status: 'active', lastSuccessAt: '2026-03-20T12:00:00.000Z', errors: [] });
    const due = Date.parse(c.nextSyncAt!) - Date.parse(NOW);
    expect(due).toBeGreaterThan(0);
    expect(due).toBeLessThanOrEqual(30 * 60_000);
    expect(status.syncIntervalMinutes).toBeLessThanOrEqual(30);
    expect(c.counts.email).toMatchObject({ seen: 9, linked: 3 });
    expect(c.counts.email.skipped).toEqual({ E2_HISTORIC: 2, E3_NO_END_USER: 4 });
  });

  it('a second sync with nothing new changes nothing', async () => {
    const again = await w.sync();
    expect(again.connections[0]!.mail).toEqual({ seen: 0, linked: 0, notLinked: 0 });
    const after = await w.status();
    expect(after.connections[0]!.counts).toEqual(status.connections[0]!.counts);
    expect(messageIds(await w.timeline('acme'))).toEqual(['linked-1@acme.com', 'plus-1@acme.com']);
  });

  it('mail that arrives after a sync is unknown until the next sync, then on the timeline', async () => {
    w.write(
      'mail/alice/INBOX/10-late.eml',
      eml({
        from: 'jane@acme.com',
        to: 'alice@ourco.com',
        date: '2026-03-20T12:02:00Z',
        received: '2026-03-20T12:03:00Z',
        messageId: 'late-1@acme.com',
        subject: 'Arrived after the sync',
      }),
    );
    const notYet = await w.explainEmail('late-1@acme.com', { now: '2026-03-20T12:04:00Z' });
    expect(notYet.outcome).toBe('unknown');
    expect(notYet.remedyCodes).toContain('SYNC_NOW');
    expect(notYet.remedies.join(' ')).toContain('2026-03-20T12:05:00.000Z'); // the next sync due

    const next = await w.sync({ now: '2026-03-20T12:05:00Z' });
    expect(next.connections[0]!.mail).toEqual({ seen: 1, linked: 1, notLinked: 0 });
    const t = await w.timeline('acme', { now: '2026-03-20T12:05:00Z' });
    expect(t.items[0]).toMatchObject({
      kind: 'email',
      messageId: 'late-1@acme.com',
      at: '2026-03-20T12:03:00.000Z',
      subject: 'Arrived after the sync',
    });
    const e = await w.explainEmail('late-1@acme.com', { now: '2026-03-20T12:05:00Z' });
    expect(e.outcome).toBe('linked');
    expect(check(e, 'E7')).toMatchObject({ status: 'pass', code: 'E7_SYNCED' });

    const idle = await w.sync({ now: '2026-03-20T12:10:00Z' });
    expect(idle.connections[0]!.mail.seen).toBe(0);
    const c = (await w.status({ now: '2026-03-20T12:10:00Z' })).connections[0]!;
    expect(c.counts.email).toMatchObject({ seen: 10, linked: 4 });
  });
});

describe('1.1 "configured correctly": a mailbox folder that disappears', () => {
  it('the connection shows an error in plain words; unknown mail says the inbox is not working', async () => {
    await w.teammate('dan@ourco.com');
    w.write(
      'mail/dan/INBOX/01.eml',
      eml({ from: 'jane@acme.com', to: 'dan@ourco.com', date: '2026-03-15T09:00:00Z', messageId: 'dan-1@acme.com' }),
    );
    const id = await w.connect('dan@ourco.com', { mail: 'mail/dan' }, AUTH);
    w.remove('mail/dan');
    const s = await w.sync({ now: '2026-03-20T12:15:00Z' });
    const dan = s.connections.find((c) => c.connectionId === id)!;
    expect(dan.status).toBe('error');
    expect(dan.failure).toMatch(/does not exist/);
    const st = (await w.status({ now: '2026-03-20T12:15:00Z' })).connections.find((c) => c.id === id)!;
    expect(st).toMatchObject({ status: 'error', teammate: 'dan@ourco.com' });
    expect(st.lastError).toMatch(/does not exist/);
    // Alice's connection is untouched by Dan's failure.
    expect((await w.status({ now: '2026-03-20T12:15:00Z' })).connections.find((c) => c.id !== id)!.status).toBe('active');

    const e = await w.explainEmail('dan-1@acme.com', { now: '2026-03-20T12:15:00Z' });
    expect(e.outcome).toBe('unknown');
    expect(check(e, 'E1').status).toBe('fail');
    expect(e.searched!.find((c) => c.id === id)).toMatchObject({ status: 'error' });
  });

  it('explain of an unknown message id never fails: it is a diagnosis, not an error', async () => {
    const r = await w.run(['explain', 'email', 'no-such-id@nowhere.test']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});
