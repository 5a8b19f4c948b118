// Accounts and end users edited by hand (the web app's forms, the API): add and rename an
// account, edit an end user's email field, name or external id. An end user whose email field
// changes re-decides the past for the old and the new address (the same rule as add/delete).
// Each is admin-only and audited.
import type { Account } from '../domain/directory.js';
import { isValidAddress, normalizeAddress } from '../directory/address.js';
import { addAccount as insertAccount, findEndUser, getAccount, renameAccount, updateEndUserRow } from '../store/directory.js';
import { audit } from './audit.js';
import type { AppDeps } from './deps.js';
import { applyAndAudit, type ChangeResult } from './directory-changes.js';
import { AppError, conflict, invalid } from './errors.js';
import { requireAdmin } from './roles.js';

export async function addAccount(deps: AppDeps, input: Account): Promise<Account> {
  requireAdmin(deps, 'add an account');
  const a = { id: input.id.trim(), name: input.name.trim() };
  if (!a.id) throw invalid('id', 'an account needs an id');
  if (!a.name) throw invalid('name', 'an account needs a name');
  if (await getAccount(deps.db, deps.ws.id, a.id)) throw conflict(`account "${a.id}" already exists`);
  await insertAccount(deps.db, deps.ws.id, a, deps.now);
  await audit(deps, 'account.add', a.id, { name: a.name });
  return a;
}

export async function editAccount(deps: AppDeps, id: string, input: { name: string }): Promise<Account> {
  requireAdmin(deps, 'edit an account');
  const before = await getAccount(deps.db, deps.ws.id, id);
  if (!before) throw new AppError('not_found', `unknown account "${id}"`);
  const name = input.name.trim();
  if (!name) throw invalid('name', 'an account needs a name');
  await renameAccount(deps.db, deps.ws.id, id, name);
  await audit(deps, 'account.edit', id, { before: { name: before.name }, after: { name } });
  return { id, name };
}

export interface EndUserEdit {
  email?: string | undefined;
  name?: string | null | undefined;
  externalId?: string | null | undefined;
}

export async function editEndUser(deps: AppDeps, accountId: string, email: string, edit: EndUserEdit): Promise<ChangeResult> {
  requireAdmin(deps, 'edit an end user');
  const u = await findEndUser(deps.db, deps.ws.id, accountId, email);
  if (!u) throw new AppError('not_found', `${normalizeAddress(email)} is not an end user of account "${accountId}"`);
  const next = {
    email: edit.email?.trim() || u.email,
    name: edit.name === undefined ? (u.name ?? null) : edit.name?.trim() || null,
    externalId: edit.externalId === undefined ? (u.externalId ?? null) : edit.externalId?.trim() || null,
  };
  if (!isValidAddress(next.email)) throw invalid('email', `"${next.email}" is not an email address`);
  const moved = normalizeAddress(next.email) !== normalizeAddress(u.email);
  if (moved && (await findEndUser(deps.db, deps.ws.id, accountId, next.email)))
    throw conflict(`${normalizeAddress(next.email)} is already an end user of account ${accountId}`);
  return deps.db.transaction().execute(async (trx) => {
    const tctx = { ...deps, db: trx };
    await updateEndUserRow(trx, deps.ws.id, u.id, next);
    // Only a new email field changes what links: the old address and the new one are re-decided.
    return applyAndAudit(tctx, 'end_user.edit', `${accountId}/${u.email}`, moved ? [u.email, next.email] : [], {
      accountId,
      before: { email: u.email, name: u.name ?? null, externalId: u.externalId ?? null },
      after: next,
    });
  });
}
