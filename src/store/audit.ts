// The audit log: every state-changing use case (directory changes, connections, tokens, the
// webhook, exports): who, when, what, and from where. Never a secret: details hold names and ids.
import type { Store } from './db.js';

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  /** From where: the client address (API), "cli"; null for entries written before it was recorded. */
  source: string | null;
}

/** Writes one entry; answers its id (what an undo names). */
export async function recordAudit(db: Store, ws: string, e: Omit<AuditEntry, 'source'> & { source?: string | null }): Promise<number> {
  const row = await db
    .insertInto('audit_log')
    .values({
      workspace_id: ws,
      at: e.at,
      actor: e.actor,
      action: e.action,
      target: e.target,
      details: JSON.stringify(e.details),
      source: e.source ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** An entry with its id, as the audit list and undo read it. */
export interface StoredAuditEntry extends AuditEntry {
  id: number;
}

function fromRow(r: {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: string;
  source: string | null;
}): StoredAuditEntry {
  return {
    id: Number(r.id),
    at: r.at,
    actor: r.actor,
    action: r.action,
    target: r.target,
    details: JSON.parse(r.details) as Record<string, unknown>,
    source: r.source,
  };
}

export async function getAuditEntry(db: Store, ws: string, id: number): Promise<StoredAuditEntry | undefined> {
  const r = await db.selectFrom('audit_log').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst();
  return r ? fromRow(r) : undefined;
}

/** Ids of the entries an undo has undone (each undo's entry names it in details.undoOf). */
export async function undoneAuditIds(db: Store, ws: string): Promise<Set<number>> {
  const rows = await db
    .selectFrom('audit_log')
    .select('details')
    .where('workspace_id', '=', ws)
    .where('details', 'like', '%"undoOf":%')
    .execute();
  const ids = rows.map((r) => (JSON.parse(r.details) as { undoOf?: unknown }).undoOf).filter((x): x is number => typeof x === 'number');
  return new Set(ids);
}

/** Newest first, with ids. */
export async function listAuditWithIds(db: Store, ws: string, limit = 100): Promise<StoredAuditEntry[]> {
  const rows = await db.selectFrom('audit_log').selectAll().where('workspace_id', '=', ws).orderBy('id', 'desc').limit(limit).execute();
  return rows.map(fromRow);
}

export async function listAudit(db: Store, ws: string, limit = 100): Promise<AuditEntry[]> {
  const rows = await db.selectFrom('audit_log').selectAll().where('workspace_id', '=', ws).orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    at: r.at,
    actor: r.actor,
    action: r.action,
    target: r.target,
    details: JSON.parse(r.details) as Record<string, unknown>,
    source: r.source,
  }));
}
