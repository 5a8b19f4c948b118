// How a use case fails: one stable code from one union, plain words, and for bad input the
// field that was wrong. Every face maps the code, never the message: the HTTP status
// (api/errors.ts) and the CLI exit code (cli/main.ts) come from `code` alone.

export type AppErrorCode =
  /** The input is malformed or breaks a rule of the request itself. */
  | 'invalid'
  /** The thing named does not exist in this workspace (or is not this caller's to see). */
  | 'not_found'
  /** The request clashes with what exists (already there, already linked, in use). */
  | 'conflict'
  /** The caller is known but their role does not allow this. */
  | 'forbidden'
  /** The caller is not known (no token, a revoked or expired one). */
  | 'unauthorized'
  /** The connection's grant is gone: someone must re-authorize it before it can be used. */
  | 'needs_reauth'
  /** A server we asked (IMAP, CalDAV, an OAuth provider) refused the credentials or the request. */
  | 'rejected'
  /** Refused by the outbound-address or folder policy: said without telling why the target is refused. */
  | 'refused_by_policy'
  /** A server we need cannot be reached now; trying again later may work. */
  | 'unavailable'
  /** Too many requests or attempts from this caller. */
  | 'rate_limited';

export interface FieldProblem {
  /** Where: body.email, query.limit, params.accountId, a CSV line, a flag name. */
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly fields?: FieldProblem[],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const invalid = (field: string, message: string): AppError => new AppError('invalid', `${field}: ${message}`, [{ field, message }]);
export const notFound = (what: string): AppError => new AppError('not_found', `${what} not found`);
export const conflict = (message: string): AppError => new AppError('conflict', message);

/** HTTP status per code: the API's only source for it. */
export const HTTP_STATUS: Record<AppErrorCode, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  needs_reauth: 409,
  rejected: 422,
  refused_by_policy: 422,
  rate_limited: 429,
  unavailable: 503,
};

/**
 * CLI exit code per code: 1 for everything the user can fix (as before the use-case layer;
 * scripts test for it), 75 (sysexits EX_TEMPFAIL) for what may work if tried again later.
 * Usage errors stay 2 and unexpected failures 70 (cli/main.ts).
 */
export const EXIT_CODE: Record<AppErrorCode, number> = {
  invalid: 1,
  not_found: 1,
  conflict: 1,
  forbidden: 1,
  unauthorized: 1,
  needs_reauth: 1,
  rejected: 1,
  refused_by_policy: 1,
  rate_limited: 75,
  unavailable: 75,
};
