// One place maps a provider error code to a connection state and plain words.
import type { ConnectionStatus } from '../domain/connection.js';
import { SourceError } from '../providers/types.js';

export function describeSyncError(err: unknown): { status: ConnectionStatus; words: string } {
  if (err instanceof SourceError) {
    switch (err.code) {
      case 'AUTH_FAILED':
        return { status: 'needs_reauth', words: `needs re-authorization: ${err.message}` };
      case 'NOT_FOUND':
        return { status: 'error', words: err.message };
      case 'THROTTLED':
        return { status: 'active', words: `the provider asked us to slow down; retrying later (${err.message})` };
      case 'NETWORK':
        return { status: 'active', words: `could not reach the server; retrying at the next sync (${err.message})` };
      default:
        return { status: 'error', words: err.message };
    }
  }
  return { status: 'error', words: `unexpected error: ${(err as Error)?.message ?? String(err)}` };
}

const PG_CONNECTION_LOST = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006']);

/**
 * Words for a failure of the store itself (disk full, database connection lost), or null.
 * Such a failure is not the connection's: the sync stops, and what it stored up to the last
 * complete page stays (each page commits with its cursor), so the next sync carries on.
 */
export function storeFailureWords(err: unknown): string | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  const after = 'what was stored up to the last complete page is kept; the next sync continues from there';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EFBIG') {
    return `the database disk is full (${code}): free space, then sync again; ${after}`;
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN') {
    return `the database file could not be written (${code}: ${message}); ${after}`;
  }
  if (PG_CONNECTION_LOST.has(code) || /Connection terminated|terminating connection|ECONNRESET|ECONNREFUSED/.test(message)) {
    return `lost the connection to the database (${code || message}); ${after}`;
  }
  return null;
}
