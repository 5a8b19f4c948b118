// Scheduling queries: which connections are due, when each is next due, how late the
// latest one is. Across all workspaces: the scheduler serves every tenant.
import type { Store } from './db.js';

/** Connections that sync on a schedule: working ones, and failing ones (retried each interval). */
export const SCHEDULED_STATUSES = ['active', 'error'] as const;

export interface DueConnection {
  id: string;
  workspaceId: string;
  intervalMinutes: number;
  nextSyncAt: string | null;
}

export async function dueConnections(db: Store, now: Date, limit = 1000): Promise<DueConnection[]> {
  const rows = await db
    .selectFrom('connections')
    .innerJoin('workspaces', 'workspaces.id', 'connections.workspace_id')
    .select(['connections.id', 'connections.workspace_id', 'workspaces.sync_interval_minutes', 'connections.next_sync_at'])
    .where('connections.status', 'in', [...SCHEDULED_STATUSES])
    .where((eb) => eb.or([eb('connections.next_sync_at', 'is', null), eb('connections.next_sync_at', '<=', now.toISOString())]))
    .orderBy('connections.next_sync_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, workspaceId: r.workspace_id, intervalMinutes: r.sync_interval_minutes, nextSyncAt: r.next_sync_at }));
}

/** A workspace's scheduled connections with the start of their last sync (last_sync_at is set to the sync's start). */
export async function scheduledConnections(
  db: Store,
  ws: string,
): Promise<{ id: string; lastSyncAt: string | null; nextSyncAt: string | null }[]> {
  const rows = await db
    .selectFrom('connections')
    .select(['id', 'last_sync_at', 'next_sync_at'])
    .where('workspace_id', '=', ws)
    .where('status', 'in', [...SCHEDULED_STATUSES])
    .execute();
  return rows.map((r) => ({ id: r.id, lastSyncAt: r.last_sync_at, nextSyncAt: r.next_sync_at }));
}

export async function setNextSyncAt(db: Store, ws: string, id: string, at: Date): Promise<void> {
  await db.updateTable('connections').set({ next_sync_at: at.toISOString() }).where('workspace_id', '=', ws).where('id', '=', id).execute();
}

/** The earliest due time of a scheduled connection: now minus it is how late the scheduler runs. */
export async function oldestDue(db: Store): Promise<Date | null> {
  const r = await db
    .selectFrom('connections')
    .select((eb) => eb.fn.min('next_sync_at').as('t'))
    .where('status', 'in', [...SCHEDULED_STATUSES])
    .executeTakeFirst();
  return r?.t ? new Date(r.t) : null;
}

export async function connectionsByStatus(db: Store): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('connections')
    .select(['status', (eb) => eb.fn.countAll<string | number>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
