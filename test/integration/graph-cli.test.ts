// The Microsoft 365 CLI commands on their own: `authorize microsoft` prints the real consent
// URL (authorization code + PKCE S256, minimal scopes), and `connect microsoft` refuses bad
// input and a refused token in one plain line, saving nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MicrosoftEmulator } from '../emulators/microsoft.js';
import { expectUserError, Workspace } from '../support/cli.js';
import { TEST_SECRET_KEY } from '../support/imap.js';

const ms = new MicrosoftEmulator();
const w = new Workspace('2026-03-10T12:00:00Z', 'tp-graph-cli-');

beforeAll(async () => {
  await ms.start();
  w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
  w.env.TOUCHPOINT_MICROSOFT_CLIENT_ID = '00000000-0000-0000-0000-00000000c11e';
  w.env.TOUCHPOINT_MICROSOFT_CLIENT_SECRET = 'test-client-secret';
  w.env.TOUCHPOINT_MICROSOFT_AUTHORITY = ms.authority;
  w.env.TOUCHPOINT_GRAPH_BASE_URL = ms.graphBaseUrl;
  await w.init('cs-team', ['ourco.com']);
  await w.teammate('alice@ourco.com');
}, 120_000);

afterAll(async () => {
  await ms.stop();
  w.cleanup();
});

describe('touchpoint authorize microsoft', () => {
  it('prints the consent URL with PKCE S256 and only Mail.Read, Calendars.Read, offline_access (+ openid profile)', async () => {
    const out = await w.ok(['authorize', 'microsoft', '--redirect-uri', 'https://touchpoint.example.com/oauth/microsoft/callback']);
    const [line, verifierLine] = out.trim().split('\n');
    const u = new URL(line!);
    expect(u.pathname).toBe('/common/oauth2/v2.0/authorize');
    expect(u.searchParams.get('client_id')).toBe('00000000-0000-0000-0000-00000000c11e');
    expect(u.searchParams.get('response_type')).toBe('code');
    expect(u.searchParams.get('redirect_uri')).toBe('https://touchpoint.example.com/oauth/microsoft/callback');
    expect(u.searchParams.get('code_challenge_method')).toBe('S256');
    expect(u.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(u.searchParams.get('scope')!.split(' ').sort()).toEqual(['Calendars.Read', 'Mail.Read', 'offline_access', 'openid', 'profile']);
    expect(verifierLine).toMatch(/^code verifier \(keep it for the token exchange\): [A-Za-z0-9_-]{43,128}$/);
  });

  it('--imap asks for Outlook IMAP (IMAP.AccessAsUser.All + offline_access) instead of Graph', async () => {
    const out = await w.ok([
      'authorize',
      'microsoft',
      '--imap',
      '--redirect-uri',
      'https://touchpoint.example.com/oauth/microsoft/callback',
    ]);
    const u = new URL(out.trim().split('\n')[0]!);
    expect(u.searchParams.get('scope')!.split(' ').sort()).toEqual([
      'https://outlook.office.com/IMAP.AccessAsUser.All',
      'offline_access',
      'openid',
      'profile',
    ]);
    expect(u.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('without the app credentials: one plain line', async () => {
    const r = await runWithout('TOUCHPOINT_MICROSOFT_CLIENT_SECRET', ['authorize', 'microsoft', '--redirect-uri', 'https://x.example/cb']);
    expectUserError(r, /TOUCHPOINT_MICROSOFT_CLIENT_ID and TOUCHPOINT_MICROSOFT_CLIENT_SECRET must be set/);
  });
});

describe('touchpoint connect microsoft', () => {
  it('refuses a token given instead of a variable name, an unset variable, and a bad page size', async () => {
    expectUserError(
      await w.run([
        'connect',
        'microsoft',
        '--teammate',
        'alice@ourco.com',
        '--token-env',
        '0.AR-secret-token',
        '--authorized-at',
        '2026-03-01T00:00:00Z',
      ]),
      /NAME of an environment variable/,
    );
    expectUserError(
      await w.run([
        'connect',
        'microsoft',
        '--teammate',
        'alice@ourco.com',
        '--token-env',
        'NO_SUCH_VAR_SET',
        '--authorized-at',
        '2026-03-01T00:00:00Z',
      ]),
      /NO_SUCH_VAR_SET is not set/,
    );
    w.env.MS_OK_TOKEN = ms.issueRefreshToken();
    expectUserError(
      await w.run([
        'connect',
        'microsoft',
        '--teammate',
        'alice@ourco.com',
        '--token-env',
        'MS_OK_TOKEN',
        '--authorized-at',
        '2026-03-01T00:00:00Z',
        '--page-size',
        '0',
      ]),
      /--page-size/,
    );
  });

  it('a revoked refresh token: "Microsoft says the grant was revoked or expired"; nothing is saved', async () => {
    w.env.MS_DEAD_TOKEN = '0.AR-never-issued';
    const line = expectUserError(
      await w.run([
        'connect',
        'microsoft',
        '--teammate',
        'alice@ourco.com',
        '--token-env',
        'MS_DEAD_TOKEN',
        '--authorized-at',
        '2026-03-01T00:00:00Z',
      ]),
    );
    expect(line).toContain('Microsoft says the grant was revoked or expired');
    expect(line).toContain('nothing was saved');
    expect((await w.status()).connections).toEqual([]);
  });

  it('a plain http authority other than loopback is refused', async () => {
    const r = await runWith({ TOUCHPOINT_MICROSOFT_AUTHORITY: 'http://login.example.com/common' }, [
      'connect',
      'microsoft',
      '--teammate',
      'alice@ourco.com',
      '--token-env',
      'MS_OK_TOKEN',
      '--authorized-at',
      '2026-03-01T00:00:00Z',
    ]);
    expectUserError(r, /TOUCHPOINT_MICROSOFT_AUTHORITY must be https/);
  });
});

async function runWith(env: Record<string, string>, args: string[]) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, w.env[k]]));
  Object.assign(w.env, env);
  try {
    return await w.run(args);
  } finally {
    Object.assign(w.env, saved);
  }
}

async function runWithout(name: string, args: string[]) {
  const saved = w.env[name];
  w.env[name] = undefined; // removed from the child's environment
  try {
    return await w.run(args);
  } finally {
    w.env[name] = saved;
  }
}
