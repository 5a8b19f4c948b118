// MicrosoftTokens on @azure/msal-node against the local emulator: one refresh for many
// concurrent callers (the per-connection lock), an early refresh before expiry, and a
// rotated refresh token saved encrypted before it is used.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MicrosoftEmulator } from '../../../test/emulators/microsoft.js';
import { createSecrets, decryptSecret, deriveKey } from '../../secrets/secrets.js';
import { MicrosoftTokens } from './auth.js';

const ms = new MicrosoftEmulator();
const PASSPHRASE = 'a test passphrase of at least thirty-two characters';
const settings = () => ({ clientId: 'cid', clientSecret: 'secret', authority: ms.authority, graphBaseUrl: ms.graphBaseUrl });
const tokenPosts = () => ms.log.filter((l) => l.method === 'POST' && l.path.includes('/oauth2/v2.0/token')).length;

beforeAll(() => ms.start());
afterAll(() => ms.stop());

describe('MicrosoftTokens', () => {
  it('many concurrent callers share one refresh', async () => {
    const t = new MicrosoftTokens(settings(), ms.issueRefreshToken());
    const before = tokenPosts();
    const got = await Promise.all(Array.from({ length: 8 }, () => t.token()));
    expect(new Set(got).size).toBe(1);
    expect(tokenPosts() - before).toBe(1);
  });

  it('refreshes early: not while more than 5 minutes are left, then before expiry', async () => {
    let now = Date.now();
    const t = new MicrosoftTokens(settings(), ms.issueRefreshToken(), undefined, () => now);
    const first = await t.token();
    const before = tokenPosts();
    // The emulator's tokens live 3599 s (expires_in, as Microsoft's token endpoint answers);
    // the spec's early refresh is 5 minutes before expiry. Written out, not imported.
    now += 3599_000 - 6 * 60_000; // 6 minutes left
    expect(await t.token()).toBe(first);
    now += 2 * 60_000; // 4 minutes left
    expect(await t.token()).not.toBe(first);
    expect(tokenPosts() - before).toBe(1);
  });

  it('a rotated refresh token is saved encrypted, and the next refresh uses it', async () => {
    ms.rotate = true;
    const original = ms.issueRefreshToken();
    const saved: string[] = [];
    let now = Date.now();
    const t = new MicrosoftTokens(
      settings(),
      original,
      {
        secrets: createSecrets(PASSPHRASE),
        save: async (enc) => {
          saved.push(enc);
        },
      },
      () => now,
    );
    await t.token();
    expect(saved).toHaveLength(1);
    const rotated = decryptSecret(saved[0]!, deriveKey(PASSPHRASE));
    expect(rotated).not.toBe(original);
    expect(saved[0]).not.toContain(rotated);
    expect(ms.refreshTokens.has(original)).toBe(false);
    now += 3600_000;
    await t.token(); // would be invalid_grant with the original
    expect(saved).toHaveLength(2);
    ms.rotate = false;
  });

  it('token endpoint refusals in plain words: revoked consent, a wrong app secret, throttling, an outage', async () => {
    const answers: [number, unknown, string, RegExp][] = [
      [
        400,
        {
          error: 'invalid_grant',
          error_description: 'AADSTS65001: The user or administrator has not consented to use the application.',
          suberror: 'consent_required',
        },
        'AUTH_FAILED',
        /not \(or no longer\) consented .*AADSTS65001.*re-authorize/,
      ],
      [
        401,
        { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' },
        'AUTH_FAILED',
        /refused this app's credentials \(invalid_client\)/,
      ],
      [
        503,
        {
          error: 'temporarily_unavailable',
          error_description: 'AADSTS50196: The server terminated an operation because it encountered a client request loop.',
        },
        'THROTTLED',
        /rate limiting/,
      ],
      [500, '<html>Service Unavailable</html>', 'NETWORK', /answered 500/],
    ];
    for (const [status, body, code, words] of answers) {
      // msal may retry once by itself: the same answer each time.
      ms.tokenFailNext.push(...Array.from({ length: 3 }, () => ({ status, body })));
      const err = await new MicrosoftTokens(settings(), ms.issueRefreshToken()).token().catch((e: unknown) => e);
      ms.tokenFailNext.length = 0;
      expect(err, `${status}`).toMatchObject({ code, message: expect.stringMatching(words) });
    }
  });

  it('expired refresh token (700082), no consent (65001), MFA required (50076) → re-authorize, in plain words', async () => {
    const cases: [700082 | 65001 | 50076, RegExp][] = [
      [700082, /sign-in expired after a long time unused/],
      [65001, /not \(or no longer\) consented/],
      [50076, /requires multi-factor sign-in/],
    ];
    for (const [aadsts, words] of cases) {
      ms.refuseRefresh(aadsts);
      const err = await new MicrosoftTokens(settings(), ms.issueRefreshToken()).token().catch((e: unknown) => e);
      ms.tokenFailNext.length = 0;
      expect(err, String(aadsts)).toMatchObject({ code: 'AUTH_FAILED', message: expect.stringMatching(words) });
      expect((err as Error).message).toContain('re-authorize this connection');
    }
  });
});
