// Adding or removing an internal domain re-decides the past like every directory change.
// Only rule E6 ("every participant is internal → never linked") reads internal domains, and
// an email is linked only through a matching end user, so a link can flip only when that end
// user is internal before or after the change. Those end users are the affected addresses.
import type { Ctx } from '../store/context.js';
import { loadDirectoryIndex } from '../store/context.js';
import { listEndUsers } from '../store/directory.js';
import { getWorkspace, updateWorkspaceSettings } from '../store/workspaces.js';
import { applyAndAudit, type ChangeResult } from './directory-changes.js';
import { AppError } from './errors.js';
import { isValidDomain, normalizeAddress, normalizeDomain } from '../directory/address.js';

async function internalEndUsers(ctx: Ctx): Promise<string[]> {
  const dir = await loadDirectoryIndex(ctx);
  return (await listEndUsers(ctx.db, ctx.ws.id)).map((u) => normalizeAddress(u.email)).filter((a) => dir.isInternal(a));
}

async function change(ctx: Ctx, raw: string, add: boolean): Promise<ChangeResult & { internalDomains: string[] }> {
  if (!isValidDomain(raw)) throw new AppError('invalid', `"${raw}" is not a domain`);
  const domain = normalizeDomain(raw);
  return ctx.db.transaction().execute(async (trx) => {
    const ws = (await getWorkspace(trx, ctx.ws.id))!;
    // Compared normalised: a domain stored in another spelling (Unicode, before 2026-12-07) is the same domain.
    const has = ws.internalDomains.some((d) => normalizeDomain(d) === domain);
    if (add && has) throw new AppError('conflict', `${domain} is already an internal domain`);
    if (!add && !has) throw new AppError('not_found', `${domain} is not an internal domain`);
    const internalDomains = add ? [...ws.internalDomains, domain] : ws.internalDomains.filter((d) => normalizeDomain(d) !== domain);
    const before = await internalEndUsers({ ...ctx, db: trx, ws });
    await updateWorkspaceSettings(trx, ws.id, { internalDomains });
    const after = { ...ctx, db: trx, ws: { ...ws, internalDomains } };
    const affected = [...new Set([...before, ...(await internalEndUsers(after))])];
    const r = await applyAndAudit(after, add ? 'internal_domain.add' : 'internal_domain.remove', domain, affected);
    return { ...r, internalDomains };
  });
}

export const addInternalDomain = (ctx: Ctx, domain: string) => change(ctx, domain, true);
export const removeInternalDomain = (ctx: Ctx, domain: string) => change(ctx, domain, false);
