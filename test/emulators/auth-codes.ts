// Authorization codes as both emulated identity providers (Google, Microsoft) hand them out on
// their consent page and redeem them at the token endpoint (RFC 6749 §4.1, PKCE: RFC 7636).
import { createHash } from 'node:crypto';

/** A code given out on the consent page, with what its redemption must match. */
export interface PendingCode {
  challenge: string;
  method: string;
  redirectUri: string;
  scope: string;
}

/**
 * Redeems the code of a grant_type=authorization_code request: one use per code (it is gone
 * whatever the outcome), the PKCE verifier and the redirect_uri must match the consent request.
 * The grant, or null when any of that fails.
 */
export function redeemCode(codes: Map<string, PendingCode>, p: URLSearchParams): PendingCode | null {
  const code = p.get('code') ?? '';
  const grant = codes.get(code);
  codes.delete(code);
  const verifier = p.get('code_verifier') ?? '';
  const challenge = grant?.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return grant && challenge === grant.challenge && p.get('redirect_uri') === grant.redirectUri ? grant : null;
}
