// A cheap fingerprint of a workspace's directory, so a worker can keep the directory index
// between syncs and reload it only when it changed. End users and the blocklist change only
// through app/directory-changes.ts and the CSV import, which write an audit entry in the same
// transaction: the newest audit id moves with them. Teammates are added, never edited: their
// address count moves with them. Internal domains are on the workspace row, reread per job.
import { sql } from 'kysely';
import type { DirectoryIndex } from '../directory/index.js';
import { loadDirectoryIndex, type Ctx } from './context.js';
import type { Store } from './db.js';

export async function directoryVersion(db: Store, ws: string): Promise<string> {
  const r = await sql<{ audit: number | string | null; addresses: number | string }>`
    select (select max(id) from audit_log where workspace_id = ${ws}) as audit,
           (select count(*) from teammate_addresses where workspace_id = ${ws}) as addresses`.execute(db);
  const row = r.rows[0];
  return `${row?.audit ?? 0}/${row?.addresses ?? 0}`;
}

/**
 * The directory index of the last few workspaces used, reused while their directory is
 * unchanged (read from `db`, else each call's own store): loading 10,000 end users took longer than syncing a mailbox's new mail (the sync
 * job) or answering a find (the troubleshooter).
 */
export function directoryCache(size: number, db?: Store): (ctx: Ctx) => Promise<DirectoryIndex> {
  const cache = new Map<string, { version: string; dir: DirectoryIndex }>();
  return async (ctx) => {
    const version = `${await directoryVersion(db ?? ctx.db, ctx.ws.id)}|${ctx.ws.internalDomains.join(',')}`;
    const hit = cache.get(ctx.ws.id);
    cache.delete(ctx.ws.id); // re-inserted below: Map order is the LRU order
    const dir = hit?.version === version ? hit.dir : await loadDirectoryIndex(ctx);
    cache.set(ctx.ws.id, { version, dir });
    if (cache.size > size) cache.delete(cache.keys().next().value!);
    return dir;
  };
}
