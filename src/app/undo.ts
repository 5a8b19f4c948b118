// Undo from the audit log, where the entry holds what is needed: an end user added is deleted;
// one deleted is added again with the same source, external id and name (lifting the
// suppression a "delete and suppress" made); a blocklist entry added is removed. The undo is
// itself a change: audited, with details.undoOf naming the entry, which is then undone for good.
import type { Ctx } from '../store/context.js';
import { getAuditEntry, listAuditWithIds, undoneAuditIds, type StoredAuditEntry } from '../store/audit.js';
import { removeSuppression } from '../store/directory.js';
import type { AppDeps } from './deps.js';
import { addEndUserIn, deleteEndUserIn, parseBlocklistEntry, removeFromBlocklistIn, type ChangeResult } from './directory-changes.js';
import { AppError } from './errors.js';
import { requireAdmin } from './roles.js';

const UNDOABLE = new Set(['end_user.add', 'end_user.delete', 'end_user.delete_and_suppress', 'blocklist.add']);

export interface AuditListItem extends StoredAuditEntry {
  undoable: boolean;
}

/** The audit log, newest first, each entry saying whether it can be undone. */
export async function listAuditLog(deps: Ctx, limit = 100): Promise<AuditListItem[]> {
  const [entries, undone] = await Promise.all([listAuditWithIds(deps.db, deps.ws.id, limit), undoneAuditIds(deps.db, deps.ws.id)]);
  return entries.map((e) => ({ ...e, undoable: UNDOABLE.has(e.action) && !undone.has(e.id) }));
}

/** accountId and email of an end-user entry: from its details, else its "account/email" target (older entries). */
function endUserOf(e: StoredAuditEntry): { accountId: string; email: string } {
  const d = e.details as { accountId?: unknown; email?: unknown };
  if (typeof d.accountId === 'string' && typeof d.email === 'string') return { accountId: d.accountId, email: d.email };
  const cut = e.target.lastIndexOf('/');
  return { accountId: e.target.slice(0, cut), email: e.target.slice(cut + 1) };
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

async function inverse(tctx: Ctx, e: StoredAuditEntry): Promise<ChangeResult> {
  const mark = { undoOf: e.id };
  if (e.action === 'blocklist.add') return removeFromBlocklistIn(tctx, parseBlocklistEntry(e.target), mark);
  const { accountId, email } = endUserOf(e);
  if (e.action === 'end_user.add') return deleteEndUserIn(tctx, accountId, email, false, mark);
  // A delete: the same end user again, as its source knew it.
  const source = text(e.details.source) ?? 'manual';
  const suppressed = e.action === 'end_user.delete_and_suppress';
  if (suppressed) await removeSuppression(tctx.db, tctx.ws.id, { source, accountId, email });
  return addEndUserIn(
    tctx,
    { accountId, email, source, name: text(e.details.name), externalId: text(e.details.externalId) },
    { ...mark, ...(suppressed ? { liftedSuppression: true } : {}) },
  );
}

export async function undoChange(
  deps: AppDeps,
  auditId: number,
): Promise<ChangeResult & { undid: { id: number; action: string; target: string } }> {
  requireAdmin(deps, 'undo a change');
  const e = await getAuditEntry(deps.db, deps.ws.id, auditId);
  if (!e) throw new AppError('not_found', `no audit entry ${auditId}`);
  if (!UNDOABLE.has(e.action)) throw new AppError('conflict', `a ${e.action} cannot be undone from the audit log`);
  if ((await undoneAuditIds(deps.db, deps.ws.id)).has(e.id)) throw new AppError('conflict', `audit entry ${auditId} was already undone`);
  const r = await deps.db.transaction().execute((trx) => inverse({ ...deps, db: trx }, e));
  return { ...r, undid: { id: e.id, action: e.action, target: e.target } };
}
