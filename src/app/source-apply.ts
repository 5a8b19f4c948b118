// Applying one page of a directory source: a directory change like any other. Companies become
// (or map onto) accounts, contacts become end users of every company they belong to, deletions
// remove them; suppressed pairs are skipped and reported, an end user someone else made (by
// hand, by CSV, another record) is reported and never overwritten; the addresses that gained or
// lost an end user re-decide their past mail in one batch; the page, its audit entry and the
// cursor commit together (a crash re-reads at most one page). Provider-blind: it sees only
// SourcePage. Queries run once per page, never once per record.
import { isValidAddress, normalizeAddress } from '../directory/address.js';
import { contactAddresses, SOURCE_NAME, type SourceMapping } from '../sources/mapping.js';
import type { SourceCompany, SourceContact, SourceKind, SourcePage } from '../sources/types.js';
import type { Ctx } from '../store/context.js';
import { hashAddress, loadDirectoryIndex } from '../store/context.js';
import { recordAudit } from '../store/audit.js';
import { itemIdsByHashes } from '../store/emails.js';
import { newId } from '../store/ids.js';
import type { EndUsersTable } from '../store/schema.js';
import {
  accountsLinked,
  companyAccounts,
  hasAnyItem,
  deleteAccountRow,
  deleteEndUserRows,
  detachEndUserRows,
  endUsersAtAddresses,
  endUsersOfAccount,
  endUsersOfRecords,
  insertAccounts,
  insertEndUserRows,
  linkCompanies,
  markEndUsersSynced,
  suppressedPairs,
  unlinkCompanies,
  updateSource,
  type SourceRecord,
  type SyncCounts,
} from '../store/sources.js';
import type { LeftoverTally } from '../sync/leftover-tally.js';
import { emptyReport, type Leftovers, type LinkChange, redecideAddresses, type RedecideReport } from '../sync/redecide.js';

export type RecordOutcome = 'added' | 'updated' | 'removed' | 'skipped';

/** One line of the import report (unchanged records are counted, not listed). */
export interface RecordReport {
  record: 'company' | 'contact';
  externalId: string;
  outcome: RecordOutcome;
  email?: string;
  accountId?: string;
  reason?: string;
}

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

/** What a sync keeps between its pages: the workspace's accounts (read once). */
export interface ApplySession {
  source: SourceRecord;
  kind: SourceKind;
  mapping: SourceMapping;
  accounts: Map<string, string>;
  /** Source company → account, as this sync linked or read them (saves a query per page of contacts). */
  companies: Map<string, string>;
  /** The emails the sync's pages left over, each once in its last state; a page's are merged once it commits. */
  leftovers: LeftoverTally;
}

const pairKey = (accountId: string, address: string) => `${accountId}|${normalizeAddress(address)}`;

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

interface Plan {
  insert: EndUsersTable[];
  remove: EndUsersTable[];
  keep: string[];
  /** End users of a company deleted at the source whose account is kept: kept as they are, no longer synced. */
  detach: string[];
}

/** Contacts → end users: what to insert, remove and keep, with the report rows. */
async function planContacts(ctx: Ctx, s: ApplySession, contacts: SourceContact[], rows: RecordReport[]): Promise<Plan> {
  const source = SOURCE_NAME[s.kind];
  const plan: Plan = { insert: [], remove: [], keep: [], detach: [] };
  if (!contacts.length) return plan;
  const at = ctx.now.toISOString();
  const addresses = contacts.map((c) => ({ c, ...contactAddresses(c, s.mapping) }));
  const allAddresses = addresses.flatMap((a) => a.used).filter(isValidAddress);
  const unknown = [...new Set(contacts.flatMap((c) => c.companyIds))].filter((id) => !s.companies.has(id));
  const [read, existingRows, atAddresses, suppressed] = await Promise.all([
    companyAccounts(ctx.db, ctx.ws.id, s.source.id, unknown),
    endUsersOfRecords(
      ctx.db,
      ctx.ws.id,
      source,
      contacts.map((c) => c.externalId),
    ),
    endUsersAtAddresses(ctx.db, ctx.ws.id, allAddresses),
    suppressedPairs(ctx.db, ctx.ws.id, source, allAddresses),
  ]);
  for (const [id, account] of read) s.companies.set(id, account);
  const accountOf = s.companies;
  const byRecord = new Map<string, EndUsersTable[]>();
  for (const r of existingRows) {
    const rows = byRecord.get(r.external_id ?? '');
    if (rows) rows.push(r);
    else byRecord.set(r.external_id ?? '', [r]);
  }
  // Address → account → its end user: no `account|address` string per pair (a page has thousands).
  const taken = new Map<string, Map<string, EndUsersTable>>();
  const take = (r: EndUsersTable) => {
    const norm = normalizeAddress(r.email_norm);
    const onAccounts = taken.get(norm);
    if (onAccounts) onAccounts.set(r.account_id, r);
    else taken.set(norm, new Map([[r.account_id, r]]));
  };
  for (const r of atAddresses) take(r);

  for (const { c, used, other } of addresses) {
    const existing = byRecord.get(c.externalId) ?? [];
    const accounts = [...new Set(c.companyIds.map((id) => accountOf.get(id)).filter((a): a is string => !!a))];
    const wanted = new Set<string>();
    const skipped: RecordReport[] = [];
    let inserted = 0;
    const fields = s.mapping.emailFields?.join(', ') ?? c.primaryField;
    if (!used.length) skipped.push({ record: 'contact', externalId: c.externalId, outcome: 'skipped', reason: `no address in ${fields}` });
    else if (!accounts.length) {
      skipped.push({
        record: 'contact',
        externalId: c.externalId,
        outcome: 'skipped',
        email: used[0],
        reason: 'belongs to no company synced to an account',
      });
    }
    for (const email of used) {
      if (!isValidAddress(email)) {
        skipped.push({
          record: 'contact',
          externalId: c.externalId,
          outcome: 'skipped',
          email,
          reason: `"${email}" is not an email address`,
        });
        continue;
      }
      const norm = normalizeAddress(email);
      for (const accountId of accounts) {
        if (existing.length) {
          const key = pairKey(accountId, norm);
          wanted.add(key);
          const mine = existing.find((r) => pairKey(r.account_id, r.email_norm) === key);
          if (mine) {
            plan.keep.push(mine.id);
            continue;
          }
        }
        const other_ = taken.get(norm)?.get(accountId);
        if (suppressed.size && suppressed.has(pairKey(accountId, norm))) {
          skipped.push({
            record: 'contact',
            externalId: c.externalId,
            outcome: 'skipped',
            email,
            accountId,
            reason: `deleted and suppressed in Touchpoint; ${source} will not recreate it`,
          });
        } else if (other_) {
          const who = other_.source === source ? `${source} record ${other_.external_id ?? '?'}` : other_.source;
          skipped.push({
            record: 'contact',
            externalId: c.externalId,
            outcome: 'skipped',
            email,
            accountId,
            reason: `an end user from ${who} already has this address on account ${accountId}; not overwritten`,
          });
        } else {
          const row = newRow(ctx, at, source, c, accountId, email, norm, other);
          plan.insert.push(row);
          take(row);
          inserted++;
        }
      }
    }
    const gone = existing.length ? existing.filter((r) => !wanted.has(pairKey(r.account_id, r.email_norm))) : [];
    plan.remove.push(...gone);
    rows.push(...skipped);
    const outcome: RecordOutcome | null =
      inserted && !existing.length
        ? 'added'
        : inserted || (gone.length && gone.length < existing.length)
          ? 'updated'
          : gone.length
            ? 'removed'
            : null;
    if (outcome) {
      const email = used[0];
      rows.push({
        record: 'contact',
        externalId: c.externalId,
        outcome,
        ...(email ? { email } : {}),
        ...(accounts[0] ? { accountId: accounts[0] } : {}),
      });
    }
  }
  return plan;
}

function newRow(
  ctx: Ctx,
  at: string,
  source: string,
  c: SourceContact,
  accountId: string,
  email: string,
  norm: string,
  other: string[],
): EndUsersTable {
  return {
    // Time-ordered (UUIDv7, as emails' ids): a page's new end users are neighbours in the
    // primary key's index, so each page's commit rewrites a few of its B-tree pages, not most.
    id: newId(),
    workspace_id: ctx.ws.id,
    account_id: accountId,
    email: email.trim(),
    email_norm: norm,
    name: null,
    source,
    external_id: c.externalId,
    other_fields: other.length ? JSON.stringify(other) : null,
    created_at: at,
    source_url: c.url ?? null,
    source_synced_at: at,
  };
}

/** Deleted contacts and companies: end users removed (and accounts, when the mapping says so). */
async function planDeletions(ctx: Ctx, s: ApplySession, page: SourcePage, plan: Plan, rows: RecordReport[]): Promise<string[]> {
  const source = SOURCE_NAME[s.kind];
  const emptyAccounts: string[] = [];
  if (page.deletedContactIds.length) {
    const gone = await endUsersOfRecords(ctx.db, ctx.ws.id, source, page.deletedContactIds);
    plan.remove.push(...gone);
    for (const id of new Set(gone.map((r) => r.external_id ?? ''))) {
      const r = gone.find((x) => x.external_id === id)!;
      rows.push({
        record: 'contact',
        externalId: id,
        outcome: 'removed',
        email: r.email,
        accountId: r.account_id,
        reason: `deleted at ${source}`,
      });
    }
  }
  if (!page.deletedCompanyIds.length) return emptyAccounts;
  const accounts = await companyAccounts(ctx.db, ctx.ws.id, s.source.id, page.deletedCompanyIds);
  await unlinkCompanies(ctx.db, ctx.ws.id, s.source.id, page.deletedCompanyIds);
  for (const id of page.deletedCompanyIds) s.companies.delete(id);
  // An account another company of this source still maps onto (the domain mapping) keeps following that company.
  const stillLinked = await accountsLinked(ctx.db, ctx.ws.id, s.source.id, [...accounts.values()]);
  for (const [externalId, accountId] of accounts) {
    const users = await endUsersOfAccount(ctx.db, ctx.ws.id, accountId);
    const mine = users.filter((u) => u.source === source);
    if (s.mapping.companyDeleted === 'remove-account') {
      plan.remove.push(...mine);
      if (mine.length === users.length) emptyAccounts.push(accountId);
      rows.push({ record: 'company', externalId, outcome: 'removed', accountId, reason: `deleted at ${source}` });
      continue;
    }
    // keep-account: the account keeps its end users and so its history. Without detaching them,
    // each would go whenever its contact was next read (no longer in that company): at once for
    // Zendesk's re-read members, for HubSpot only when the contact happened to change.
    // (Salesforce deletes an Account's Contacts with it: those end users go, as the deleted contacts they are.)
    const removing = new Set(plan.remove.map((u) => u.id));
    const followed = mine.filter((u) => u.external_id !== null && !removing.has(u.id));
    if (stillLinked.has(accountId) || !followed.length) continue;
    plan.detach.push(...followed.map((u) => u.id));
    rows.push({
      record: 'company',
      externalId,
      outcome: 'removed',
      accountId,
      reason: `deleted at ${source}; account ${accountId} and its ${followed.length} end user(s) kept, no longer synced`,
    });
  }
  return emptyAccounts;
}

/** Re-decide the past of these addresses, in one batch; nothing to load when no stored item has them. */
async function redecide(ctx: Ctx, addresses: string[], tally: LeftoverTally): Promise<RedecideReport> {
  // A workspace with no stored mail or meeting yet (a first sync before any mailbox) has no past to re-decide.
  if (!(await hasAnyItem(ctx.db, ctx.ws.id))) return emptyReport();
  const hashes = [...new Set(addresses.map((a) => hashAddress(ctx, normalizeAddress(a))))];
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
