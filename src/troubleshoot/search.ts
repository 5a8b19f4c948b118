// Global search: an address (or part of one) → the accounts where it is an end user,
// the teammates using it, and its recent activities.
import { asciiFragment, normalizeAddress } from '../directory/address.js';
import type { Ctx } from '../store/context.js';
import { listTeammates } from '../store/directory.js';
import { endUsersContaining } from '../store/end-user-search.js';
import { recentActivitiesFor } from '../store/timeline.js';

export async function globalSearch(ctx: Ctx, query: string) {
  const q = normalizeAddress(query);
  if (q.length < 2) throw new Error('search needs at least 2 characters');
  const users = await endUsersContaining(ctx.db, ctx.ws.id, q);
  // Addresses are stored with an IDN domain in ASCII: "bücher" is also looked for as "xn--bcher-kva" (as endUsersContaining).
  const ascii = asciiFragment(q);
  const contains = (a: string) => a.includes(q) || (ascii !== undefined && a.includes(ascii));
  const accountIds = [...new Set(users.map((u) => u.accountId))];
  const emails = new Set(users.map((u) => normalizeAddress(u.email)));
  // Independent reads, asked together: on PostgreSQL each is a round trip, and the pool runs
  // them side by side (SQLite runs them one after the other, as before).
  // (Each end user comes with its account's name: no read of the accounts.)
  const [allTeammates, recent] = await Promise.all([
    listTeammates(ctx.db, ctx.ws.id),
    // The 50 newest activities of those accounts, the ones with the found addresses, at most 20.
    recentActivitiesFor(ctx.db, ctx.ws.id, accountIds, {
      limit: 50,
      show: 20,
      keep: (via) => via.some((v) => emails.has(normalizeAddress(v.email))),
    }),
  ]);
  const accounts = users.map((u) => ({
    id: u.accountId,
    name: u.accountName ?? u.accountId,
    endUser: {
      id: u.id,
      email: u.email,
      name: u.name ?? null,
      source: u.source,
      externalId: u.externalId ?? null,
      sourceUrl: u.sourceUrl ?? null,
      sourceSyncedAt: u.sourceSyncedAt ?? null,
    },
  }));
  const teammates = allTeammates
    .filter((t) => [t.email, ...t.aliases].some((a) => contains(normalizeAddress(a))))
    .map((t) => ({ id: t.id, email: t.email, aliases: t.aliases, name: t.name ?? null }));
  const activities = recent.map((a) =>
    a.kind === 'email'
      ? { kind: a.kind, accountId: a.accountId, at: a.at, messageId: a.messageId, subject: a.subject }
      : { kind: a.kind, accountId: a.accountId, at: a.at, uid: a.uid, occurrence: a.occurrence, title: a.title },
  );
  return { query: q, accounts, teammates, activities };
}
