// Why a server's TLS certificate was refused, in plain words, from Node's error code. Shared
// by IMAP and CalDAV: both say "could not prove who it is" and that the password was not sent
// (it never is: credentials travel only inside a TLS session whose certificate checked out).

/** Node's codes for a server certificate that cannot be trusted (openssl's verify errors). */
const CERTIFICATE_CODES = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
]);

/** The reason a certificate was refused ("its certificate is for another name (…)"), or null if `code` is not one. */
export function certificateProblem(code: string | undefined, message?: string): string | null {
  if (!code || !CERTIFICATE_CODES.has(code)) return null;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `its certificate is for another name (${message ?? code})`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'its certificate is outside its validity dates';
  return 'its certificate is not signed by a certificate authority we trust';
}

/** What to add after the reason: the fix, and that no secret left. */
export const CERTIFICATE_ADVICE = "the password was not sent (check the host name, or add the server's CA certificate)";

/** A PEM certificate (or several), as a connection's `ca` setting holds it. */
export function isPemCertificate(v: unknown): v is string {
  return typeof v === 'string' && v.includes('-----BEGIN CERTIFICATE-----');
}
