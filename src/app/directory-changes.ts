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
}

async function applyAndAudit(
  ctx: Ctx,
  action: string,
  target: string,
  addresses: string[],
  extra: Record<string, unknown> = {},
): Promise<ChangeResult> {
  const dir = await loadDirectoryIndex(ctx);
  const report = await redecideAddresses(ctx, dir, addresses);
  const audit = { at: ctx.now.toISOString(), actor: ctx.actor, action, target };
  await recordAudit(ctx.db, ctx.ws.id, {
    ...audit,
    details: { ...extra, linked: report.linked, unlinked: report.unlinked, unavailable: report.unavailable },
    source: ctx.origin ?? null,
  });
  return { ...report, audit };
}

export async function addEndUser(ctx: Ctx, u: NewEndUser): Promise<ChangeResult> {
  if (!isValidAddress(u.email)) throw new AppError('invalid', `"${u.email}" is not an email address`);
  if (!(await getAccount(ctx.db, ctx.ws.id, u.accountId))) throw new AppError('not_found', `unknown account "${u.accountId}"`);
  if (await findEndUser(ctx.db, ctx.ws.id, u.accountId, u.email)) {
    throw new AppError('conflict', `${normalizeAddress(u.email)} is already an end user of account ${u.accountId}`);
  }
  return ctx.db.transaction().execute(async (trx) => {
    const tctx = { ...ctx, db: trx };
    const created = await insertEndUser(trx, ctx.ws.id, u, ctx.now);
    return applyAndAudit(tctx, 'end_user.add', `${u.accountId}/${created.email}`, [created.email], { source: u.source });
  });
}

export async function deleteEndUser(ctx: Ctx, accountId: string, email: string, suppress: boolean): Promise<ChangeResult> {
  const u = await findEndUser(ctx.db, ctx.ws.id, accountId, email);
  if (!u) throw new AppError('not_found', `${normalizeAddress(email)} is not an end user of account "${accountId}"`);
  const report = await ctx.db.transaction().execute(async (trx) => {
    const tctx = { ...ctx, db: trx };
    await deleteEndUserRow(trx, ctx.ws.id, u.id);
    if (suppress) await addSuppression(trx, ctx.ws.id, { source: u.source, accountId, email: u.email, externalId: u.externalId }, ctx.now);
    return applyAndAudit(tctx, suppress ? 'end_user.delete_and_suppress' : 'end_user.delete', `${accountId}/${u.email}`, [u.email], {
      source: u.source,
    });
  });
  const warning = suppress ? undefined : recreationWarning(u);
  return warning ? { ...report, warning } : report;
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

export async function addToBlocklist(ctx: Ctx, raw: string): Promise<ChangeResult> {
  const e = parseBlocklistEntry(raw);
  return ctx.db.transaction().execute(async (trx) => {
    const tctx = { ...ctx, db: trx };
    if (!(await addBlocklistEntry(trx, ctx.ws.id, e, ctx.now))) throw new AppError('conflict', `${e.entry} is already on the blocklist`);
    return applyAndAudit(tctx, 'blocklist.add', e.entry, await coveredAddresses(tctx, e), { kind: e.kind });
  });
}

export async function removeFromBlocklist(ctx: Ctx, raw: string): Promise<ChangeResult> {
  const e = parseBlocklistEntry(raw);
  return ctx.db.transaction().execute(async (trx) => {
    const tctx = { ...ctx, db: trx };
    if (!(await removeBlocklistEntry(trx, ctx.ws.id, e.entry))) throw new AppError('not_found', `${e.entry} is not on the blocklist`);
    return applyAndAudit(tctx, 'blocklist.remove', e.entry, await coveredAddresses(tctx, e), { kind: e.kind });
  });
}

export { applyAndAudit };
