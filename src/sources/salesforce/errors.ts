// Salesforce's refusals in the words every source uses. jsforce throws an Error whose `name`
// is the OAuth `error` (invalid_grant …) for the token endpoint, and an HttpApiError carrying
// REST's `errorCode` for the API; a failed connection is fetch's TypeError.
import { OutboundRefusedError } from '../../net/outbound-policy.js';
import { SourceError } from '../../providers/types.js';

/**
 * Salesforce sends no wait with REQUEST_LIMIT_EXCEEDED: the limit is a rolling 24-hour count,
 * so calls come back as older ones age out. An hour lets some of it free up without hammering.
 */
export const SALESFORCE_LIMIT_RETRY_MS = 60 * 60 * 1000;

/** Token-endpoint errors that mean the stored refresh token (or the app) no longer works. */
const AUTH_ERRORS = new Set([
  'invalid_grant',
  'invalid_client_id',
  'invalid_client',
  'unauthorized_client',
  'inactive_user',
  'inactive_org',
]);
/** REST errorCodes meaning the saved cursor cannot be continued: start again from a full sync. */
const CURSOR_ERRORS = new Set(['INVALID_REPLICATION_DATE', 'INVALID_QUERY_LOCATOR', 'EXCEEDED_ID_LIMIT']);

export function salesforceError(err: unknown): unknown {
  if (err instanceof SourceError) return err;
  if (err instanceof Error && err.name === 'AbortError') return err;
  if (err instanceof OutboundRefusedError) return new SourceError('NETWORK', 'Salesforce is not reachable: refused by the outbound policy');
  if (isConnectionFailure(err)) return new SourceError('NETWORK', `Salesforce is not reachable: ${err.message}`);
  if (!(err instanceof Error)) return new SourceError('INTERNAL', `Salesforce: ${String(err)}`);
  const code = (err as { errorCode?: unknown }).errorCode;
  if (AUTH_ERRORS.has(err.name)) {
    return new SourceError('AUTH_FAILED', `Salesforce refused the refresh token (${err.name}: ${err.message}); connect the source again`);
  }
  if (code === 'INVALID_SESSION_ID') return new SourceError('AUTH_FAILED', 'Salesforce refused the session; connect the source again');
  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    return new SourceError('THROTTLED', "Salesforce's daily API request limit is used up", SALESFORCE_LIMIT_RETRY_MS);
  }
  if (typeof code === 'string' && CURSOR_ERRORS.has(code)) return new SourceError('CURSOR_INVALID', `Salesforce: ${code}: ${err.message}`);
  if (typeof code === 'string' && /^ERROR_HTTP_5\d\d$/.test(code))
    return new SourceError('NETWORK', `Salesforce answered ${code.slice(11)}`);
  return new SourceError('INTERNAL', `Salesforce: ${typeof code === 'string' ? `${code}: ` : ''}${err.message}`);
}

/** fetch's "fetch failed" TypeError, or a socket error (ECONNREFUSED, ENOTFOUND …) passed through. */
function isConnectionFailure(err: unknown): err is Error {
  if (!(err instanceof Error)) return false;
  if (err instanceof TypeError && err.message === 'fetch failed') return true;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}
