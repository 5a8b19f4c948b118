// The browser side of Google's authorization-code flow with PKCE, for the service.
//
// start: the consent URL plus a sealed `state` (../oauth-state.ts) carrying what the callback
// needs (workspace, teammate, which products, the PKCE code verifier, an expiry). finish: the
// code is exchanged (with the verifier) for a refresh token.
import { CodeChallengeMethod, type Credentials } from 'google-auth-library';
import type { SecretKey } from '../../secrets/secrets.js';
import { GRANT_TTL_MS, GrantError, openState, sealState, type GrantStarter } from '../oauth-state.js';
import { SourceError } from '../types.js';
import { CALENDAR_SCOPE, GMAIL_SCOPE, oauthClient, translateTokenError, type GoogleSettings } from './auth.js';

export type GoogleProduct = 'gmail' | 'calendar';

export interface GrantState {
  workspaceId: string;
  teammate: string;
  products: GoogleProduct[];
  codeVerifier: string;
  redirectUri: string;
  /** ms since epoch: a consent screen left open longer than this is refused. */
  expiresAt: number;
  nonce: string;
  startedBy: GrantStarter;
}

export { GRANT_TTL_MS, GrantError };

const SCOPES: Record<GoogleProduct, string> = { gmail: GMAIL_SCOPE, calendar: CALENDAR_SCOPE };

export async function startGoogleGrant(
  s: GoogleSettings,
  key: SecretKey,
  g: {
    workspaceId: string;
    teammate: string;
    products: GoogleProduct[];
    redirectUri: string;
    now: Date;
    nonce: string;
    startedBy: GrantStarter;
  },
): Promise<{ url: string; state: string }> {
  const client = oauthClient(s, g.redirectUri);
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const state: GrantState = {
    workspaceId: g.workspaceId,
    teammate: g.teammate,
    products: g.products,
    codeVerifier,
    redirectUri: g.redirectUri,
    expiresAt: g.now.getTime() + GRANT_TTL_MS,
    nonce: g.nonce,
    startedBy: g.startedBy,
  };
  const sealed = sealState('google', state, key);
  const url = client.generateAuthUrl({
    access_type: 'offline',
    // consent: Google returns a refresh token only when the consent screen was shown.
    prompt: 'consent',
    include_granted_scopes: false,
    scope: g.products.map((p) => SCOPES[p]),
    state: sealed,
    code_challenge_method: CodeChallengeMethod.S256,
    code_challenge: codeChallenge!,
  });
  return { url, state: sealed };
}

/** Opens a state from the callback; a tampered, foreign-key or expired state is a GrantError. */
export function openGrantState(sealed: string, key: SecretKey, now: Date): GrantState {
  return openState<GrantState>('google', sealed, key, now);
}

/** Exchanges the authorization code for a refresh token. */
export async function finishGoogleGrant(s: GoogleSettings, state: GrantState, code: string): Promise<{ refreshToken: string }> {
  const client = oauthClient(s, state.redirectUri);
  let tokens: Credentials;
  try {
    ({ tokens } = await client.getToken({ code, codeVerifier: state.codeVerifier, redirect_uri: state.redirectUri }));
  } catch (err) {
    const e = translateTokenError(err);
    // invalid_grant at this step means the code was used already or has expired.
    throw e.code === 'AUTH_FAILED'
      ? new GrantError('Google refused the sign-in code (already used or expired): start connecting again')
      : e;
  }
  if (!tokens.refresh_token) {
    throw new SourceError(
      'AUTH_FAILED',
      "Google granted access but sent no refresh token: remove Touchpoint from the Google account's third-party access and connect again",
    );
  }
  return { refreshToken: tokens.refresh_token };
}

/** Words for Google's `error` parameter on the callback (the user pressed Cancel, etc.). */
export function consentErrorWords(error: string): string {
  if (error === 'access_denied') return 'access was not granted on the Google consent screen; nothing was connected';
  return `Google ended the sign-in with "${error}"; nothing was connected`;
}
