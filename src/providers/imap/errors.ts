// imapflow errors → our SourceError codes, in one place (ARCHITECTURE habit 3). The sync
// maps the codes to a connection state (src/sync/errors.ts); people read the plain words.
import { CERTIFICATE_ADVICE, certificateProblem } from '../../net/certificate-problem.js';
import { outboundErrorMessage, REFUSED } from '../../net/outbound-policy.js';
import { SourceError } from '../types.js';

interface ImapLikeError {
  code?: string;
  message?: string;
  authenticationFailed?: boolean;
  serverResponseCode?: string;
  responseText?: string;
  throttleReset?: number;
  mailboxMissing?: boolean;
  tlsFailed?: boolean;
}

/** Socket-level and imapflow connection codes: the server could not be reached or went away. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT',
  'StateLogout',
]);

export function translateImapError(err: unknown, where: string): SourceError {
  if (err instanceof SourceError) return err;
  const e = (err ?? {}) as ImapLikeError;
  const server = e.responseText ? ` (the server said: ${e.responseText})` : '';
  // RFC 5530 response code AUTHENTICATIONFAILED, or imapflow's flag for a failed LOGIN/AUTHENTICATE.
  if (e.authenticationFailed || e.serverResponseCode === 'AUTHENTICATIONFAILED') {
    return new SourceError('AUTH_FAILED', `the mail server ${where} rejected the user name or password${server}`);
  }
  if (e.serverResponseCode === 'AUTHORIZATIONFAILED' || e.serverResponseCode === 'EXPIRED') {
    return new SourceError('AUTH_FAILED', `the mail server ${where} no longer accepts these credentials${server}`);
  }
  // Before tlsFailed: imapflow marks a refused certificate during STARTTLS tlsFailed too,
  // and "does not offer STARTTLS" would send the reader after the wrong problem.
  const why = certificateProblem(e.code, e.message);
  if (why) return new SourceError('NETWORK', `the mail server ${where} could not prove who it is: ${why}; ${CERTIFICATE_ADVICE}`);
  if (e.tlsFailed) {
    return new SourceError('AUTH_FAILED', `the mail server ${where} does not offer STARTTLS, so the password was not sent`);
  }
  if (e.code === 'ETHROTTLE') {
    return new SourceError('THROTTLED', `the mail server ${where} asked us to slow down`, e.throttleReset);
  }
  if (e.code === 'EOUTBOUNDREFUSED' || outboundErrorMessage(err) === REFUSED) return imapRefusedByPolicy(where);
  // A closed port, an unknown name, a timeout and a failed TLS handshake read the same: the
  // words must not make a port scanner, nor pass OpenSSL's text through.
  if ((e.code && NETWORK_CODES.has(e.code)) || isTlsFailure(e.code)) return new SourceError('NETWORK', `${where}: could not connect`);
  if (e.mailboxMissing || e.code === 'NotFound' || e.serverResponseCode === 'NONEXISTENT') {
    return new SourceError('NOT_FOUND', `the folder does not exist on ${where}${server}`);
  }
  return new SourceError('INTERNAL', `IMAP error at ${where}: ${e.message ?? String(err)}${server}`);
}

/** The SourceError for a mail server the outbound policy refused. */
export function imapRefusedByPolicy(where: string): SourceError {
  return new SourceError(
    'INTERNAL',
    `the mail server ${where}: refused by policy (it is not a public internet address; an operator can allow it with TOUCHPOINT_OUTBOUND_ALLOW)`,
  );
}

/** Node's TLS and OpenSSL error codes (ERR_SSL_…, ERR_TLS_…, certificate verification codes). */
function isTlsFailure(code: string | undefined): boolean {
  return !!code && /^(ERR_SSL_|ERR_TLS_|ERR_OSSL_)|CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code);
}
