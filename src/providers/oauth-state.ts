// The `state` of a browser OAuth flow (Google, Microsoft): what the callback needs (workspace,
// teammate, PKCE code verifier, redirect URL, who started it, an expiry, a random nonce)
// encrypted and authenticated with the workspace secret key (AES-GCM, secrets/secrets.ts), so
// nobody can read or forge it. It names its provider: a Google state is refused at the
// Microsoft callback and the other way round. The nonce makes it single-use (the callback
// records it, store/oauth-states.ts) and binds it to the starting browser (the same value is
// set there as an HttpOnly cookie, api/routes/oauth-grants.ts).
import { randomBytes } from 'node:crypto';
import { decryptSecret, encryptSecret, SecretKeyError, type SecretKey } from '../secrets/secrets.js';

/** How long a started grant may take to come back: long enough to sign in, short enough to be useless when leaked. */
export const GRANT_TTL_MS = 10 * 60_000;

/** Who started the grant (the API token's caller): the callback acts as them. */
export interface GrantStarter {
  actor: string;
  role: 'admin' | 'csm';
  /** A CSM token's own teammate (address), if bound to one. */
  teammate: string | null;
}

/** 256 random bits: the state's nonce and the starting browser's cookie value. */
export function newGrantNonce(): string {
  return randomBytes(32).toString('base64url');
}

/** A sign-in that cannot finish; its message is shown to the user as is. */
export class GrantError extends Error {}

export type OAuthProvider = 'google' | 'microsoft';

export interface SealedFields {
  /** ms since epoch: a consent screen left open longer than this is refused. */
  expiresAt: number;
  /** Random, per start: recorded when used (no replay) and equal to the starting browser's cookie. */
  nonce: string;
  startedBy: GrantStarter;
}

export function sealState<T extends SealedFields>(provider: OAuthProvider, state: T, key: SecretKey): string {
  return Buffer.from(encryptSecret(JSON.stringify({ ...state, provider }), key)).toString('base64url');
}

/** Opens a state from a callback; a tampered, foreign-key, other-provider or expired state is a GrantError. */
export function openState<T extends SealedFields>(provider: OAuthProvider, sealed: string, key: SecretKey, now: Date): T {
  let state: T & { provider?: string };
  try {
    state = JSON.parse(decryptSecret(Buffer.from(sealed, 'base64url').toString('utf8'), key)) as T & { provider?: string };
  } catch (err) {
    if (err instanceof SecretKeyError || err instanceof SyntaxError) {
      throw new GrantError('this sign-in link is not one Touchpoint made (or the server key changed since): start connecting again');
    }
    throw err;
  }
  if (state.provider !== provider)
    throw new GrantError('this sign-in link is not one Touchpoint made for this provider: start connecting again');
  if (typeof state.expiresAt !== 'number' || now.getTime() > state.expiresAt)
    throw new GrantError('this sign-in took longer than 10 minutes: start connecting again');
  if (typeof state.nonce !== 'string' || typeof state.startedBy !== 'object' || state.startedBy === null)
    throw new GrantError('this sign-in link is not one Touchpoint made (or the server key changed since): start connecting again');
  const { provider: _p, ...rest } = state;
  return rest as unknown as T;
}
