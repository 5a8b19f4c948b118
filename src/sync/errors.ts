// One place maps a provider error code to a connection state and plain words.
import type { ConnectionStatus } from '../domain/connection.js';
import { SourceError } from '../connectors/types.js';

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
