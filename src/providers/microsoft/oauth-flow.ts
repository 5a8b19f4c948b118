// The browser side of Microsoft's authorization-code flow with PKCE, for the service (the
// Google one is ../google/oauth-flow.ts). start: msal's consent URL plus a sealed `state`
// (../oauth-state.ts) carrying workspace, teammate, the PKCE verifier, the redirect URL and a
// 15-minute expiry. finish: msal redeems the code with the verifier for a refresh token.
import { CryptoProvider } from '@azure/msal-node';
import type { SecretKey } from '../../secrets/secrets.js';
import { GRANT_TTL_MS, GrantError, openState, sealState, type GrantStarter } from '../oauth-state.js';
import { SourceError } from '../types.js';
import { authorizeUrl, redeemCode, REVOKED_WORDS } from './auth.js';
import type { MicrosoftSettings } from './settings.js';

export type MicrosoftProduct = 'mail' | 'calendar';

export interface MicrosoftGrantState {
  workspaceId: string;
  teammate: string;
  /** What a new connection syncs (the consent always covers both: one token, one connection). */
  products: MicrosoftProduct[];
  codeVerifier: string;
  redirectUri: string;
  expiresAt: number;
  nonce: string;
  startedBy: GrantStarter;
}

export async function startMicrosoftGrant(
  s: MicrosoftSettings,
  key: SecretKey,
  g: {
    workspaceId: string;
    teammate: string;
    products: MicrosoftProduct[];
    redirectUri: string;
    now: Date;
    nonce: string;
    startedBy: GrantStarter;
  },
): Promise<{ url: string }> {
  // The verifier must be inside the state, and the state inside the URL: two steps, one PKCE pair.
  const pkce = await new CryptoProvider().generatePkceCodes();
  const state: MicrosoftGrantState = {
    workspaceId: g.workspaceId,
    teammate: g.teammate,
    products: g.products,
    codeVerifier: pkce.verifier,
    redirectUri: g.redirectUri,
    expiresAt: g.now.getTime() + GRANT_TTL_MS,
    nonce: g.nonce,
    startedBy: g.startedBy,
  };
  const { url } = await authorizeUrl(s, g.redirectUri, sealState('microsoft', state, key), pkce);
  return { url };
}

export function openMicrosoftGrantState(sealed: string, key: SecretKey, now: Date): MicrosoftGrantState {
  return openState<MicrosoftGrantState>('microsoft', sealed, key, now);
}

export async function finishMicrosoftGrant(
  s: MicrosoftSettings,
  state: MicrosoftGrantState,
  code: string,
): Promise<{ refreshToken: string }> {
  try {
    return await redeemCode(s, { code, codeVerifier: state.codeVerifier, redirectUri: state.redirectUri });
  } catch (err) {
    // invalid_grant at this step means the code was used already, has expired, or the verifier differs.
    if (err instanceof SourceError && err.message === REVOKED_WORDS) {
      throw new GrantError('Microsoft refused the sign-in code (already used or expired): start connecting again');
    }
    throw err;
  }
}

/** Words for the `error` parameter on the callback (the user pressed Cancel, etc.). */
export function microsoftConsentErrorWords(error: string, description?: string): string {
  if (error === 'access_denied') return 'access was not granted on the Microsoft consent screen; nothing was connected';
  return `Microsoft ended the sign-in with "${error}"${description ? ` (${description.split('\n')[0]!.slice(0, 200)})` : ''}; nothing was connected`;
}
