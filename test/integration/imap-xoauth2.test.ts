// Gmail and Outlook over IMAP with their OAuth grant's tokens (XOAUTH2), one run per
// provider: a real Dovecot whose oauth2 passdb asks the provider emulator whether an access
// token is good (Google's tokeninfo; for Microsoft, an emulator-only /introspect, since
// Outlook checks its own tokens). The stored secret is the refresh token; each sync logs in
// with a fresh access token (for Microsoft, one for Outlook IMAP's scope, not Graph's); a
// rotated refresh token is saved; a revoked grant → needs_reauth in plain words →
// reauthorize with a new grant catches up the outage.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GoogleEmulator } from '../emulators/google.js';
import { MicrosoftEmulator } from '../emulators/microsoft.js';
import { eml, expectUserError, messageIds, Workspace } from '../support/cli.js';
import { deliver, startMailServer, TEST_SECRET_KEY, type Dovecot } from '../support/imap.js';

vi.setConfig({ testTimeout: 240_000 });

const ALICE = 'alice@ourco.com';
const PW = 'pw-alice-only-for-delivery';

interface Provider {
  name: 'Google' | 'Microsoft';
  flag: string;
  /** Starts the emulator; its URL Dovecot appends an access token to. */
  /** Starts the emulator and puts its OAuth app in `env` (the CLI children's settings); returns the introspection URL. */
  start(env: Record<string, string | undefined>): Promise<string>;
  stop(): Promise<void>;
  issue(): string;
  revokeAll(): void;
  rotate(on: boolean): void;
  /** How many times Dovecot asked about an access token. */
  introspections(): number;
}

const g = new GoogleEmulator();
const ms = new MicrosoftEmulator();

const google: Provider = {
  name: 'Google',
  flag: '--google-token-env',
  async start(env) {
    await g.start();
    g.accountEmail = ALICE;
    Object.assign(env, {
      TOUCHPOINT_GOOGLE_CLIENT_ID: 'test-client.apps.googleusercontent.com',
      TOUCHPOINT_GOOGLE_CLIENT_SECRET: 'test-client-secret',
      TOUCHPOINT_GOOGLE_TOKEN_URL: g.tokenUrl,
    });
    return `${g.url}/oauth2/v3/tokeninfo?access_token=`;
  },
  stop: () => g.stop(),
  issue: () => g.issueRefreshToken(),
  revokeAll: () => g.revokeAll(),
  rotate: (on) => {
    g.rotate = on;
  },
  introspections: () => g.log.filter((l) => l.startsWith('GET /oauth2/v3/tokeninfo')).length,
};

const microsoft: Provider = {
  name: 'Microsoft',
  flag: '--microsoft-token-env',
  async start(env) {
    await ms.start();
    ms.accountEmail = ALICE;
    Object.assign(env, {
      TOUCHPOINT_MICROSOFT_CLIENT_ID: '00000000-0000-0000-0000-00000000c11e',
      TOUCHPOINT_MICROSOFT_CLIENT_SECRET: 'test-client-secret',
      TOUCHPOINT_MICROSOFT_AUTHORITY: ms.authority,
    });
    return ms.introspectUrl;
  },
  stop: () => ms.stop(),
  issue: () => ms.issueRefreshToken(),
  revokeAll: () => ms.revokeAll(),
  rotate: (on) => {
    ms.rotate = on;
  },
  introspections: () => ms.log.filter((l) => l.path.startsWith('/introspect')).length,
};

describe.each([google, microsoft])('IMAP XOAUTH2 with $name tokens', (p) => {
  let d: Dovecot;
  const w = new Workspace('2026-03-10T12:00:00Z', `tp-imap-xoauth2-${p.name.toLowerCase()}-`);
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
  const connectArgs = (tokenEnv: string) => [
    'connect',
    'imap',
    '--teammate',
    ALICE,
    '--host',
    d.host,
    '--port',
    String(d.port),
    '--plain',
    '--user',
    ALICE,
    p.flag,
    tokenEnv,
    '--authorized-at',
    '2026-03-01T00:00:00Z',
  ];

  beforeAll(async () => {
    d = await startMailServer({ users: { [ALICE]: PW }, oauth2TokenInfoUrl: await p.start(w.env) });
    Object.assign(w.env, { TOUCHPOINT_SECRET_KEY: TEST_SECRET_KEY, ALICE_GRANT: p.issue(), REVOKED_GRANT: 'revoked-or-made-up' });
    await w.init('cs-team', ['ourco.com']);
    await w.teammate(ALICE);
    await w.account('acme', 'Acme');
    await w.ok(['user', 'add', '--account', 'acme', '--email', 'john@acme.com']);
  }, 300_000);

  afterAll(async () => {
    await d?.stop();
    await p.stop();
    w.cleanup();
  });

  it('a grant the provider refuses is not saved; a good one logs in and syncs with a fresh access token', async () => {
    expectUserError(
      await w.run(connectArgs('REVOKED_GRANT')),
      new RegExp(`${p.name} says the grant was revoked or expired.*; nothing was saved`),
    );
    expect((await w.status()).connections).toHaveLength(0);

    const out = await w.ok(connectArgs('ALICE_GRANT'));
    id = /connection (\S+)/.exec(out)![1]!;
    expect(storedSecret()).not.toContain(w.env.ALICE_GRANT!);
    await deliver(d, ALICE, PW, [mail('first@acme.com', '2026-03-05T10:00:00Z')]);
    const s = await w.sync();
    expect(s.connections[0]).toMatchObject({ status: 'active', mail: { linked: 1 } });
    expect(await linked()).toEqual(['first@acme.com']);
    // Each login asked for an access token, and Dovecot asked the provider about it.
    expect(p.introspections()).toBeGreaterThanOrEqual(2);
    // Outlook IMAP is its own resource: the tokens are asked for with its scope, not Graph's.
    if (p === microsoft)
      expect(
        ms.tokenScopes
          .filter((s) => s)
          .every((s) => s.includes('https://outlook.office.com/IMAP.AccessAsUser.All') && !s.includes('graph.microsoft.com')),
      ).toBe(true);
  });

  it('a refresh token the provider rotates is saved and works at the next sync', async () => {
    p.rotate(true);
    const before = storedSecret();
    await deliver(d, ALICE, PW, [mail('second@acme.com', '2026-03-06T10:00:00Z')]);
    expect((await w.sync()).connections[0]!.status).toBe('active');
    expect(storedSecret()).not.toBe(before);
    p.rotate(false);
    // The old refresh token is gone at the provider: only the saved new one can work here.
    await deliver(d, ALICE, PW, [mail('third@acme.com', '2026-03-07T10:00:00Z')]);
    expect((await w.sync()).connections[0]!.status).toBe('active');
    expect(await linked()).toEqual(['first@acme.com', 'second@acme.com', 'third@acme.com']);
  });

  it('revoked grant → needs_reauth in plain words → a new grant catches the outage up', async () => {
    p.revokeAll();
    await deliver(d, ALICE, PW, [mail('during-outage@acme.com', '2026-03-08T10:00:00Z')]);
    const failed = await w.sync();
    expect(failed.connections[0]!.status).toBe('needs_reauth');
    const conn = (await w.status()).connections[0]!;
    expect(conn.statusReason).toMatch(new RegExp(`${p.name} says the grant was revoked or expired`));

    expectUserError(
      await w.run(['reauthorize', '--connection', id, '--password-env', 'ALICE_GRANT']),
      new RegExp(`signs in with a ${p.name} grant: use ${p.flag}`),
    );
    w.env.NEW_GRANT = p.issue();
    await w.ok(['reauthorize', '--connection', id, p.flag, 'NEW_GRANT']);
    expect((await w.sync()).connections[0]).toMatchObject({ status: 'active', mail: { linked: 1 } });
    expect(await linked()).toContain('during-outage@acme.com');
  });
});
