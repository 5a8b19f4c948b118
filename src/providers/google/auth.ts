// Google OAuth 2.0 for one connection: the stored secret is the refresh token (encrypted,
// secrets/secrets.ts); access tokens live in memory only. One OAuth2Client per connection
// (mail and calendar share it), refreshed early under a per-connection lock, and a refresh
// token Google rotates is saved encrypted through `saveSecret`. `invalid_grant` from the
// token endpoint means the grant was revoked or expired: AUTH_FAILED → needs_reauth.
import { OAuth2Client, CodeChallengeMethod, type Credentials } from 'google-auth-library';
import type { GoogleConfig } from '../../config/schema.js';
import { type Secrets, SecretKeyError } from '../../secrets/secrets.js';
import { SourceError } from '../types.js';

export const GMAIL_SCOPE = 'https://www.googleapis.com/auth/gmail.readonly';
export const CALENDAR_SCOPE = 'https://www.googleapis.com/auth/calendar.readonly';

/** Refresh this long before the access token expires. */
export const EARLY_REFRESH_MS = 5 * 60_000;

export interface GoogleSettings {
  clientId: string;
  clientSecret: string;
  /** Overrides for emulators and tests; unset in production. */
  tokenUrl?: string;
  /** The consent page (accounts.google.com/o/oauth2/v2/auth in production). */
  authUrl?: string;
  rootUrl?: string;
}

/**
 * The Google OAuth app from the Config. The settings are optional as a group (a Google-less
 * install sets none): using Google without them is one error naming what is missing.
 */
export function googleSettings(c: GoogleConfig): GoogleSettings {
  const missing = [...(c.clientId ? [] : ['TOUCHPOINT_GOOGLE_CLIENT_ID']), ...(c.clientSecret ? [] : ['TOUCHPOINT_GOOGLE_CLIENT_SECRET'])];
  if (missing.length || !c.clientId || !c.clientSecret) {
    throw new SourceError(
      'INTERNAL',
      `TOUCHPOINT_GOOGLE_CLIENT_ID and TOUCHPOINT_GOOGLE_CLIENT_SECRET must be set to use Google connections (not set: ${missing.join(', ')})`,
    );
  }
  return {
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    ...(c.tokenUrl ? { tokenUrl: c.tokenUrl } : {}),
    ...(c.authUrl ? { authUrl: c.authUrl } : {}),
    ...(c.rootUrl ? { rootUrl: c.rootUrl } : {}),
  };
}

export function oauthClient(s: GoogleSettings, redirectUri?: string): OAuth2Client {
  return new OAuth2Client({
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    ...(redirectUri ? { redirectUri } : {}),
    eagerRefreshThresholdMillis: EARLY_REFRESH_MS,
    ...(s.tokenUrl || s.authUrl
      ? { endpoints: { ...(s.tokenUrl ? { oauth2TokenUrl: s.tokenUrl } : {}), ...(s.authUrl ? { oauth2AuthBaseUrl: s.authUrl } : {}) } }
      : {}),
  });
}

/** The consent URL of the real flow (authorization code + PKCE S256). */
export async function authorizeUrl(
  s: GoogleSettings,
  redirectUri: string,
  scopes: string[],
): Promise<{ url: string; codeVerifier: string }> {
  const client = oauthClient(s, redirectUri);
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const url = client.generateAuthUrl({
    access_type: 'offline',
    prompt: 'consent',
    scope: scopes,
    code_challenge_method: CodeChallengeMethod.S256,
    code_challenge: codeChallenge!,
  });
  return { url, codeVerifier };
}

/** Plain words for a token-endpoint refusal. */
export const REVOKED_WORDS = 'Google says the grant was revoked or expired; re-authorize this connection';

type SaveSecret = (secretEnc: string) => Promise<void>;

/** Where a refresh token Google rotated goes: encrypted with `secrets`, then saved. */
export interface Rotation {
  secrets: Secrets;
  save: SaveSecret;
}

/** One connection's tokens. Shared by its Gmail and Calendar sources (see `googleTokensFor`). */
export class GoogleTokens {
  readonly client: OAuth2Client;
  private refreshing: Promise<void> | null = null;
  private refreshToken: string;

  constructor(
    settings: GoogleSettings,
    refreshToken: string,
    private rotation?: Rotation,
    private now: () => number = Date.now,
  ) {
    this.client = oauthClient(settings);
    this.refreshToken = refreshToken;
    this.client.setCredentials({ refresh_token: refreshToken });
    // The library reports every token response here, before it overwrites the refresh token.
    this.client.on('tokens', (t) => {
      if (t.refresh_token && t.refresh_token !== this.refreshToken) {
        this.refreshToken = t.refresh_token;
        this.pendingSave = this.rotation ? this.rotation.save(this.rotation.secrets.encrypt(t.refresh_token)) : Promise.resolve();
      }
    });
  }

  private pendingSave: Promise<void> = Promise.resolve();

  /** A valid access token, refreshed early; concurrent callers wait for the one refresh (the lock). */
  async ensureFresh(): Promise<void> {
    const exp = this.client.credentials.expiry_date;
    if (this.client.credentials.access_token && exp && exp - this.now() > EARLY_REFRESH_MS) return;
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = null;
    });
    await this.refreshing;
  }

  /** Forget the access token (after a 401): the next call refreshes. */
  invalidate(): void {
    this.client.setCredentials({ refresh_token: this.refreshToken });
  }

  private async refresh(): Promise<void> {
    let credentials: Credentials;
    try {
      this.client.setCredentials({ refresh_token: this.refreshToken });
      ({ credentials } = await this.client.refreshAccessToken());
    } catch (err) {
      throw translateTokenError(err);
    }
    // A rotated refresh token is saved (encrypted) before it is used.
    await this.pendingSave;
    this.client.setCredentials({ ...credentials, refresh_token: this.refreshToken });
  }
}

export function translateTokenError(err: unknown): SourceError {
  const e = err as {
    response?: { status?: number; data?: { error?: string; error_description?: string } };
    message?: string;
    code?: string;
  };
  const code = e.response?.data?.error;
  if (code === 'invalid_grant' || code === 'unauthorized_client' || code === 'invalid_client') {
    return new SourceError('AUTH_FAILED', code === 'invalid_grant' ? REVOKED_WORDS : `Google refused this app's credentials (${code})`);
  }
  const status = e.response?.status;
  if (status === 429) return new SourceError('THROTTLED', 'Google token endpoint is rate limiting');
  if (status && status >= 500) return new SourceError('NETWORK', `Google token endpoint answered ${status}`);
  if (!status) return new SourceError('NETWORK', `could not reach Google's token endpoint (${e.code ?? e.message})`);
  return new SourceError('INTERNAL', `Google token endpoint answered ${status} (${code ?? e.message})`);
}

const shared = new Map<string, GoogleTokens>();

/** Per-connection token holder (the lock lives in it), created from the stored secret. */
export function googleTokensFor(
  c: { id?: string; secretEnc?: string | null; saveSecret?: SaveSecret; secrets: Secrets },
  settings: GoogleSettings,
): GoogleTokens {
  if (!c.secretEnc) throw new SourceError('AUTH_FAILED', 'no Google refresh token is stored for this connection');
  let refreshToken: string;
  try {
    refreshToken = c.secrets.decrypt(c.secretEnc);
  } catch (err) {
    if (err instanceof SecretKeyError) throw new SourceError('INTERNAL', `cannot read the stored Google token: ${err.message}`);
    throw err;
  }
  const key = c.id ? `${c.id}:${refreshToken}` : null;
  const existing = key ? shared.get(key) : undefined;
  if (existing) return existing;
  const t = new GoogleTokens(settings, refreshToken, c.saveSecret ? { secrets: c.secrets, save: c.saveSecret } : undefined);
  if (key) shared.set(key, t);
  return t;
}
