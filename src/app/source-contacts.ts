// A directory source page's contacts and deletions, planned as end users to insert, remove, keep
// and detach, with the report's rows; source-apply.ts writes the plan in the page's transaction.
// Queries run once per page, never once per record.
import { isValidAddress, normalizeAddress } from '../directory/address.js';
import { contactAddresses, SOURCE_NAME } from '../sources/mapping.js';
import type { SourceContact, SourcePage } from '../sources/types.js';
import type { Ctx } from '../store/context.js';
import { newId } from '../store/ids.js';
import type { EndUsersTable } from '../store/schema.js';
import {
  accountsLinked,
  companyAccounts,
  endUsersAtAddresses,
  endUsersOfAccount,
  endUsersOfRecords,
  suppressedPairs,
  unlinkCompanies,
} from '../store/sources.js';
import type { ApplySession, RecordOutcome, RecordReport } from './source-apply-types.js';

const pairKey = (accountId: string, address: string) => `${accountId}|${normalizeAddress(address)}`;

export interface Plan {
  insert: EndUsersTable[];
  remove: EndUsersTable[];
  keep: string[];
  /** End users of a company deleted at the source whose account is kept: kept as they are, no longer synced. */
  detach: string[];
}

/** Contacts → end users: what to insert, remove and keep, with the report rows. */
export async function planContacts(ctx: Ctx, s: ApplySession, contacts: SourceContact[], rows: RecordReport[]): Promise<Plan> {
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
        const skip = (reason: string) =>
          skipped.push({ record: 'contact', externalId: c.externalId, outcome: 'skipped', email, accountId, reason });
        if (suppressed.size && suppressed.has(pairKey(accountId, norm))) {
          skip(`deleted and suppressed in Touchpoint; ${source} will not recreate it`);
        } else if (other_) {
          const who = other_.source === source ? `${source} record ${other_.external_id ?? '?'}` : other_.source;
          skip(`an end user from ${who} already has this address on account ${accountId}; not overwritten`);
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
export async function planDeletions(ctx: Ctx, s: ApplySession, page: SourcePage, plan: Plan, rows: RecordReport[]): Promise<string[]> {
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
