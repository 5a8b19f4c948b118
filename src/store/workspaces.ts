// Workspace rows: settings and the per-workspace hashing key.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Workspace } from '../domain/directory.js';
import type { Store } from './db.js';
import type { WorkspacesTable } from './schema.js';

export interface WorkspaceRecord extends Workspace {
  hashKey: Buffer;
}

function fromRow(r: WorkspacesTable): WorkspaceRecord {
  return {
    id: r.id,
    slug: r.slug,
    internalDomains: JSON.parse(r.internal_domains) as string[],
    syncIntervalMinutes: r.sync_interval_minutes,
    hashKey: Buffer.from(r.hash_key, 'base64'),
  };
}

export async function createWorkspace(db: Store, slug: string, internalDomains: string[], now: Date): Promise<WorkspaceRecord> {
  const row: WorkspacesTable = {
    id: randomUUID(),
    slug,
    internal_domains: JSON.stringify(internalDomains),
    sync_interval_minutes: 5,
    hash_key: randomBytes(32).toString('base64'),
    created_at: now.toISOString(),
  };
  await db.insertInto('workspaces').values(row).execute();
  return fromRow(row);
}

export async function findWorkspace(db: Store, slug?: string): Promise<WorkspaceRecord | undefined> {
  let q = db.selectFrom('workspaces').selectAll().orderBy('created_at');
  if (slug) q = q.where('slug', '=', slug);
  const row = await q.executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function listWorkspaces(db: Store): Promise<WorkspaceRecord[]> {
  return (await db.selectFrom('workspaces').selectAll().orderBy('created_at').execute()).map(fromRow);
}

export async function updateWorkspaceSettings(
  db: Store,
  id: string,
  patch: { internalDomains?: string[]; syncIntervalMinutes?: number },
): Promise<void> {
  const set: Partial<WorkspacesTable> = {};
  if (patch.internalDomains) set.internal_domains = JSON.stringify(patch.internalDomains);
  if (patch.syncIntervalMinutes !== undefined) set.sync_interval_minutes = patch.syncIntervalMinutes;
  if (Object.keys(set).length) await db.updateTable('workspaces').set(set).where('id', '=', id).execute();
}

export async function getWorkspace(db: Store, id: string): Promise<WorkspaceRecord | undefined> {
  const row = await db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}
