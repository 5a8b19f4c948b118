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

export async function recordAudit(db: Store, ws: string, e: Omit<AuditEntry, 'source'> & { source?: string | null }): Promise<void> {
  await db
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
    .execute();
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
