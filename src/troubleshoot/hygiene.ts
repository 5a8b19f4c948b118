// Directory hygiene: end users that will cause surprises, before they do.
// - on an internal domain or a teammate's address: internal mail with them gets logged;
// - silenced by the blocklist: they never cause a link, whatever the account says;
// - on a domain shared by several accounts (a partner, a reseller, a free-mail provider):
//   often one person added to the wrong account;
// - one address in many accounts: every email with it is logged on all of them (E5).
import type { EndUser } from '../domain/directory.js';
import { displayAddress, domainOf, normalizeAddress } from '../directory/address.js';
import type { Ctx } from '../store/context.js';
import { loadDirectoryIndex } from '../store/context.js';
import { listEndUsers } from '../store/directory.js';

const view = (u: EndUser) => ({
  id: u.id,
  accountId: u.accountId,
  email: u.email,
  name: u.name ?? null,
  source: u.source,
  externalId: u.externalId ?? null,
});

export async function directoryHygiene(ctx: Ctx, opts: { minAccounts: number }) {
  const dir = await loadDirectoryIndex(ctx);
  const users = await listEndUsers(ctx.db, ctx.ws.id);
  const internalAddresses = [];
  const blocklisted = [];
  const byDomain = new Map<string, { accounts: Set<string>; users: number }>();
  const byAddress = new Map<string, Set<string>>();
  // `why` is read by people (an IDN domain in Unicode: displayAddress); `domain` and `email` stay the keys.
  for (const u of users) {
    const a = normalizeAddress(u.email);
    const teammate = dir.teammateFor(a);
    const internal = dir.internalDomainOf(a);
    if (teammate) internalAddresses.push({ ...view(u), why: `the address of teammate ${teammate.email}` });
    else if (internal) internalAddresses.push({ ...view(u), why: `on the internal domain ${displayAddress(internal)}` });
    const hit = dir.blockHit(a);
    if (hit)
      blocklisted.push({
        ...view(u),
        why: hit.kind === 'domain' ? `the domain ${displayAddress(hit.entry)} is blocklisted` : 'the address is blocklisted',
      });
    if (!teammate && !internal) {
      const d = domainOf(a);
      const e = byDomain.get(d) ?? { accounts: new Set<string>(), users: 0 };
      e.accounts.add(u.accountId);
      e.users++;
      byDomain.set(d, e);
    }
    byAddress.set(a, (byAddress.get(a) ?? new Set()).add(u.accountId));
  }
  const sharedDomains = [...byDomain.entries()]
    .filter(([, e]) => e.accounts.size >= 2)
    .map(([domain, e]) => ({ domain, accounts: [...e.accounts].sort(), endUsers: e.users }))
    .sort((x, y) => y.accounts.length - x.accounts.length || x.domain.localeCompare(y.domain));
  const multiAccountAddresses = [...byAddress.entries()]
    .filter(([, accounts]) => accounts.size >= opts.minAccounts)
    .map(([email, accounts]) => ({ email, accounts: [...accounts].sort() }))
    .sort((x, y) => y.accounts.length - x.accounts.length || x.email.localeCompare(y.email));
  return { internalAddresses, blocklisted, sharedDomains, multiAccountAddresses };
}
