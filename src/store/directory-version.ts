// A cheap fingerprint of a workspace's directory, so a worker can keep the directory index
// between syncs and reload it only when it changed. End users and the blocklist change only
// through app/directory-changes.ts and the CSV import, which write an audit entry in the same
// transaction: the newest audit id moves with them. Teammates are added, never edited: their
// address count moves with them. Internal domains are on the workspace row, reread per job.
import { type RawBuilder, sql } from 'kysely';
import type { DirectoryIndex } from '../directory/index.js';
import { loadDirectoryIndex, type Ctx } from './context.js';
import type { Store } from './db.js';

/** The version's two parts as columns of a statement about `ws` (a value or a column's SQL): audit, addresses. */
export function directoryVersionColumns(ws: RawBuilder<unknown>) {
  return [
    sql<number | string | null>`(select max(id) from audit_log where workspace_id = ${ws})`.as('dir_audit'),
    sql<number | string>`(select count(*) from teammate_addresses where workspace_id = ${ws})`.as('dir_addresses'),
  ] as const;
}

/** The version those columns give. */
export function directoryVersionOf(row: { dir_audit: number | string | null; dir_addresses: number | string }): string {
  return `${row.dir_audit ?? 0}/${row.dir_addresses ?? 0}`;
}

export async function directoryVersion(db: Store, ws: string): Promise<string> {
  const row = await db.selectNoFrom(directoryVersionColumns(sql`${ws}`)).executeTakeFirstOrThrow();
  return directoryVersionOf(row);
}

/**
 * The directory index of the last few workspaces used, reused while their directory is
 * unchanged: loading 10,000 end users took longer than syncing a mailbox's new mail (the sync
 * job) or answering a find (the troubleshooter). The version is read with the caller's `ctx.db`,
 * which may be a transaction: on SQLite (one connection) a read through any other handle would
 * wait for ever for the transaction that waits for it (a deferred re-read decides inside its page's).
 *
 * Callers that come while a load of the same version is under way share it: a worker at
 * concurrency 8 starting on 8 connections of one workspace loaded the directory 8 times at once
 * (bench:workers), all but one wasted. A caller inside a transaction never waits for another's
 * load (on SQLite that load may be queued behind the very transaction), it loads on its own, as
 * before; a load that fails is forgotten, so the next caller tries again.
 */
export function directoryCache(size: number): (ctx: Ctx, known?: string) => Promise<DirectoryIndex> {
  const cache = new Map<string, Entry>();
  // `known`: the directory version the caller read with another statement (directoryVersionColumns).
  return async (ctx, known) => {
    const version = `${known ?? (await directoryVersion(ctx.db, ctx.ws.id))}|${ctx.ws.internalDomains.join(',')}`;
    const hit = cache.get(ctx.ws.id);
    cache.delete(ctx.ws.id); // re-inserted below: Map order is the LRU order
    const reuse = hit?.version === version && (hit.loaded || !ctx.db.isTransaction);
    const entry = reuse ? hit : load(ctx, version);
    cache.set(ctx.ws.id, entry);
    if (cache.size > size) cache.delete(cache.keys().next().value!);
    return entry.dir.catch((err: unknown) => {
      if (cache.get(ctx.ws.id) === entry) cache.delete(ctx.ws.id);
      throw err;
    });
  };
}

interface Entry {
  version: string;
  dir: Promise<DirectoryIndex>;
  /** The load has finished: any caller may take it. */
  loaded: boolean;
}

function load(ctx: Ctx, version: string): Entry {
  const entry: Entry = { version, dir: loadDirectoryIndex(ctx), loaded: false };
  entry.dir.then(
    () => {
      entry.loaded = true;
    },
    () => undefined, // the caller's catch forgets it
  );
  return entry;
}
