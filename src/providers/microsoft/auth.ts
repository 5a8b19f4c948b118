// Microsoft identity platform for one connection, on @azure/msal-node: the stored secret is
// the refresh token (encrypted, secrets/secrets.ts); access tokens live in memory only. One
// ConfidentialClientApplication per connection (mail and calendar share it), refreshed
// early (5 minutes before expiry) under a per-connection lock. Microsoft rotates refresh
// tokens: the new one (read from msal's token cache) is saved encrypted through
// `saveSecret` before the access token is used. invalid_grant / revoked consent →
// AUTH_FAILED in plain words → needs_reauth.
import { ConfidentialClientApplication, CryptoProvider, type AuthenticationResult, type Configuration } from '@azure/msal-node';
import { type Secrets, SecretKeyError } from '../../secrets/secrets.js';
import { SourceError } from '../types.js';
import { FetchNetworkModule } from './network.js';
import { CONSENT_SCOPES, DEFAULT_AUTHORITY, GRAPH_SCOPES, isLoopbackHttp, type MicrosoftSettings } from './settings.js';

export const EARLY_REFRESH_MS = 5 * 60_000;
export const REVOKED_WORDS = 'Microsoft says the grant was revoked or expired; re-authorize this connection';

type SaveSecret = (secretEnc: string) => Promise<void>;

/** Where a refresh token Microsoft rotated goes: encrypted with `secrets`, then saved. */
export interface Rotation {
  secrets: Secrets;
  save: SaveSecret;
}

/** msal configuration; an http loopback authority (emulator) is handed to msal as https (see network.ts). */
export function msalConfig(s: MicrosoftSettings): Configuration {
  const http = isLoopbackHttp(s.authority);
  const authority = http ? `https${s.authority.slice('http'.length)}` : s.authority;
  const origin = new URL(authority).origin;
  const custom = s.authority !== DEFAULT_AUTHORITY;
  return {
    auth: {
      clientId: s.clientId,
      clientSecret: s.clientSecret,
      authority,
      // A custom authority (emulator, sovereign cloud) is trusted as configured: no instance discovery.
      ...(custom ? { knownAuthorities: [new URL(authority).host] } : {}),
    },
    system: { networkClient: new FetchNetworkModule(http ? origin : undefined) },
  };
}

/**
 * The consent URL of the real flow (authorization code + PKCE S256) and the verifier to
 * redeem the code with. `state` travels through the consent page back to the redirect URL.
 */
export async function authorizeUrl(
  s: MicrosoftSettings,
  redirectUri: string,
  state?: string,
  pkce?: { verifier: string; challenge: string },
  scopes: string[] = CONSENT_SCOPES,
): Promise<{ url: string; codeVerifier: string }> {
  const app = new ConfidentialClientApplication(msalConfig(s));
  const { verifier, challenge } = pkce ?? (await new CryptoProvider().generatePkceCodes());
  const url = await app.getAuthCodeUrl({
    scopes,
    redirectUri,
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    prompt: 'consent',
    ...(state ? { state } : {}),
  });
  return { url: browserUrl(s, url), codeVerifier: verifier };
}

/** msal built the URL on the https alias of an http loopback emulator (see msalConfig): a browser needs the real one. */
function browserUrl(s: MicrosoftSettings, url: string): string {
  if (!isLoopbackHttp(s.authority)) return url;
  const httpsOrigin = `https${new URL(s.authority).origin.slice('http'.length)}`;
  return url.startsWith(`${httpsOrigin}/`) ? `http${url.slice('https'.length)}` : url;
}

/** Redeems an authorization code (with the PKCE verifier) for the grant's refresh token. */
export async function redeemCode(
  s: MicrosoftSettings,
  g: { code: string; codeVerifier: string; redirectUri: string },
): Promise<{ refreshToken: string; account?: string }> {
  const app = new ConfidentialClientApplication(msalConfig(s));
  let result: AuthenticationResult;
  try {
    result = await app.acquireTokenByCode({
      code: g.code,
      codeVerifier: g.codeVerifier,
      redirectUri: g.redirectUri,
      scopes: CONSENT_SCOPES,
    });
  } catch (err) {
    throw translateTokenError(err);
  }
  // msal keeps the refresh token in its cache, not in the result.
  const cache = JSON.parse(app.getTokenCache().serialize()) as { RefreshToken?: Record<string, { secret?: string }> };
  const refreshToken = Object.values(cache.RefreshToken ?? {}).find((rt) => rt.secret)?.secret;
  if (!refreshToken)
    throw new SourceError(
      'AUTH_FAILED',
      'Microsoft granted access but sent no refresh token (offline_access was not granted): connect again and accept all permissions',
    );
  return { refreshToken, ...(result?.account?.username ? { account: result.account.username } : {}) };
}

export class MicrosoftTokens {
  private app: ConfidentialClientApplication;
  private accessToken: string | null = null;
  private expiresAt = 0;
  private refreshing: Promise<void> | null = null;

  constructor(
    settings: MicrosoftSettings,
    private refreshToken: string,
    private rotation?: Rotation,
    private now: () => number = Date.now,
    /** Which resource the access tokens are for: Graph (default) or Outlook IMAP (IMAP_SCOPES). */
    private scopes: string[] = GRAPH_SCOPES,
  ) {
    this.app = new ConfidentialClientApplication(msalConfig(settings));
  }

  /** A valid access token, refreshed early; concurrent callers wait for the one refresh (the lock). */
  async token(): Promise<string> {
    if (!this.accessToken || this.expiresAt - this.now() <= EARLY_REFRESH_MS) {
      this.refreshing ??= this.refresh().finally(() => {
        this.refreshing = null;
      });
      await this.refreshing;
    }
    return this.accessToken!;
  }

  /** Forget the access token (after a 401): the next call refreshes. */
  invalidate(): void {
    this.accessToken = null;
  }

  private async refresh(): Promise<void> {
    let result: AuthenticationResult | null;
    try {
      // forceCache: store what comes back even for an account msal has not seen (the refresh
      // token came from elsewhere); that is where a rotated refresh token can be read.
      result = await this.app.acquireTokenByRefreshToken({ refreshToken: this.refreshToken, scopes: this.scopes, forceCache: true });
    } catch (err) {
      throw translateTokenError(err);
    }
    if (!result?.accessToken) throw new SourceError('INTERNAL', 'Microsoft returned no access token');
    const rotated = this.rotatedRefreshToken();
    if (rotated) {
      // Saved (encrypted) before the new access token is used: the old one may be dead now.
      if (this.rotation) await this.rotation.save(this.rotation.secrets.encrypt(rotated));
      this.refreshToken = rotated;
    }
    this.accessToken = result.accessToken;
    this.expiresAt = result.expiresOn ? result.expiresOn.getTime() : this.now() + 3_600_000;
  }

  /** msal keeps refresh tokens in its cache, not in the result: the newest one that differs from ours. */
  private rotatedRefreshToken(): string | null {
    const cache = JSON.parse(this.app.getTokenCache().serialize()) as { RefreshToken?: Record<string, { secret?: string }> };
    for (const rt of Object.values(cache.RefreshToken ?? {})) {
      if (rt.secret && rt.secret !== this.refreshToken) return rt.secret;
    }
    return null;
  }
}

interface MsalErrorLike {
  errorCode?: string;
  subError?: string;
  errorMessage?: string;
  message?: string;
  status?: number;
  name?: string;
}

const REVOKED_CODES = new Set([
  'invalid_grant',
  'interaction_required',
  'consent_required',
  'login_required',
  'bad_token',
  'no_tokens_found',
]);

/** Microsoft Entra codes that need the user back, each in plain words (reference-error-codes page). */
const AADSTS_WORDS: Record<string, string> = {
  '700082': 'Microsoft says the sign-in expired after a long time unused (AADSTS700082); re-authorize this connection',
  '65001':
    'Microsoft says the app is not (or no longer) consented for this user (AADSTS65001); re-authorize this connection, with an admin if the tenant requires one',
  '50076':
    'Microsoft now requires multi-factor sign-in for this user (AADSTS50076); re-authorize this connection to sign in again with MFA',
};

export function translateTokenError(err: unknown): SourceError {
  if (err instanceof SourceError) return err;
  const e = (err ?? {}) as MsalErrorLike;
  const code = e.errorCode ?? '';
  const aadsts = /AADSTS(\d+)/.exec(e.errorMessage ?? e.message ?? '')?.[1];
  if (aadsts && AADSTS_WORDS[aadsts]) return new SourceError('AUTH_FAILED', AADSTS_WORDS[aadsts]);
  if (REVOKED_CODES.has(code) || REVOKED_CODES.has(e.subError ?? '')) return new SourceError('AUTH_FAILED', REVOKED_WORDS);
  if (code === 'invalid_client' || code === 'unauthorized_client')
    return new SourceError(
      'AUTH_FAILED',
      `Microsoft refused this app's credentials (${code}); check TOUCHPOINT_MICROSOFT_CLIENT_ID / _SECRET`,
    );
  if (e.status === 429 || code === 'temporarily_unavailable')
    return new SourceError('THROTTLED', 'the Microsoft token endpoint is rate limiting');
  // A 5xx: msal keeps no status for it; a non-JSON answer carries it in our network module's description.
  const http5xx = /HTTP (5\d\d)/.exec(e.errorMessage ?? e.message ?? '')?.[1];
  if ((e.status ?? 0) >= 500 || http5xx || code === 'server_error')
    return new SourceError('NETWORK', `the Microsoft token endpoint answered ${e.status ?? http5xx ?? code}; retrying at the next sync`);
  if (
    code === 'network_error' ||
    code === 'endpoints_resolution_error' ||
    /fetch failed|ECONNREFUSED|ENOTFOUND|timeout/i.test(e.message ?? '')
  ) {
    return new SourceError('NETWORK', `could not reach Microsoft's token endpoint (${code || e.message})`);
  }
  return new SourceError(
    'INTERNAL',
    `Microsoft token endpoint: ${code || e.name || 'error'} (${(e.errorMessage ?? e.message ?? '').split('\n')[0]})`,
  );
}

const shared = new Map<string, MicrosoftTokens>();

/** Per-connection token holder (the lock lives in it), created from the stored secret. */
export function microsoftTokensFor(
  c: { id?: string; secretEnc?: string | null; saveSecret?: SaveSecret; secrets: Secrets },
  settings: MicrosoftSettings,
  scopes: string[] = GRAPH_SCOPES,
): MicrosoftTokens {
  if (!c.secretEnc) throw new SourceError('AUTH_FAILED', 'no Microsoft refresh token is stored for this connection');
  let refreshToken: string;
  try {
    refreshToken = c.secrets.decrypt(c.secretEnc);
  } catch (err) {
    if (err instanceof SecretKeyError) throw new SourceError('INTERNAL', `cannot read the stored Microsoft token: ${err.message}`);
    throw err;
  }
  const key = c.id ? `${c.id}:${scopes.join(' ')}:${refreshToken}` : null;
  const existing = key ? shared.get(key) : undefined;
  if (existing) return existing;
  const rotation = c.saveSecret ? { secrets: c.secrets, save: c.saveSecret } : undefined;
  const t = new MicrosoftTokens(settings, refreshToken, rotation, Date.now, scopes);
  if (key) shared.set(key, t);
  return t;
}
