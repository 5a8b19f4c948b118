// Issue 13, part 2: the live lookup on a real Dovecot mailbox. Mail Touchpoint never stored is
// found at the server by what a CSM remembers and answered with its own check and remedy:
// filed into a subfolder the connection does not sync, in Junk, in Trash, dated before
// authorization (historic, with both dates), arrived after the last sync; nothing found; and
// a connection that does not answer in time is named without failing the lookup.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findEmails } from '../../src/app/find.js';
import { liveFind } from '../../src/app/live-find.js';
import { tokenBucket } from '../../src/app/live-rate-limit.js';
import type { FindCandidate } from '../../src/app/find-types.js';
import { listAudit } from '../../src/store/audit.js';
import { syncAll } from '../../src/sync/run-sync.js';
import { eml } from '../support/cli.js';
import { deliver, mailClient, startMailServer, type Dovecot } from '../support/imap.js';
import { liveWorkspace, type LiveWorkspace } from '../support/live-find.js';

vi.setConfig({ testTimeout: 60_000 });

const AUTH = '2026-03-01T00:00:00Z';
const LAST_SYNC = '2026-03-10T12:00:00Z';
const NEXT_SYNC = '2026-03-10T12:05:00Z';
const NOW = '2026-03-10T12:03:00Z';
const PASSWORD = 'Pw-Alice-live-7c2a'; // test-only credential for a throwaway Dovecot

let d: Dovecot;
let w: LiveWorkspace;
let connId = '';

const msg = (id: string, subject: string, at: string, folder: string, from = 'john@acme.com') => ({
  raw: eml({ from, to: 'alice@ourco.com', date: at, messageId: id, subject, body: 'Hello' }),
  at,
  folder,
});

const codes = (c: FindCandidate) => c.checks.filter((x) => x.status === 'fail').map((x) => x.code);
const check = (c: FindCandidate, code: string) => c.checks.find((x) => x.code === code)!;
const unlimited = { take: () => ({ ok: true as const }) };

beforeAll(async () => {
  d = await startMailServer({ users: { alice: PASSWORD } });
  const c = await mailClient(d, 'alice', PASSWORD);
  for (const f of ['Customers', 'Customers/Acme', 'Junk', 'Trash']) await c.mailboxCreate(f);
  await c.logout();
  await deliver(d, 'alice', PASSWORD, [
    msg('filed@acme.com', 'Renewal quote', '2026-03-05T09:00:00Z', 'Customers/Acme'),
    msg('junk@acme.com', 'Invoice question', '2026-03-06T09:00:00Z', 'Junk'),
    msg('trash@acme.com', 'Meeting notes', '2026-03-07T09:00:00Z', 'Trash'),
    msg('historic@acme.com', 'Kick-off agenda', '2026-01-10T09:00:00Z', 'INBOX'),
    msg('late@acme.com', 'Contract signed', '2026-03-10T12:02:00Z', 'INBOX'),
    msg('seen@acme.com', 'Weekly update', '2026-03-04T09:00:00Z', 'INBOX'),
  ]);
  w = await liveWorkspace(NOW);
  connId = await w.connect({
    provider: 'imap',
    // Every folder is synced by default; this connection leaves Customers/Acme out.
    config: { host: d.host, port: d.port, security: 'plain', user: 'alice', auth: 'password', excludeFolders: ['Customers/Acme'] },
    secret: PASSWORD,
    authorizedAt: AUTH,
    lastSyncAt: LAST_SYNC,
    nextSyncAt: NEXT_SYNC,
  });
}, 300_000);

afterAll(async () => {
  await w?.close();
  await d?.stop();
});

const find = (q: Parameters<ReturnType<typeof liveFind>['emails']>[0]) =>
  liveFind(w.deps, { limiter: unlimited, viewer: 'alice@ourco.com' }).emails(q);

describe('live lookup on Dovecot', () => {
  it('mail a server rule filed into Customers/Acme: in a folder this connection does not sync → include the folder', async () => {
    const [c] = await find({ from: 'john@acme.com', subject: 'renewal' });
    expect(c!.live).toBe(true);
    expect(c!.messageId).toBe('filed@acme.com');
    expect(c!.where).toEqual([{ connection: connId, teammate: 'alice@ourco.com', folder: 'Customers/Acme' }]);
    expect(codes(c!)).toEqual(['E1_LIVE_FOLDER_NOT_SYNCED']);
    expect(check(c!, 'E1_LIVE_FOLDER_NOT_SYNCED').detail).toContain('"Customers/Acme"');
    expect(c!.remedyCodes).toContain('INCLUDE_FOLDER');
    // The remedy is an action the web app makes a button of: this connection, this folder.
    expect(c!.remedyActions[c!.remedyCodes.indexOf('INCLUDE_FOLDER')]).toEqual([
      { kind: 'include_folder', connectionId: connId, folder: 'Customers/Acme' },
    ]);
    expect(c!.outcome).toBe('not_linked');
    // The rest of the rules still speak: it would link to Acme through john@acme.com.
    expect(check(c!, 'E3_END_USER_MATCH').status).toBe('pass');
    // Alice asks about her own mailbox: she may see the subject.
    expect(c!.subject).toBe('Renewal quote');
  });

  it('mail in Junk and in Trash each get their own code and remedy', async () => {
    const [junk] = await find({ from: 'john@acme.com', subject: 'invoice question' });
    expect(junk!.where[0]!.folder).toBe('Junk');
    expect(codes(junk!)).toEqual(['E1_LIVE_IN_JUNK']);
    expect(junk!.remedyCodes).toContain('MOVE_OUT_OF_JUNK');
    const [trash] = await find({ from: 'john@acme.com', subject: 'notes' });
    expect(trash!.where[0]!.folder).toBe('Trash');
    expect(codes(trash!)).toEqual(['E1_LIVE_IN_TRASH']);
    expect(trash!.remedyCodes).toContain('RESTORE_FROM_TRASH');
  });

  it('mail dated before authorization is historic (E2) with both dates, never "unknown"', async () => {
    const [c] = await find({ from: 'john@acme.com', since: '2026-01-10T00:00:00Z', until: '2026-01-11T00:00:00Z' });
    expect(c!.messageId).toBe('historic@acme.com');
    expect(c!.outcome).toBe('not_linked');
    expect(codes(c!)).toEqual(['E2_HISTORIC']);
    expect(check(c!, 'E2_HISTORIC').detail).toContain('2026-01-10T09:00:00.000Z');
    expect(check(c!, 'E2_HISTORIC').detail).toContain('2026-03-01T00:00:00.000Z');
    expect(c!.remedyCodes).toContain('HISTORIC_NEVER_SYNCED');
  });

  it('mail that arrived after the last sync: the next sync time, or Sync now', async () => {
    const [c] = await find({ from: 'john@acme.com', since: '2026-03-10T00:00:00Z', until: '2026-03-11T00:00:00Z' });
    expect(c!.messageId).toBe('late@acme.com');
    expect(codes(c!)).toEqual(['E1_LIVE_AFTER_LAST_SYNC']);
    expect(check(c!, 'E1_LIVE_AFTER_LAST_SYNC').detail).toContain('2026-03-10T12:00:00.000Z');
    expect(check(c!, 'E1_LIVE_AFTER_LAST_SYNC').detail).toContain(NEXT_SYNC.replace('Z', '.000Z'));
    expect(c!.remedyCodes).toEqual(['SYNC_NOW']);
  });

  it('mail in a synced folder before the last sync passes E1 live and is decided as usual', async () => {
    const [c] = await find({ from: 'john@acme.com', subject: 'weekly' });
    expect(check(c!, 'E1_LIVE_IN_SYNCED_FOLDER').status).toBe('pass');
    expect(c!.outcome).toBe('linked');
    expect(c!.accounts.map((a) => a.id)).toEqual(['acme']);
  });

  it('by Message-ID, and a sender who never wrote: not in any connected mailbox → check the address', async () => {
    const [byId] = await find({ messageId: '<trash@acme.com>' });
    expect(byId!.where[0]!.folder).toBe('Trash');
    const none = await find({ from: 'nobody@acme.com' });
    expect(none).toHaveLength(1);
    expect(none[0]!.outcome).toBe('unknown');
    expect(codes(none[0]!)).toEqual(['E1_LIVE_NOT_FOUND']);
    expect(none[0]!.remedyCodes).toEqual(['CHECK_ADDRESS_WITH_SENDER']);
  });

  it('several found are listed newest first, and the lookup is audited without subject words', async () => {
    const all = await find({ from: 'john@acme.com' });
    expect(all.map((c) => c.messageId)).toEqual([
      'late@acme.com',
      'trash@acme.com',
      'junk@acme.com',
      'filed@acme.com',
      'seen@acme.com',
      'historic@acme.com',
    ]);
    await find({ from: 'john@acme.com', subject: 'secret plans' });
    const [entry] = await listAudit(w.deps.db, w.deps.ws.id, 1);
    expect(entry!.action).toBe('live_find.email');
    expect(entry!.actor).toBe('alice-token');
    expect(entry!.details.query).toEqual({ from: 'john@acme.com', subject: 'given' });
    expect(JSON.stringify(entry)).not.toContain('secret plans');
  });

  it('another teammate asking does not see the subject', async () => {
    const [c] = await liveFind(w.deps, { limiter: unlimited, viewer: 'bob@ourco.com' }).emails({
      from: 'john@acme.com',
      subject: 'renewal',
    });
    expect(c!.subject).toBeUndefined();
  });
});

describe('connections that cannot answer', () => {
  let silent: Server;
  beforeAll(async () => {
    // Accepts the TCP connection and never sends the IMAP greeting: a server that hangs.
    silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => silent.close(() => r())));

  it('a connection that times out is named; the others still answer', async () => {
    const port = (silent.address() as { port: number }).port;
    const hung = await w.connect({
      provider: 'imap',
      config: { host: '127.0.0.1', port, security: 'plain', user: 'alice', auth: 'password' },
      secret: PASSWORD,
      authorizedAt: AUTH,
    });
    const out = await liveFind(w.deps, { limiter: unlimited, timeoutMs: 1_500 }).emails({ from: 'john@acme.com', subject: 'renewal' });
    expect(out).toHaveLength(1);
    expect(out[0]!.messageId).toBe('filed@acme.com');
    const na = check(out[0]!, 'E1_LIVE_NOT_ASKED');
    expect(na.detail).toContain('did not answer within 1.5 s');
    expect(out[0]!.remedyCodes).toContain('ASK_AGAIN_LATER');
    expect(out[0]!.searched!.map((s) => s.id).sort()).toEqual([connId, hung].sort());
  });

  it('rate limit: past the bucket the lookup is refused with the wait', async () => {
    const limiter = tokenBucket(2, () => 0);
    const lf = liveFind(w.deps, { limiter, timeoutMs: 1_500 });
    await lf.emails({ from: 'john@acme.com', subject: 'renewal' });
    await lf.emails({ from: 'john@acme.com', subject: 'renewal' });
    await expect(lf.emails({ from: 'john@acme.com', subject: 'renewal' })).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('a bad date is refused naming the field', async () => {
    await expect(find({ from: 'john@acme.com', since: 'last tuesday' })).rejects.toMatchObject({
      code: 'invalid',
      fields: [{ field: 'since' }],
    });
    await expect(find({ since: '2026-03-01T00:00:00Z' })).rejects.toMatchObject({ code: 'invalid' });
  });
});

// Last: it syncs the connection, which moves its last sync for the tests above.
describe('"not the one I mean": the store has a candidate, the mailbox has another', () => {
  it('asks the mailbox only with askMailboxes, and lists both, each where it is', async () => {
    await syncAll(w.deps, connId);
    const deps = { ...w.deps, live: liveFind(w.deps, { limiter: unlimited, viewer: 'alice@ourco.com' }) };
    const days = { from: 'john@acme.com', since: '2026-03-04T00:00:00Z', until: '2026-03-06T00:00:00Z' };
    // The store saw the INBOX mail of the 4th and linked it: it answers alone.
    const stored = await findEmails(deps, days);
    expect(stored.candidates.map((c) => [c.messageId, c.live])).toEqual([['seen@acme.com', false]]);
    expect(stored.liveAsked).toBe(false);
    // Asked to, the mailbox adds the one of the 5th filed in a folder this connection does not sync.
    const both = await findEmails(deps, { ...days, askMailboxes: true });
    expect(both.liveAsked).toBe(true);
    expect(both.candidates.map((c) => [c.messageId, c.live])).toEqual([
      ['filed@acme.com', true],
      ['seen@acme.com', false],
    ]);
    expect(both.candidates[0]!.remedyCodes).toContain('INCLUDE_FOLDER');
  });
});
