// The Accounts page's list: each account with its end users, logged emails and meetings and
// its last activity, optionally narrowed by a search on its name or id. A read: any role.
import type { Ctx } from '../store/context.js';
import { accountSummaries, type AccountSummary } from '../store/overviews.js';
import { invalid } from './errors.js';

const MAX_QUERY = 200;

export async function accountOverview(deps: Ctx, input: { q?: string }): Promise<AccountSummary[]> {
  const q = (input.q ?? '').trim().toLowerCase();
  if (q.length > MAX_QUERY) throw invalid('q', `longer than ${MAX_QUERY} characters: not an account name`);
  const all = await accountSummaries(deps.db, deps.ws.id);
  return q ? all.filter((a) => a.name.toLowerCase().includes(q) || a.id.toLowerCase().includes(q)) : all;
}
