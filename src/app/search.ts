// Search by address: where an address (or part of one) is an end user, which teammate uses
// it, and its recent activities. Checked here once for every face; no match is an empty answer.
import type { Ctx } from '../store/context.js';
import { globalSearch } from '../troubleshoot/search.js';
import { invalid } from './errors.js';

export interface SearchInput {
  /** An address or part of one (at least 2 characters). */
  q: string;
}

export type SearchAnswer = Awaited<ReturnType<typeof globalSearch>>;

const MIN_QUERY = 2;
/** The longest address RFC 5321 allows. */
const MAX_QUERY = 320;

export async function search(deps: Ctx, input: SearchInput): Promise<SearchAnswer> {
  const q = input.q.trim();
  if (q.length < MIN_QUERY) throw invalid('q', `search needs at least ${MIN_QUERY} characters`);
  if (q.length > MAX_QUERY) throw invalid('q', `longer than ${MAX_QUERY} characters: not an address`);
  return globalSearch(deps, q);
}
