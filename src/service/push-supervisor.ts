// Push in the service: one IMAP IDLE session per active IMAP connection (INBOX), and a
// "push" sync queued the moment the server announces new mail. Only `serve` runs it (one
// process holds the sessions; any worker runs the syncs). Every refreshMs it looks at the
// connections again: new or re-authorized ones start watching, broken, disconnected or
// deleted ones stop — a session is never left open for a connection nobody syncs.
//
// The IDLE watcher itself (providers/imap/idle-watcher.ts) reconnects with backoff after a
// lost connection and probes a silent one with NOOP; this counts which sessions are idling,
// so a dead one shows in touchpoint_push_sessions instead of going unnoticed.
import { mailSourceFor } from '../providers/registry.js';
import type { PushChange } from '../providers/types.js';
import type { JobQueue } from '../queue/types.js';
import { listConnections } from '../store/connections.js';
import type { ConnectorDeps } from '../store/context.js';
import type { Store } from '../store/db.js';
import { listWorkspaces } from '../store/workspaces.js';
import type { Logger } from './logger.js';
import { requestSync } from './scheduler.js';

export interface PushSupervisorDeps {
  db: Store;
  queue: JobQueue;
  connectors: ConnectorDeps;
  log?: Logger;
  /** How often the set of watched connections is brought up to date (default 30 s). */
  refreshMs?: number;
}

interface Watch {
  abort: AbortController;
  done: Promise<void>;
}

export class PushSupervisor {
  private readonly watches = new Map<string, Watch>();
  private readonly idling = new Set<string>();
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private stopped = false;

  constructor(private readonly deps: PushSupervisorDeps) {}

  /** Sessions idling now, and connections being watched (idling or reconnecting). */
  sessions(): { idle: number; watched: number } {
    return { idle: this.idling.size, watched: this.watches.size };
  }

  start(): void {
    const run = () => {
      if (this.refreshing || this.stopped) return;
      this.refreshing = this.refresh()
        .catch((err: unknown) => this.deps.log?.error({ err }, 'push: could not list the connections to watch'))
        .finally(() => (this.refreshing = undefined));
    };
    run();
    this.timer = setInterval(run, this.deps.refreshMs ?? 30_000);
  }

  /** Start watching new active IMAP connections; stop those that are not active any more. */
  async refresh(): Promise<void> {
    const wanted = new Map<string, { workspaceId: string; conn: Awaited<ReturnType<typeof listConnections>>[number] }>();
    for (const ws of await listWorkspaces(this.deps.db))
      for (const c of await listConnections(this.deps.db, ws.id))
        if (c.provider === 'imap' && c.hasMail && c.status === 'active') wanted.set(c.id, { workspaceId: ws.id, conn: c });
    for (const [id, w] of this.watches) if (!wanted.has(id)) w.abort.abort();
    for (const [id, { workspaceId, conn }] of wanted) {
      if (this.watches.has(id) || this.stopped) continue;
      const source = await mailSourceFor({ ...conn, ...this.deps.connectors }).catch(() => null);
      if (!source?.watch) continue;
      const abort = new AbortController();
      // New mail announced: its sync goes ahead of routine polls (scheduler.ts syncPriority).
      // A (re)connection's look for mail that came meanwhile is routine: after a mail server
      // restart all sessions reconnect at once, and those catch-ups must not delay real news.
      const onChange = (why: PushChange) => {
        void requestSync(this.deps.queue, workspaceId, id, why === 'new_mail' ? 'push' : 'schedule').catch((err: unknown) =>
          this.deps.log?.warn({ err, connectionId: id }, 'push: could not queue a sync'),
        );
      };
      const onState = (state: 'idle' | 'reconnecting', detail?: string) => {
        if (state === 'idle') this.idling.add(id);
        else {
          this.idling.delete(id);
          this.deps.log?.info({ connectionId: id, detail }, 'push: IDLE connection lost, reconnecting');
        }
      };
      const done = source
        .watch(onChange, abort.signal, onState)
        .catch((err: unknown) => {
          // Credentials refused: the next sync records needs_reauth (and alerts); a refresh after re-authorization watches again.
          this.deps.log?.warn({ connectionId: id, err: (err as Error).message }, 'push: stopped watching');
          onChange('reconnected');
        })
        .finally(() => {
          this.idling.delete(id);
          if (this.watches.get(id)?.abort === abort) this.watches.delete(id);
        });
      this.watches.set(id, { abort, done });
    }
  }

  /**
   * Close every session at once (aborting one drops its socket; one still logging in is
   * closed when its login ends) and wait at most timeoutMs: shutdown must not wait on a
   * mail server that stopped answering.
   */
  async stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.refreshing;
    const open = [...this.watches.values()];
    for (const w of open) w.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), opts.timeoutMs ?? 5_000)));
    const done = await Promise.race([Promise.allSettled(open.map((w) => w.done)), late]);
    clearTimeout(timer);
    if (done === 'late') this.deps.log?.warn({ open: this.watches.size }, 'push: IDLE sessions still closing at shutdown; not waiting');
  }
}
