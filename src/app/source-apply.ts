// Applying one page of a directory source: a directory change like any other. Companies become
// (or map onto) accounts, contacts become end users of every company they belong to, deletions
// remove them; suppressed pairs are skipped and reported, an end user someone else made (by
// hand, by CSV, another record) is reported and never overwritten; the addresses that gained or
// lost an end user re-decide their past mail in one batch; the page, its audit entry and the
// cursor commit together (a crash re-reads at most one page). Provider-blind: it sees only
// SourcePage. Queries run once per page, never once per record; the plan of end users is
// source-contacts.ts's.
import { normalizeAddress } from '../directory/address.js';
import type { SourceCompany, SourcePage } from '../sources/types.js';
import type { Ctx } from '../store/context.js';
import { addressHashes, loadDirectoryIndex } from '../store/context.js';
import { recordAudit } from '../store/audit.js';
import { itemIdsByHashes } from '../store/emails.js';
import {
  hasAnyItem,
  deleteAccountRow,
  deleteEndUserRows,
  detachEndUserRows,
  insertAccounts,
  insertEndUserRows,
  linkCompanies,
  markEndUsersSynced,
  updateSource,
  type SyncCounts,
} from '../store/sources.js';
import type { LeftoverTally } from '../sync/leftover-tally.js';
import { emptyReport, type Leftovers, type LinkChange, redecideAddresses, type RedecideReport } from '../sync/redecide.js';
import type { ApplySession, RecordReport } from './source-apply-types.js';
import { planContacts, planDeletions } from './source-contacts.js';

export type { ApplySession, RecordReport } from './source-apply-types.js';

/**
 * One page applied; `deferred` and `unavailable`: the past emails its re-decision could not
 * re-read (yet), as a manual change reports them (this page's, for its audit entry; the sync's
 * are counted per email in the session's `leftovers`).
 */
export interface PageResult extends Leftovers {
  rows: RecordReport[];
  counts: SyncCounts & { unchanged: number };
  linked: LinkChange[];
  unlinked: LinkChange[];
}

/** The account a company maps onto (one made for it under `source-id`), or why none. */
function accountFor(s: ApplySession, c: SourceCompany, created: { id: string; name: string }[], rows: RecordReport[]): string | null {
  const skip = (reason: string) => {
    rows.push({ record: 'company', externalId: c.externalId, outcome: 'skipped', reason });
    return null;
  };
  if (s.mapping.accounts === 'source-id') {
    const id = `${s.kind}-${c.externalId}`;
    if (!s.accounts.has(id)) {
      s.accounts.set(id, c.name);
      created.push({ id, name: c.name });
      rows.push({ record: 'company', externalId: c.externalId, outcome: 'added', accountId: id });
    }
    return id;
  }
  if (s.mapping.accounts === 'external-id') {
    return s.accounts.has(c.externalId)
      ? c.externalId
      : skip(`no account has the id "${c.externalId}" (the mapping matches accounts by external id)`);
  }
  for (const [id, name] of s.accounts) {
    if (c.domains.some((d) => d === id.toLowerCase() || d === name.toLowerCase())) return id;
  }
  return skip(
    c.domains.length
      ? `no account is named ${c.domains.join(' or ')} (the mapping matches accounts by domain)`
      : 'the company has no domain to match an account by',
  );
}

async function applyCompanies(ctx: Ctx, s: ApplySession, companies: SourceCompany[], rows: RecordReport[]): Promise<void> {
  const created: { id: string; name: string }[] = [];
  const links: { externalId: string; accountId: string; url: string | null }[] = [];
  for (const c of companies) {
    const accountId = accountFor(s, c, created, rows);
    if (accountId) {
      links.push({ externalId: c.externalId, accountId, url: c.url ?? null });
      s.companies.set(c.externalId, accountId);
    } else s.companies.delete(c.externalId);
  }
  await insertAccounts(ctx.db, ctx.ws.id, created, ctx.now);
  await linkCompanies(ctx.db, ctx.ws.id, s.source.id, links, ctx.now);
}

/** Re-decide the past of these addresses, in one batch; nothing to load when no stored item has them. */
async function redecide(ctx: Ctx, addresses: string[], tally: LeftoverTally): Promise<RedecideReport> {
  // A workspace with no stored mail or meeting yet (a first sync before any mailbox) has no past to re-decide.
  if (!(await hasAnyItem(ctx.db, ctx.ws.id))) return emptyReport();
  // With the hash of an address's earlier spelling, where it has one (addressHashes).
  const hashes = [...new Set(addresses.flatMap((a) => addressHashes(ctx, normalizeAddress(a))))];
  const [emails, meetings] = await Promise.all([
    itemIdsByHashes(ctx.db, ctx.ws.id, 'email', hashes),
    itemIdsByHashes(ctx.db, ctx.ws.id, 'meeting', hashes),
  ]);
  if (!emails.length && !meetings.length) return emptyReport();
  return redecideAddresses(ctx, await loadDirectoryIndex(ctx), addresses, tally);
}

export async function applySourcePage(ctx: Ctx, s: ApplySession, page: SourcePage): Promise<PageResult> {
  const left = s.leftovers.page();
  const applied = await ctx.db.transaction().execute(async (trx) => {
    const tctx: Ctx = { ...ctx, db: trx };
    const rows: RecordReport[] = [];
    const companiesBefore = s.accounts.size;
    await applyCompanies(tctx, s, page.companies, rows);
    const plan = await planContacts(tctx, s, page.contacts, rows);
    const emptyAccounts = await planDeletions(tctx, s, page, plan, rows);
    const removeIds = [...new Set(plan.remove.map((r) => r.id))];
    await deleteEndUserRows(trx, ctx.ws.id, removeIds);
    for (const id of emptyAccounts) {
      await deleteAccountRow(trx, ctx.ws.id, id);
      s.accounts.delete(id);
    }
    await detachEndUserRows(trx, ctx.ws.id, plan.detach);
    await insertEndUserRows(trx, plan.insert);
    await markEndUsersSynced(trx, ctx.ws.id, plan.keep, ctx.now);
    const touched = [...plan.insert, ...plan.remove].map((r) => r.email);
    const links = touched.length ? await redecide(tctx, touched, left) : emptyReport();
    const counts = { added: 0, updated: 0, removed: 0, skipped: 0, unchanged: 0 };
    for (const r of rows) counts[r.outcome]++;
    const reported = new Set(rows.map((r) => `${r.record}:${r.externalId}`));
    counts.unchanged =
      page.companies.filter((c) => !reported.has(`company:${c.externalId}`)).length +
      page.contacts.filter((c) => !reported.has(`contact:${c.externalId}`)).length;
    if (touched.length || s.accounts.size !== companiesBefore || emptyAccounts.length) {
      // The audit entry moves the directory version (store/directory-version.ts): workers reload the index.
      await recordAudit(trx, ctx.ws.id, {
        at: ctx.now.toISOString(),
        actor: ctx.actor,
        action: 'source.sync',
        target: s.source.id,
        details: {
          kind: s.kind,
          counts,
          linked: links.linked,
          unlinked: links.unlinked,
          unavailable: links.unavailable,
          deferred: links.deferred,
        },
        source: ctx.origin ?? null,
      });
    }
    await updateSource(trx, ctx.ws.id, s.source.id, { cursor: page.cursor });
    return { rows, counts, ...links };
  });
  left.commit();
  return applied;
}
