// Gmail over IMAP with the Google grant's tokens (XOAUTH2): a real Dovecot whose oauth2
// passdb asks the Google emulator's tokeninfo whether an access token is good. The stored
// secret is the refresh token; each sync logs in with a fresh access token; a rotated
// refresh token is saved; a revoked grant → needs_reauth in plain words → reauthorize with
// a new grant catches up the outage.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GoogleEmulator } from '../emulators/google.js';
import { eml, expectUserError, messageIds, Workspace } from '../support/cli.js';
import { deliver, startMailServer, TEST_SECRET_KEY, type Dovecot } from '../support/imap.js';

vi.setConfig({ testTimeout: 240_000 });

const ALICE = 'alice@ourco.com';
const PW = 'pw-alice-only-for-delivery';
const g = new GoogleEmulator();
let d: Dovecot;
const w = new Workspace('2026-03-10T12:00:00Z', 'tp-imap-xoauth2-');
let id = '';

const mail = (messageId: string, at: string) => ({ raw: eml({ from: 'john@acme.com', to: ALICE, date: at, messageId }), at });
const storedSecret = () => {
  const db = new Database(w.db, { readonly: true });
  try {
    return (db.prepare('SELECT secret_enc FROM connections').get() as { secret_enc: string }).secret_enc;
  } finally {
    db.close();
  }
};
const linked = async () => messageIds(await w.timeline('acme'));

beforeAll(async () => {
  await g.start();
  g.accountEmail = ALICE;
  d = await startMailServer({ users: { [ALICE]: PW }, oauth2TokenInfoUrl: `${g.url}/oauth2/v3/tokeninfo?access_token=` });
  Object.assign(process.env, {
    TOUCHPOINT_SECRET_KEY: TEST_SECRET_KEY,
    TOUCHPOINT_GOOGLE_CLIENT_ID: 'test-client.apps.googleusercontent.com',
    TOUCHPOINT_GOOGLE_CLIENT_SECRET: 'test-client-secret',
    TOUCHPOINT_GOOGLE_TOKEN_URL: g.tokenUrl,
    ALICE_GRANT: g.issueRefreshToken(),
    REVOKED_GRANT: 'revoked-or-made-up',
  });
  await w.init('cs-team', ['ourco.com']);
  await w.teammate(ALICE);
  await w.account('acme', 'Acme');
  await w.ok(['user', 'add', '--account', 'acme', '--email', 'john@acme.com']);
}, 300_000);

afterAll(async () => {
  await d?.stop();
  await g.stop();
  w.cleanup();
});

const connectArgs = (tokenEnv: string) => ['connect', 'imap', '--teammate', ALICE, '--host', d.host, '--port', String(d.port), '--plain',
  '--user', ALICE, '--google-token-env', tokenEnv, '--authorized-at', '2026-03-01T00:00:00Z'];

describe('IMAP XOAUTH2 with Google tokens', () => {
  it('a grant Google refuses is not saved; a good one logs in and syncs with a fresh access token', async () => {
    expectUserError(await w.run(connectArgs('REVOKED_GRANT')), /Google says the grant was revoked or expired.*; nothing was saved/);
    expect((await w.status()).connections).toHaveLength(0);

    const out = await w.ok(connectArgs('ALICE_GRANT'));
    id = /connection (\S+)/.exec(out)![1]!;
    expect(storedSecret()).not.toContain(process.env.ALICE_GRANT!);
    await deliver(d, ALICE, PW, [mail('first@acme.com', '2026-03-05T10:00:00Z')]);
    const s = await w.sync();
    expect(s.connections[0]).toMatchObject({ status: 'active', mail: { linked: 1 } });
    expect(await linked()).toEqual(['first@acme.com']);
    // Each login asked Google for an access token, and Dovecot asked tokeninfo about it.
    expect(g.log.filter((l) => l.startsWith('GET /oauth2/v3/tokeninfo')).length).toBeGreaterThanOrEqual(2);
  });

  it('a refresh token Google rotates is saved and works at the next sync', async () => {
    g.rotate = true;
    const before = storedSecret();
    await deliver(d, ALICE, PW, [mail('second@acme.com', '2026-03-06T10:00:00Z')]);
    expect((await w.sync()).connections[0]!.status).toBe('active');
    expect(storedSecret()).not.toBe(before);
    g.rotate = false;
    // The old refresh token is gone at Google: only the saved new one can work here.
    await deliver(d, ALICE, PW, [mail('third@acme.com', '2026-03-07T10:00:00Z')]);
    expect((await w.sync()).connections[0]!.status).toBe('active');
    expect(await linked()).toEqual(['first@acme.com', 'second@acme.com', 'third@acme.com']);
  });

  it('revoked grant → needs_reauth in plain words → a new grant catches the outage up', async () => {
    g.revokeAll();
    await deliver(d, ALICE, PW, [mail('during-outage@acme.com', '2026-03-08T10:00:00Z')]);
    const failed = await w.sync();
    expect(failed.connections[0]!.status).toBe('needs_reauth');
    const conn = (await w.status()).connections[0]!;
    expect(conn.statusReason).toMatch(/Google says the grant was revoked or expired/);

    expectUserError(await w.run(['reauthorize', '--connection', id, '--password-env', 'ALICE_GRANT']), /signs in with a Google grant: use --google-token-env/);
    process.env.NEW_GRANT = g.issueRefreshToken();
    await w.ok(['reauthorize', '--connection', id, '--google-token-env', 'NEW_GRANT']);
    expect((await w.sync()).connections[0]).toMatchObject({ status: 'active', mail: { linked: 1 } });
    expect(await linked()).toContain('during-outage@acme.com');
  });
});
