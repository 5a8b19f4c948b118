// `touchpoint watch`: the long-running sync. Push where the connector has it (IMAP IDLE on
// INBOX), and a poll of every connection at the workspace's sync interval for the rest
// (Sent, other folders, calendars, providers without push) — rule E7 (on time).
//
// Syncs run one at a time (one SQLite writer); requests that arrive during a sync are
// merged into the next one, so a burst of new mail costs one or two syncs, not one each.
import { sleep } from '../providers/imap/backoff.js';
import { keepSourcesOpen, mailSourceFor } from '../providers/registry.js';
import { type PushChange, SourceError } from '../providers/types.js';
import { listConnections, type ConnectionRecord } from '../store/connections.js';
import { sql } from 'kysely';
import type { DirectoryIndex } from '../directory/index.js';
import { connectorDeps, loadDirectoryIndex, type Ctx } from '../store/context.js';
import { syncAll, type SyncReport } from './run-sync.js';

export type WatchEvent =
  | { event: 'watching'; connectionId: string; teammate: string; push: boolean }
  | { event: 'push'; connectionId: string; state: 'idle' | 'reconnecting' | 'stopped'; detail?: string }
  /** The server announced new mail (or a session came back): a sync is requested now. */
  | { event: 'announced'; connectionId: string; why: PushChange }
  | { event: 'synced'; trigger: 'start' | 'push' | 'poll'; reports: SyncReport[]; ms: number }
  | { event: 'error'; message: string }
  | { event: 'stopped' };

export interface WatchDeps {
  /** A context with the clock read now (or the fixed --now) and the current workspace row. */
  ctx: () => Promise<Ctx>;
  connectionId?: string;
  signal: AbortSignal;
  log: (e: WatchEvent) => void;
  /** Overrides the workspace's sync interval (tests). */
  pollMs?: number;
}

const ALL = '*';
type Trigger = 'start' | 'push' | 'poll';

/**
 * The directory snapshot, kept between syncs: loading 100k end users for every pushed
 * message would be most of the push latency. Our own syncs never change the directory, so
 * it is reloaded only when another connection (a CLI command, the API) committed to the
 * database since — SQLite's data_version changes exactly then.
 */
function cachedDirectory(): (ctx: Ctx) => Promise<DirectoryIndex> {
  let cached: { version: number; wsId: string; dir: DirectoryIndex } | null = null;
  return async (ctx) => {
    const version = await dataVersion(ctx);
    if (cached && version !== null && cached.version === version && cached.wsId === ctx.ws.id) return cached.dir;
    const dir = await loadDirectoryIndex(ctx);
    cached = version === null ? null : { version, wsId: ctx.ws.id, dir };
    return dir;
  };
}

async function dataVersion(ctx: Ctx): Promise<number | null> {
  try {
    const r = await sql<{ data_version: number }>`PRAGMA data_version`.execute(ctx.db);
    return r.rows[0]?.data_version ?? null;
  } catch {
    return null; // not SQLite: load every time
  }
}

export async function runWatch(d: WatchDeps): Promise<void> {
  const directory = cachedDirectory();
  const pending = new Map<string, Trigger>();
  let draining: Promise<void> | null = null;

  const drain = async () => {
    while (pending.size && !d.signal.aborted) {
      const [id, trigger] = pending.entries().next().value as [string, Trigger];
      // One "all" sync covers every single-connection request queued meanwhile.
      if (id === ALL) pending.clear();
      else pending.delete(id);
      const t0 = Date.now();
      try {
        const ctx = await d.ctx();
        // A pushed sync's new mail first: the re-reads a directory change left waiting go with the polls.
        const reports = await syncAll(ctx, id === ALL ? d.connectionId : id, { directory, rereads: trigger !== 'push' });
        d.log({ event: 'synced', trigger, reports, ms: Date.now() - t0 });
      } catch (err) {
        d.log({ event: 'error', message: (err as Error).message });
      }
    }
  };
  const request = (id: string, trigger: Trigger) => {
    if (!pending.has(id) && !pending.has(ALL)) pending.set(id, trigger);
    draining ??= drain().finally(() => (draining = null));
  };

  const watchers = new Map<string, Promise<void>>();
  const startWatchers = async (): Promise<number> => {
    const ctx = await d.ctx();
    const conns = (await listConnections(ctx.db, ctx.ws.id)).filter((c) => !d.connectionId || c.id === d.connectionId);
    for (const c of conns) if (c.hasMail && c.status === 'active' && !watchers.has(c.id)) await startWatcher(c, ctx);
    return d.pollMs ?? ctx.ws.syncIntervalMinutes * 60_000;
  };
  const startWatcher = async (c: ConnectionRecord, ctx: Ctx) => {
    const teammate = c.ownerAddresses[0] ?? c.teammateId;
    const source = await mailSourceFor({ ...c, ...connectorDeps(ctx) }).catch((err: Error) => {
      d.log({ event: 'error', message: `${teammate}: ${err.message}` });
      return null;
    });
    d.log({ event: 'watching', connectionId: c.id, teammate, push: !!source?.watch });
    if (!source?.watch) return;
    const onState = (state: 'idle' | 'reconnecting', detail?: string) =>
      d.log({ event: 'push', connectionId: c.id, state, ...(detail ? { detail } : {}) });
    const w = source
      .watch(
        (why) => {
          d.log({ event: 'announced', connectionId: c.id, why });
          request(c.id, 'push');
        },
        d.signal,
        onState,
      )
      .catch((err: unknown) => {
        d.log({ event: 'push', connectionId: c.id, state: 'stopped', detail: (err as Error).message });
        // A sync records the refusal as "needs re-authorization"; once re-authorized, the
        // next poll starts watching again.
        if (err instanceof SourceError && err.code === 'AUTH_FAILED') request(c.id, 'push');
      })
      .finally(() => watchers.delete(c.id));
    watchers.set(c.id, w);
  };

  await keepSourcesOpen(true);
  request(ALL, 'start');
  while (!d.signal.aborted) {
    let pollMs = 5 * 60_000;
    try {
      pollMs = await startWatchers();
    } catch (err) {
      d.log({ event: 'error', message: (err as Error).message });
    }
    const aborted = await sleep(pollMs, d.signal).then(
      () => false,
      () => true,
    );
    if (!aborted) request(ALL, 'poll');
  }
  await Promise.allSettled([...watchers.values()]);
  await draining;
  await keepSourcesOpen(false);
  d.log({ event: 'stopped' });
}
