// Completeness per mail folder (migration 008): what the server held since the scan window's
// start against what Touchpoint has seen there. "Seen" counts the connection's sightings in
// the folder plus the tombstones of sightings the retention purge removed there (a purged
// item was seen: it must not look like a shortfall and be read again).
import { sql } from 'kysely';
import type { Store } from './db.js';
import { containsText } from './like.js';
import type { FolderCountsTable } from './schema.js';

/** Re-scans a folder's shortfall gets before it is only reported: each re-reads the folder's window. */
export const MAX_FOLDER_RESCANS = 2;

export interface FolderCount {
  folder: string;
  since: Date;
  atServer: number;
  seen: number;
  rescans: number;
  countedAt: Date;
}

export async function countSeen(db: Store, ws: string, connectionId: string, folder: string): Promise<number> {
  const s = await db
    .selectFrom('email_sightings')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('workspace_id', '=', ws)
    .where('connection_id', '=', connectionId)
    .where('folder', '=', folder)
    .executeTakeFirst();
  // seen_in is JSON.stringify([{ connectionId, folder }]) (store/tombstones.ts): key order is fixed.
  const t = await db
    .selectFrom('tombstones')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('workspace_id', '=', ws)
    .where('kind', '=', 'email')
    .where(containsText('seen_in', JSON.stringify({ connectionId, folder })))
    .executeTakeFirst();
  return Number(s?.n ?? 0) + Number(t?.n ?? 0);
}

export async function listFolderCounts(db: Store, ws: string, connectionId: string): Promise<FolderCount[]> {
  const rows = await db
    .selectFrom('folder_counts')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('connection_id', '=', connectionId)
    .orderBy('folder')
    .execute();
  return rows.map((r) => ({
    folder: r.folder,
    since: new Date(r.since),
    atServer: Number(r.at_server),
    seen: Number(r.seen),
    rescans: Number(r.rescans),
    countedAt: new Date(r.counted_at),
  }));
}

/**
 * Replaces the connection's counts with those of this sync's folders (a folder no longer
 * synced drops out). The re-scan counter survives while the folder stays short and starts
 * again at 0 once it closes.
 */
export async function saveFolderCounts(
  db: Store,
  ws: string,
  connectionId: string,
  counts: { folder: string; since: Date; atServer: number }[],
  now: Date,
): Promise<void> {
  const before = new Map((await listFolderCounts(db, ws, connectionId)).map((c) => [c.folder, c]));
  const rows: FolderCountsTable[] = [];
  for (const c of counts) {
    const seen = await countSeen(db, ws, connectionId, c.folder);
    const short = seen < c.atServer;
    rows.push({
      workspace_id: ws,
      connection_id: connectionId,
      folder: c.folder,
      since: c.since.toISOString(),
      at_server: c.atServer,
      seen,
      rescans: short ? (before.get(c.folder)?.rescans ?? 0) : 0,
      counted_at: now.toISOString(),
    });
  }
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('folder_counts').where('workspace_id', '=', ws).where('connection_id', '=', connectionId).execute();
    if (rows.length) await trx.insertInto('folder_counts').values(rows).execute();
  });
}

/**
 * Folders whose last count fell short and that have had fewer than `cap` re-scans. A shortfall
 * no larger than the connection's unreadable items (status lists them) is explained by them:
 * reading the folder again would not change it.
 */
export async function foldersToRescan(db: Store, ws: string, connectionId: string, cap = MAX_FOLDER_RESCANS): Promise<string[]> {
  const e = await db
    .selectFrom('item_errors')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('workspace_id', '=', ws)
    .where('connection_id', '=', connectionId)
    .executeTakeFirst();
  const unreadable = Number(e?.n ?? 0);
  return (await listFolderCounts(db, ws, connectionId))
    .filter((c) => c.atServer - c.seen > unreadable && c.rescans < cap)
    .map((c) => c.folder);
}

export async function markRescanned(db: Store, ws: string, connectionId: string, folders: string[]): Promise<void> {
  if (!folders.length) return;
  await db
    .updateTable('folder_counts')
    .set({ rescans: sql<number>`rescans + 1` })
    .where('workspace_id', '=', ws)
    .where('connection_id', '=', connectionId)
    .where('folder', 'in', folders)
    .execute();
}
