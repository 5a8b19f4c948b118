// Directory changes: each one re-decides the affected past at once and is audited
// (who, when, what it linked and unlinked).
import type { BlocklistEntry } from '../domain/directory.js';
import type { Ctx } from '../store/context.js';
import { loadDirectoryIndex } from '../store/context.js';
import { redecideAddresses, type RedecideReport } from '../sync/redecide.js';
import { recordAudit } from '../store/audit.js';
import {
  addBlocklistEntry,
  addSuppression,
  deleteEndUserRow,
  findEndUser,
  getAccount,
  insertEndUser,
  listBlocklist,
  listEndUsers,
  removeBlocklistEntry,
  type NewEndUser,
} from '../store/directory.js';
import { AppError } from './errors.js';
import { domainCovers, domainOf, isValidAddress, isValidDomain, normalizeAddress, normalizeDomain } from '../directory/address.js';
import { recreationWarning } from '../directory/recreation.js';

export interface ChangeResult extends RedecideReport {
  warning?: string;
  /** The audit-log entry the change wrote (who, when, what); its links are linked/unlinked above. */
  audit: { at: string; actor: string; action: string; target: string };
  /** That entry's id: what POST /v1/audit/{id}/undo names. */
  auditId: number;
}

/** Extra audit details a caller adds: an undo names the entry it undoes ({ undoOf: id }). */
export type AuditExtra = Record<string, unknown>;

async function applyAndAudit(ctx: Ctx, action: string, target: string, addresses: string[], extra: AuditExtra = {}): Promise<ChangeResult> {
  const dir = await loadDirectoryIndex(ctx);
  const report = await redecideAddresses(ctx, dir, addresses);
  const audit = { at: ctx.now.toISOString(), actor: ctx.actor, action, target };
  const auditId = await recordAudit(ctx.db, ctx.ws.id, {
    ...audit,
    details: { ...extra, linked: report.linked, unlinked: report.unlinked, unavailable: report.unavailable, deferred: report.deferred },
    source: ctx.origin ?? null,
  });
  return { ...report, audit, auditId };
}

/** Runs a change in one transaction: the change, its re-decision and its audit entry together. */
const inTransaction = <T>(ctx: Ctx, change: (tctx: Ctx) => Promise<T>): Promise<T> =>
  ctx.db.transaction().execute((trx) => change({ ...ctx, db: trx }));

async function checkNewEndUser(ctx: Ctx, u: NewEndUser): Promise<void> {
  if (!isValidAddress(u.email)) throw new AppError('invalid', `"${u.email}" is not an email address`);
  if (!(await getAccount(ctx.db, ctx.ws.id, u.accountId))) throw new AppError('not_found', `unknown account "${u.accountId}"`);
  if (await findEndUser(ctx.db, ctx.ws.id, u.accountId, u.email)) {
    throw new AppError('conflict', `${normalizeAddress(u.email)} is already an end user of account ${u.accountId}`);
  }
}

/** Adds an end user inside the caller's transaction (tctx). */
export async function addEndUserIn(tctx: Ctx, u: NewEndUser, extra: AuditExtra = {}): Promise<ChangeResult> {
  await checkNewEndUser(tctx, u);
  const created = await insertEndUser(tctx.db, tctx.ws.id, u, tctx.now);
  return applyAndAudit(tctx, 'end_user.add', `${u.accountId}/${created.email}`, [created.email], {
    source: u.source,
    accountId: u.accountId,
    email: created.email,
    ...extra,
  });
}

export async function addEndUser(ctx: Ctx, u: NewEndUser): Promise<ChangeResult> {
  await checkNewEndUser(ctx, u);
  return inTransaction(ctx, (tctx) => addEndUserIn(tctx, u));
}

/** Deletes an end user inside the caller's transaction; the audit keeps what an undo re-adds. */
export async function deleteEndUserIn(
  tctx: Ctx,
  accountId: string,
  email: string,
  suppress: boolean,
  extra: AuditExtra = {},
): Promise<ChangeResult> {
  const u = await findEndUser(tctx.db, tctx.ws.id, accountId, email);
  if (!u) throw new AppError('not_found', `${normalizeAddress(email)} is not an end user of account "${accountId}"`);
  await deleteEndUserRow(tctx.db, tctx.ws.id, u.id);
  if (suppress)
    await addSuppression(tctx.db, tctx.ws.id, { source: u.source, accountId, email: u.email, externalId: u.externalId }, tctx.now);
  const report = await applyAndAudit(
    tctx,
    suppress ? 'end_user.delete_and_suppress' : 'end_user.delete',
    `${accountId}/${u.email}`,
    [u.email],
    {
      source: u.source,
      accountId,
      email: u.email,
      ...(u.name ? { name: u.name } : {}),
      ...(u.externalId ? { externalId: u.externalId } : {}),
      ...extra,
    },
  );
  const warning = suppress ? undefined : recreationWarning(u);
  return warning ? { ...report, warning } : report;
}

export async function deleteEndUser(ctx: Ctx, accountId: string, email: string, suppress: boolean): Promise<ChangeResult> {
  if (!(await findEndUser(ctx.db, ctx.ws.id, accountId, email)))
    throw new AppError('not_found', `${normalizeAddress(email)} is not an end user of account "${accountId}"`);
  return inTransaction(ctx, (tctx) => deleteEndUserIn(tctx, accountId, email, suppress));
}

export function parseBlocklistEntry(raw: string): BlocklistEntry {
  const s = raw.trim();
  if (s.includes('@') && !s.startsWith('@')) {
    if (!isValidAddress(s)) throw new AppError('invalid', `"${raw}" is neither a domain nor an email address`);
    return { entry: normalizeAddress(s), kind: 'address' };
  }
  if (!isValidDomain(s)) throw new AppError('invalid', `"${raw}" is neither a domain nor an email address`);
  return { entry: normalizeDomain(s), kind: 'domain' };
}

/** End-user addresses a blocklist entry covers: the only links it can add or remove. */
async function coveredAddresses(ctx: Ctx, e: BlocklistEntry): Promise<string[]> {
  if (e.kind === 'address') return [e.entry];
  const users = await listEndUsers(ctx.db, ctx.ws.id, { emailLike: e.entry });
  return users.map((u) => normalizeAddress(u.email)).filter((a) => domainCovers(e.entry, domainOf(a)));
}

/**
 * The accounts whose end users a domain entry covers: blocklisting a customer's own domain
 * silences that customer, so it must be typed to confirm. Empty for an address or a partner domain.
 */
export async function customerAccountsOfDomain(ctx: Ctx, e: BlocklistEntry): Promise<{ accountId: string; endUsers: number }[]> {
  if (e.kind !== 'domain') return [];
  const users = await listEndUsers(ctx.db, ctx.ws.id, { emailLike: e.entry });
  const counts = new Map<string, number>();
  for (const u of users)
    if (domainCovers(e.entry, domainOf(normalizeAddress(u.email)))) counts.set(u.accountId, (counts.get(u.accountId) ?? 0) + 1);
  return [...counts].map(([accountId, endUsers]) => ({ accountId, endUsers }));
}

/** Blocklists inside the caller's transaction; no confirmation asked (the caller checked it). */
export async function addToBlocklistIn(tctx: Ctx, e: BlocklistEntry, extra: AuditExtra = {}): Promise<ChangeResult> {
  if (!(await addBlocklistEntry(tctx.db, tctx.ws.id, e, tctx.now)))
    throw new AppError('conflict', `${e.entry} is already on the blocklist`);
  return applyAndAudit(tctx, 'blocklist.add', e.entry, await coveredAddresses(tctx, e), { kind: e.kind, ...extra });
}

/**
 * Blocklist a domain or an address. A domain that is the domain of any account's end users
 * needs `confirm` equal to it (typed by the person): one click must not silence a customer.
 */
export async function addToBlocklist(ctx: Ctx, raw: string, opts: { confirm?: string | undefined } = {}): Promise<ChangeResult> {
  const e = parseBlocklistEntry(raw);
  if ((await listBlocklist(ctx.db, ctx.ws.id)).some((x) => x.entry === e.entry))
    throw new AppError('conflict', `${e.entry} is already on the blocklist`);
  const customers = await customerAccountsOfDomain(ctx, e);
  if (customers.length && normalizeDomain(opts.confirm ?? '') !== e.entry) {
    const who = customers.map((c) => `${c.endUsers} of ${c.accountId}`).join(', ');
    throw new AppError(
      'invalid',
      `${e.entry} is the domain of end users (${who}): blocklisting it stops logging their mail; type the domain to confirm`,
      [{ field: 'confirm', message: `type "${e.entry}" to confirm` }],
    );
  }
  return inTransaction(ctx, (tctx) => addToBlocklistIn(tctx, e));
}

export async function removeFromBlocklistIn(tctx: Ctx, e: BlocklistEntry, extra: AuditExtra = {}): Promise<ChangeResult> {
  if (!(await removeBlocklistEntry(tctx.db, tctx.ws.id, e.entry))) throw new AppError('not_found', `${e.entry} is not on the blocklist`);
  return applyAndAudit(tctx, 'blocklist.remove', e.entry, await coveredAddresses(tctx, e), { kind: e.kind, ...extra });
}

export async function removeFromBlocklist(ctx: Ctx, raw: string): Promise<ChangeResult> {
  const e = parseBlocklistEntry(raw);
  return inTransaction(ctx, (tctx) => removeFromBlocklistIn(tctx, e));
}

export { applyAndAudit };
