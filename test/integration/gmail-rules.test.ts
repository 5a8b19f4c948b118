// Gmail through the real client libraries (@googleapis/gmail, google-auth-library) against
// the local Google emulator (test/emulators/google.ts): every E rule, labels never
// duplicating a message, history expiry re-synced without duplicates or losses, a
// throttling storm, token rotation, and revocation → needs_reauth → reauthorize catch-up.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleEmulator } from '../emulators/google.js';
import { check, eml, failedCodes, Workspace, type StatusJson, type SyncJson } from '../support/cli.js';
import { TEST_SECRET_KEY } from '../support/imap.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-10T12:00:00Z';

const g = new GoogleEmulator();
const w = new Workspace(NOW, 'tp-gmail-rules-');
let first: SyncJson;
let second: SyncJson;
let status: StatusJson;
let connId = '';
let logAfterSyncs: string[] = [];

const add = (id: string, over: Partial<Parameters<typeof eml>[0]> & { at: string; labels?: string[] }) => {
  const { labels, ...rest } = over;
  g.addMessage(
    `g-${id}`,
    eml({
      from: 'john@acme.com',
      to: 'alice@ourco.com',
      date: over.at,
      messageId: id,
      subject: `Subject of ${id}`,
      body: `Body of ${id}`,
      ...rest,
    }),
    over.at,
    labels,
  );
};

const conn = async () => (await w.status()).connections.find((c) => c.id === connId)!;

beforeAll(async () => {
  await g.start();
  w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
  w.env.TOUCHPOINT_GOOGLE_CLIENT_ID = 'test-client.apps.googleusercontent.com';
  w.env.TOUCHPOINT_GOOGLE_CLIENT_SECRET = 'test-client-secret';
  w.env.TOUCHPOINT_GOOGLE_TOKEN_URL = g.tokenUrl;
  w.env.TOUCHPOINT_GOOGLE_ROOT_URL = g.rootUrl;
  w.env.ALICE_GOOGLE_TOKEN = g.issueRefreshToken();
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

  add('e2-historic@acme.com', { at: '2026-02-28T20:00:00Z' });
  add('e2-old-date@acme.com', { at: '2026-03-02T08:00:00Z', date: '2026-01-15T08:00:00Z' });
  add('e3-plus@acme.com', { at: '2026-03-03T09:00:00Z', from: 'john+billing@acme.com' });
  add('e3-kate@acme.com', { at: '2026-03-03T10:00:00Z', from: 'Kate <KATE@acme.com>' });
  add('e4-partner@partner.io', { at: '2026-03-04T09:00:00Z', from: 'pat@partner.io' });
  add('e5-both@acme.com', { at: '2026-03-04T10:00:00Z' });
  add('e6-internal@ourco.com', { at: '2026-03-05T09:00:00Z', from: 'bob@ourco.com' });
  add('e6-mixed@ourco.com', { at: '2026-03-05T10:00:00Z', from: 'bob@ourco.com', cc: 'kate@acme.com' });
  // One Gmail message with three labels is one message.
  add('sent-1@ourco.com', {
    at: '2026-03-07T10:00:00Z',
    labels: ['SENT', 'INBOX', 'IMPORTANT'],
    from: 'alice@ourco.com',
    to: 'bob@ourco.com',
    bcc: 'kate@acme.com',
  });

  const out = await w.ok([
    'connect',
    'gmail',
    '--teammate',
    'alice@ourco.com',
    '--token-env',
    'ALICE_GOOGLE_TOKEN',
    '--authorized-at',
    AUTH,
    '--page-size',
    '3',
  ]);
  connId = /connection (\S+)/.exec(out)![1]!;
  first = await w.sync();
  second = await w.sync();
  logAfterSyncs = [...g.log];
  status = await w.status();
}, 300_000);

afterAll(async () => {
  await g.stop();
  w.cleanup();
});

describe('email rules over Gmail', () => {
  it('lists from 30 days before authorizedAt (after:), each message once whatever its labels, then nothing new', () => {
    expect(first.connections[0]!.status).toBe('active');
    expect(first.connections[0]!.errors).toEqual([]);
    expect(first.connections[0]!.mail.seen).toBe(9); // the historic one too: it is answered historic (E2)
    expect(second.connections[0]!.mail.seen).toBe(0);
    expect(status.connections[0]!.provider).toBe('gmail');
    expect(status.connections[0]!.counts.email.seen).toBe(9);
    expect(g.log.some((l) => l.includes('q=after%3A1769731200'))).toBe(true);
    expect(g.log.some((l) => l.startsWith('GET /gmail/v1/users/me/history'))).toBe(true);
  });

  it('E1 and E2: judged on internalDate, not the Date header', async () => {
    const e = await w.explainEmail('e3-kate@acme.com');
    expect(check(e, 'E1')).toMatchObject({ status: 'pass', code: 'E1_AUTHORIZED' });
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
    const plus = await w.explainEmail('e3-plus@acme.com');
    expect(failedCodes(plus)).toEqual(['E3_NO_END_USER']);
  });

  it('E4: a blocklisted end user never links', async () => {
    expect(failedCodes(await w.explainEmail('e4-partner@partner.io'))).toEqual(['E4_ALL_BLOCKLISTED']);
  });

  it('E5: linked to every account with a matching end user', async () => {
    const e = await w.explainEmail('e5-both@acme.com');
    expect(e.accounts.map((a) => a.id).sort()).toEqual(['acme', 'globex']);
  });

  it('E6: internal-only mail is not linked; internal + end user is', async () => {
    expect(failedCodes(await w.explainEmail('e6-internal@ourco.com'))).toContain('E6_INTERNAL_ONLY');
    expect((await w.explainEmail('e6-mixed@ourco.com')).outcome).toBe('linked');
  });

  it('E7: sent mail with the end user in Bcc links (the SENT label shows Bcc)', async () => {
    const e = await w.explainEmail('sent-1@ourco.com');
    expect(e.outcome).toBe('linked');
  });

  it('the sync fetches bodies (format=full, its text parts) only for linked mail', () => {
    const bodies = logAfterSyncs.filter((l) => l.includes('format=full') || l.includes('format=raw'));
    expect(bodies.some((l) => l.includes('g-e3-kate'))).toBe(true);
    expect(bodies.some((l) => l.includes('g-e6-internal'))).toBe(false);
    expect(bodies.some((l) => l.includes('g-e4-partner'))).toBe(false);
  });

  it('the refresh token is stored encrypted, never in clear', () => {
    const db = new Database(w.db, { readonly: true });
    const dump = JSON.stringify(db.prepare('select * from connections').all());
    db.close();
    expect(dump).not.toContain(w.env.ALICE_GOOGLE_TOKEN);
  });
});

describe('Gmail sync behaviour', () => {
  it('history expired (404) → bounded re-listing since authorizedAt: no duplicates, no losses', async () => {
    add('after-expiry-1@acme.com', { at: '2026-03-08T09:00:00Z' });
    g.expireHistory();
    add('after-expiry-2@acme.com', { at: '2026-03-08T10:00:00Z' });
    const before = g.log.length;
    const s = await w.sync();
    expect(s.connections[0]!.status).toBe('active');
    const c = await conn();
    expect(c.counts.email.seen).toBe(11);
    expect((await w.explainEmail('after-expiry-1@acme.com')).outcome).toBe('linked');
    expect((await w.explainEmail('after-expiry-2@acme.com')).outcome).toBe('linked');
    expect(g.log.slice(before).some((l) => l.includes('q=after%3A1769731200'))).toBe(true);
    expect((await w.sync()).connections[0]!.mail.seen).toBe(0);
  }, 180_000);

  it('a throttling storm (every request 429/403 for a while) ends with everything synced once', async () => {
    add('storm-1@acme.com', { at: '2026-03-09T09:00:00Z' });
    add('storm-2@acme.com', { at: '2026-03-09T09:30:00Z' });
    g.stormRetryAfter = '1';
    g.stormFor = 3000;
    const s = await w.sync();
    expect(g.throttled).toBeGreaterThan(0);
    expect(s.connections[0]!.status).toBe('active');
    expect((await conn()).counts.email.seen).toBe(13);
    expect((await w.explainEmail('storm-2@acme.com')).outcome).toBe('linked');
  }, 180_000);

  it('a rotated refresh token is saved encrypted and used next time', async () => {
    const secretOf = () => {
      const db = new Database(w.db, { readonly: true });
      const r = db.prepare('select secret_enc from connections where id = ?').get(connId) as { secret_enc: string };
      db.close();
      return r.secret_enc;
    };
    const before = secretOf();
    g.rotate = true;
    add('rotated-1@acme.com', { at: '2026-03-09T10:00:00Z' });
    expect((await w.sync()).connections[0]!.status).toBe('active');
    g.rotate = false;
    expect(secretOf()).not.toBe(before);
    // The old token is no longer valid at the emulator: only the saved one works.
    add('rotated-2@acme.com', { at: '2026-03-09T11:00:00Z' });
    const s = await w.sync();
    expect(s.connections[0]!.status).toBe('active');
    expect(s.connections[0]!.mail.seen).toBe(1);
  }, 180_000);

  it('revoked grant → needs_reauth in plain words → reauthorize catches up the gap', async () => {
    g.revokeAll();
    add('gap-1@acme.com', { at: '2026-03-09T12:00:00Z' });
    const s = await w.sync();
    expect(s.connections[0]!.status).toBe('needs_reauth');
    const c = await conn();
    expect(c.status).toBe('needs_reauth');
    expect(c.statusReason).toContain('Google says the grant was revoked or expired');
    add('gap-2@acme.com', { at: '2026-03-09T13:00:00Z' });
    w.env.ALICE_NEW_TOKEN = g.issueRefreshToken();
    await w.ok(['reauthorize', '--connection', connId, '--password-env', 'ALICE_NEW_TOKEN']);
    const after = await w.sync();
    expect(after.connections[0]!.status).toBe('active');
    expect((await w.explainEmail('gap-1@acme.com')).outcome).toBe('linked');
    expect((await w.explainEmail('gap-2@acme.com')).outcome).toBe('linked');
  }, 180_000);
});

// Label changes on existing messages (users.history.list labelsAdded / labelsRemoved records,
// see test/emulators/google.ts): mail rescued from Spam or restored from Trash comes in; a
// sent draft is a new message id (the drafts guide); read/star changes fetch nothing.
describe('Gmail label changes', () => {
  it('"Not spam" and "restore from Trash" bring the message in; moving to Spam or Trash does not sight it', async () => {
    add('spam-rescued@acme.com', { at: '2026-03-09T14:00:00Z', labels: ['SPAM'] });
    add('trash-restored@acme.com', { at: '2026-03-09T14:10:00Z' });
    g.trash('g-trash-restored@acme.com');
    const hidden = await w.sync();
    expect(hidden.connections[0]!.status).toBe('active');
    expect(hidden.connections[0]!.mail.seen).toBe(0);

    g.modifyLabels('g-spam-rescued@acme.com', ['INBOX'], ['SPAM']);
    g.untrash('g-trash-restored@acme.com');
    const before = (await conn()).counts.email.seen;
    const s = await w.sync();
    expect(s.connections[0]!.mail.seen).toBe(2);
    expect((await w.explainEmail('spam-rescued@acme.com')).outcome).toBe('linked');
    expect((await w.explainEmail('trash-restored@acme.com')).outcome).toBe('linked');
    expect((await conn()).counts.email.seen).toBe(before + 2);

    // Into Spam / Trash again: not sighted (as Graph's @removed), nothing duplicates.
    g.modifyLabels('g-spam-rescued@acme.com', ['SPAM'], ['INBOX']);
    g.trash('g-trash-restored@acme.com');
    expect((await w.sync()).connections[0]!.mail.seen).toBe(0);
    expect((await conn()).counts.email.seen).toBe(before + 2);
  }, 180_000);

  it('a sent draft comes in once, under the new message id Gmail gives it', async () => {
    add('draft-sent@acme.com', { at: '2026-03-09T15:00:00Z', labels: ['DRAFT'], from: 'alice@ourco.com', to: 'john@acme.com' });
    expect((await w.sync()).connections[0]!.mail.seen).toBe(0);
    g.sendDraft('g-draft-sent@acme.com', 'g-draft-sent-as-sent', '2026-03-09T15:05:00Z');
    const s = await w.sync();
    expect(s.connections[0]!.mail.seen).toBe(1);
    expect((await w.explainEmail('draft-sent@acme.com')).outcome).toBe('linked');
  }, 180_000);

  it('read / star label changes fetch nothing again', async () => {
    g.modifyLabels('g-e3-kate@acme.com', ['STARRED'], ['UNREAD']);
    const before = g.log.length;
    expect((await w.sync()).connections[0]!.mail.seen).toBe(0);
    expect(g.log.slice(before).some((l) => l.includes('messages/g-e3-kate'))).toBe(false);
  }, 180_000);
});

describe('Gmail quota', () => {
  it('dailyLimitExceeded stops the sync at once with plain words; the next sync after the reset catches up', async () => {
    add('after-quota@acme.com', { at: '2026-03-09T16:00:00Z' });
    g.dailyLimitExceeded = true;
    const before = g.log.length;
    const started = Date.now();
    const s = await w.sync();
    const refused = g.log.slice(before).filter((l) => l.startsWith('GET /gmail'));
    expect(refused.length).toBeLessThanOrEqual(2); // one refused request, no retries
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(s.connections[0]!.status).toBe('active');
    expect((await conn()).statusReason ?? (await conn()).lastError).toContain('daily request quota');
    g.dailyLimitExceeded = false;
    expect((await w.sync()).connections[0]!.mail.seen).toBe(1);
    expect((await w.explainEmail('after-quota@acme.com')).outcome).toBe('linked');
  }, 180_000);
});
