// Microsoft 365 mail through the real client libraries (@azure/msal-node,
// @microsoft/microsoft-graph-client) against the local emulator (test/emulators/microsoft.ts),
// driven by the CLI: every E rule, Inbox + SentItems delta with ImmutableId and a page size,
// the same message in both folders stored once, delta expiry (410) re-synced without
// duplicates or losses, throttling (a storm, and one that outlasts the retry budget),
// a 401 mid-sync, token rotation, and revocation → needs_reauth → reauthorize catch-up.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MicrosoftEmulator, type MsMessage } from '../emulators/microsoft.js';
import { check, failedCodes, messageIds, Workspace, type StatusJson, type SyncJson } from '../support/cli.js';
import { TEST_SECRET_KEY } from '../support/imap.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-10T12:00:00Z';

const ms = new MicrosoftEmulator();
const w = new Workspace(NOW, 'tp-graph-mail-');
let first: SyncJson;
let second: SyncJson;
let status: StatusJson;
let connId = '';
let logAfterSyncs: string[] = [];

const add = (id: string, m: Partial<MsMessage> & { receivedDateTime: string }) => {
  ms.addMessage({
    id: `AAMk-${id}`,
    folder: 'inbox',
    internetMessageId: id,
    subject: `Subject of ${id}`,
    from: 'john@acme.com',
    to: ['alice@ourco.com'],
    body: `Body of ${id}`,
    ...m,
  });
};
const conn = async () => (await w.status()).connections.find((c) => c.id === connId)!;
const secretOf = () => {
  const db = new Database(w.db, { readonly: true });
  const r = db.prepare('select secret_enc from connections where id = ?').get(connId) as { secret_enc: string };
  db.close();
  return r.secret_enc;
};

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
  await w.teammate('alice@ourco.com', ['alice.smith@ourco.com']);
  await w.account('acme', 'Acme');
  await w.account('globex', 'Globex');
  await w.account('partner', 'Partner Co');
  await w.users(
    [
      'account_id,email,name,external_id',
      'acme,john@acme.com,John,A1',
      'globex,john@acme.com,John (advisor),G1',
      'acme,kate@acme.com,Kate,A2',
      'partner,pat@partner.io,Pat,P1',
    ].join('\n'),
  );
  await w.ok(['blocklist', 'add', 'partner.io']);

  add('e2-historic@acme.com', { receivedDateTime: '2026-02-28T20:00:00Z' });
  add('e2-old-date@acme.com', { receivedDateTime: '2026-03-02T08:00:00Z', sentDateTime: '2026-01-15T08:00:00Z' });
  add('e3-plus@acme.com', { receivedDateTime: '2026-03-03T09:00:00Z', from: 'john+billing@acme.com' });
  add('e3-kate@acme.com', { receivedDateTime: '2026-03-03T10:00:00Z', from: 'KATE@acme.com' });
  add('e4-partner@partner.io', { receivedDateTime: '2026-03-04T09:00:00Z', from: 'pat@partner.io' });
  add('e5-both@acme.com', { receivedDateTime: '2026-03-04T10:00:00Z' });
  add('e6-internal@ourco.com', { receivedDateTime: '2026-03-05T09:00:00Z', from: 'bob@ourco.com' });
  add('e6-mixed@ourco.com', { receivedDateTime: '2026-03-05T10:00:00Z', from: 'bob@ourco.com', cc: ['kate@acme.com'] });
  add('draft-1@ourco.com', {
    receivedDateTime: '2026-03-06T10:00:00Z',
    folder: 'sentitems',
    from: 'alice@ourco.com',
    to: ['kate@acme.com'],
    isDraft: true,
  });
  // Sent mail shows Bcc; a copy to herself is in Inbox too (another Graph id, the same Message-ID).
  add('sent-1@ourco.com', {
    receivedDateTime: '2026-03-07T10:00:00Z',
    folder: 'sentitems',
    from: 'alice@ourco.com',
    to: ['bob@ourco.com'],
    bcc: ['kate@acme.com'],
  });
  add('self-copy@ourco.com', {
    receivedDateTime: '2026-03-07T11:00:00Z',
    folder: 'sentitems',
    from: 'alice@ourco.com',
    to: ['alice.smith@ourco.com'],
    cc: ['john@acme.com'],
  });
  // Bad data from the provider: this one is reported where and why; the rest syncs.
  add('bad-times@acme.com', { receivedDateTime: '2026-03-06T09:00:00Z', raw: { receivedDateTime: 'yesterday', sentDateTime: null } });
  ms.addMessage({
    id: 'AAMk-self-copy-inbox',
    folder: 'inbox',
    internetMessageId: 'self-copy@ourco.com',
    subject: 'Subject of self-copy@ourco.com',
    from: 'alice@ourco.com',
    to: ['alice.smith@ourco.com'],
    cc: ['john@acme.com'],
    receivedDateTime: '2026-03-07T11:00:01Z',
    sentDateTime: '2026-03-07T11:00:00Z',
  });

  const out = await w.ok([
    'connect',
    'microsoft',
    '--teammate',
    'alice@ourco.com',
    '--token-env',
    'ALICE_MS_TOKEN',
    '--authorized-at',
    AUTH,
    '--page-size',
    '3',
  ]);
  connId = /connection (\S+)/.exec(out)![1]!;
  first = await w.sync();
  second = await w.sync();
  logAfterSyncs = ms.log.map((l) => `${l.method} ${decodeURIComponent(l.path)}`);
  status = await w.status();
}, 300_000);

afterAll(async () => {
  await ms.stop();
  w.cleanup();
});

describe('email rules over Microsoft Graph', () => {
  it('reads Inbox and SentItems by delta since authorizedAt, in pages, with immutable ids; then only changes', () => {
    expect(first.connections[0]!.status).toBe('active');
    expect(first.connections[0]!.errors).toEqual([
      { where: 'graph message AAMk-bad-times@acme.com', reason: 'Microsoft Graph gave no received or sent time for this message' },
    ]);
    expect(status.connections[0]!.errors.map((e) => e.where)).toEqual(['graph message AAMk-bad-times@acme.com']);
    expect(first.connections[0]!.mail.seen).toBe(11); // the historic one too (answered E2), not the draft, not the bad one
    expect(second.connections[0]!.mail.seen).toBe(0);
    expect(status.connections[0]).toMatchObject({ provider: 'graph', mail: true, calendar: true });
    const deltas = ms.log.filter((l) => l.path.includes('/messages/delta'));
    expect(
      deltas.some(
        (l) =>
          l.path.startsWith('/v1.0/me/mailFolders/inbox/messages/delta') &&
          decodeURIComponent(l.path).includes('$filter=receivedDateTime ge 2026-01-30T00:00:00.000Z'),
      ),
    ).toBe(true);
    expect(deltas.some((l) => l.path.startsWith('/v1.0/me/mailFolders/sentitems/messages/delta'))).toBe(true);
    expect(deltas.every((l) => l.prefer.includes('IdType="ImmutableId"') && l.prefer.includes('odata.maxpagesize=3'))).toBe(true);
    expect(deltas.some((l) => l.path.includes('$skiptoken='))).toBe(true); // more than one page
    expect(deltas.some((l) => l.path.includes('$deltatoken='))).toBe(true); // the second sync
    expect(ms.peakInFlight).toBeLessThanOrEqual(4);
    expect(ms.concurrencyRefused).toBe(0); // the emulator refuses a 5th concurrent request: none was asked for
  });

  it('E1 and E2: judged on receivedDateTime, not the sent date', async () => {
    expect(check(await w.explainEmail('e3-kate@acme.com'), 'E1')).toMatchObject({ status: 'pass', code: 'E1_AUTHORIZED' });
    // Issue 13: mail from before authorization is answered historic with its date, not unknown.
    const historic = await w.explainEmail('e2-historic@acme.com');
    expect(historic.outcome).toBe('not_linked');
    expect(check(historic, 'E2')).toMatchObject({ status: 'fail', code: 'E2_HISTORIC' });
    expect(check(historic, 'E2').detail).toContain('2026-02-28T20:00:00.000Z');
    const oldDate = await w.explainEmail('e2-old-date@acme.com');
    expect(oldDate.outcome).toBe('linked');
    expect(check(oldDate, 'E2').detail).toContain('2026-03-02T08:00:00.000Z');
  });

  it('E3: the same address links (any case); a +tag is a hint', async () => {
    expect((await w.explainEmail('e3-kate@acme.com')).outcome).toBe('linked');
    expect(failedCodes(await w.explainEmail('e3-plus@acme.com'))).toEqual(['E3_NO_END_USER']);
  });

  it('E4: a blocklisted end user never links', async () => {
    expect(failedCodes(await w.explainEmail('e4-partner@partner.io'))).toEqual(['E4_ALL_BLOCKLISTED']);
  });

  it('E5: linked to every account with a matching end user', async () => {
    expect((await w.explainEmail('e5-both@acme.com')).accounts.map((a) => a.id).sort()).toEqual(['acme', 'globex']);
  });

  it('E6: internal-only mail is not linked; internal + end user is', async () => {
    expect(failedCodes(await w.explainEmail('e6-internal@ourco.com'))).toContain('E6_INTERNAL_ONLY');
    expect((await w.explainEmail('e6-mixed@ourco.com')).outcome).toBe('linked');
  });

  it('E7 and sent mail: Bcc from SentItems links, on time; a message in Inbox and SentItems is one activity; drafts are not mail', async () => {
    const sent = await w.explainEmail('sent-1@ourco.com');
    expect(sent.outcome).toBe('linked');
    expect(check(sent, 'E7').status).toBe('pass');
    const acme = messageIds(await w.timeline('acme'));
    expect(acme.filter((id) => id === 'self-copy@ourco.com')).toHaveLength(1);
    expect(acme).not.toContain('draft-1@ourco.com');
  });

  it('bodies are fetched only for linked mail, and stored for it', async () => {
    const gets = logAfterSyncs.filter((l) => l.startsWith('GET /v1.0/me/messages/'));
    expect(gets.some((l) => l.includes('AAMk-e3-kate'))).toBe(true);
    expect(gets.some((l) => l.includes('AAMk-e6-internal'))).toBe(false);
    expect(gets.some((l) => l.includes('AAMk-e4-partner'))).toBe(false);
  });

  it('the refresh token is stored encrypted, never in clear', () => {
    const db = new Database(w.db, { readonly: true });
    const dump = JSON.stringify(db.prepare('select * from connections').all());
    db.close();
    expect(dump).not.toContain(w.env.ALICE_MS_TOKEN);
  });
});

describe('Graph mail sync behaviour', () => {
  it('delta state gone (410 SyncStateNotFound) → bounded re-sync from the window start: no duplicates, no losses', async () => {
    add('after-expiry-1@acme.com', { receivedDateTime: '2026-03-08T09:00:00Z' });
    ms.expireMailDelta();
    add('after-expiry-2@acme.com', {
      receivedDateTime: '2026-03-08T10:00:00Z',
      folder: 'sentitems',
      from: 'alice@ourco.com',
      to: ['john@acme.com'],
    });
    const before = ms.log.length;
    const s = await w.sync();
    expect(s.connections[0]!.status).toBe('active');
    // The re-read bad message is reported again, nothing else.
    expect(s.connections[0]!.errors.map((e) => e.where)).toEqual(['graph message AAMk-bad-times@acme.com']);
    expect((await w.explainEmail('after-expiry-1@acme.com')).outcome).toBe('linked');
    expect((await w.explainEmail('after-expiry-2@acme.com')).outcome).toBe('linked');
    const acme = messageIds(await w.timeline('acme'));
    expect(new Set(acme).size).toBe(acme.length);
    const redone = ms.log
      .slice(before)
      .filter((l) => l.path.includes('/messages/delta') && decodeURIComponent(l.path).includes('$filter=receivedDateTime ge 2026-01-30'));
    expect(redone.length).toBe(2); // one bounded round per folder
    expect((await w.sync()).connections[0]!.mail.seen).toBe(0);
  }, 180_000);

  it('delta state gone answered 400 syncStateInvalid (not 410) → the same bounded re-sync, nothing lost', async () => {
    ms.syncStateGone = { status: 400, code: 'syncStateInvalid' };
    add('after-400-expiry@acme.com', { receivedDateTime: '2026-03-08T11:00:00Z' });
    ms.expireMailDelta();
    const before = ms.log.length;
    const s = await w.sync();
    ms.syncStateGone = { status: 410, code: 'SyncStateNotFound' };
    expect(s.connections[0]!.status).toBe('active');
    expect((await w.explainEmail('after-400-expiry@acme.com')).outcome).toBe('linked');
    const redone = ms.log
      .slice(before)
      .filter((l) => l.path.includes('/messages/delta') && decodeURIComponent(l.path).includes('$filter=receivedDateTime ge 2026-01-30'));
    expect(redone.length).toBe(2);
    expect((await w.sync()).connections[0]!.mail.seen).toBe(0);
  }, 180_000);

  it('a throttling storm (429 and 503 with Retry-After), then a 401, ends with everything synced once', async () => {
    add('storm-1@acme.com', { receivedDateTime: '2026-03-09T09:00:00Z' });
    add('storm-2@acme.com', { receivedDateTime: '2026-03-09T09:30:00Z' });
    const throttledBefore = ms.throttled;
    const tokensBefore = ms.log.filter((l) => l.path.includes('/oauth2/v2.0/token')).length;
    ms.stormRetryAfter = '1';
    ms.stormRequests = 4;
    // After the storm, one expired-token answer: one refresh, and the sync goes on.
    ms.failNext.push({
      status: 401,
      body: { error: { code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' } },
    });
    const s = await w.sync();
    expect(ms.throttled - throttledBefore).toBe(4);
    expect(ms.failNext).toHaveLength(0);
    expect(ms.log.filter((l) => l.path.includes('/oauth2/v2.0/token')).length - tokensBefore).toBe(2); // start + after the 401
    expect(s.connections[0]).toMatchObject({ status: 'active', errors: [] });
    expect(s.connections[0]!.mail.seen).toBe(2);
    expect((await w.explainEmail('storm-2@acme.com')).outcome).toBe('linked');
  }, 180_000);

  it('throttling beyond the retry budget: "slow down" in plain words, nothing lost, caught up next time', async () => {
    add('slow-1@acme.com', { receivedDateTime: '2026-03-09T09:45:00Z' });
    ms.stormRetryAfter = '0';
    ms.stormRequests = 8;
    const s = await w.sync();
    expect(s.connections[0]!.status).toBe('active');
    expect(s.connections[0]!.failure).toMatch(/slow down/);
    expect(ms.stormRequests).toBe(0);
    const again = await w.sync();
    expect(again.connections[0]!.failure).toBeUndefined();
    expect((await w.explainEmail('slow-1@acme.com')).outcome).toBe('linked');
  }, 180_000);

  it('a rotated refresh token is saved encrypted and used next time', async () => {
    const before = secretOf();
    ms.rotate = true;
    add('rotated-1@acme.com', { receivedDateTime: '2026-03-09T10:00:00Z' });
    expect((await w.sync()).connections[0]!.status).toBe('active');
    ms.rotate = false;
    expect(secretOf()).not.toBe(before);
    // The old refresh token is dead at the emulator: only the saved one works.
    add('rotated-2@acme.com', { receivedDateTime: '2026-03-09T11:00:00Z' });
    const s = await w.sync();
    expect(s.connections[0]!.status).toBe('active');
    expect(s.connections[0]!.mail.seen).toBe(1);
  }, 180_000);

  it('revoked grant → needs_reauth in plain words → reauthorize catches up the gap (not historic)', async () => {
    ms.revokeAll();
    add('gap-1@acme.com', { receivedDateTime: '2026-03-09T12:00:00Z' });
    const s = await w.sync();
    expect(s.connections[0]!.status).toBe('needs_reauth');
    const c = await conn();
    expect(c.status).toBe('needs_reauth');
    expect(c.statusReason).toContain('Microsoft says the grant was revoked or expired');
    add('gap-2@acme.com', {
      receivedDateTime: '2026-03-09T13:00:00Z',
      folder: 'sentitems',
      from: 'alice@ourco.com',
      to: ['kate@acme.com'],
    });
    w.env.ALICE_NEW_MS_TOKEN = ms.issueRefreshToken();
    await w.ok(['reauthorize', '--connection', connId, '--password-env', 'ALICE_NEW_MS_TOKEN']);
    const after = await w.sync();
    expect(after.connections[0]!.status).toBe('active');
    expect((await w.explainEmail('gap-1@acme.com')).outcome).toBe('linked');
    expect((await w.explainEmail('gap-2@acme.com')).outcome).toBe('linked');
    expect(check(await w.explainEmail('gap-1@acme.com'), 'E2').status).toBe('pass');
  }, 180_000);
});
