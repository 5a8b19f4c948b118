// Re-reading many messages of one source (a page of a directory change): its own `fetchMany`
// where it has one (the folder source reads files without a promise per file system call; IMAP
// asks one UID FETCH per folder), else `fetch` one by one, a few at a time.
import { asError } from '../domain/as-error.js';
import { mapLimit } from '../domain/map-limit.js';
import type { FetchOutcome, MailSource } from './types.js';

/** Messages read at once from a source without `fetchMany` (files, or fetches a source may batch). */
export const FETCH_CONCURRENCY = 16;

/** One outcome per ref, in order; a batch that fails as a whole fails each of its refs alike. */
export async function fetchMany(source: MailSource, refs: string[], concurrency = FETCH_CONCURRENCY): Promise<FetchOutcome[]> {
  if (refs.length === 0) return [];
  if (source.fetchMany) {
    try {
      return await source.fetchMany(refs);
    } catch (err) {
      const e = asError(err);
      return refs.map(() => e);
    }
  }
  return mapLimit(refs, concurrency, (ref) => source.fetch(ref).catch(asError));
}
