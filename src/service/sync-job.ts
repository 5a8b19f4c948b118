// The sync job: reload the workspace and connection (jobs carry ids only), sync it, and set
// when it is next due, counted from the moment this sync started. One runs per connection
// at a time (the queue's per-key guarantee); a re-run after a crash is harmless because the
// store is idempotent (emails by Message-ID, sightings by their primary key, cursors saved
// with each page).
import type { Job } from '../queue/types.js';
import type { Store } from '../store/db.js';
import { getConnection } from '../store/connections.js';
import { setNextSyncAt } from '../store/schedule.js';
import { enqueueWebhookEvents } from '../store/webhooks.js';
import { getWorkspace } from '../store/workspaces.js';
import { directoryCache } from '../store/directory-version.js';
import type { ConnectorDeps, Ctx } from '../store/context.js';
import { syncAll, type SyncReport } from '../sync/run-sync.js';
import { runSourceSync } from '../app/source-sync.js';
import { getSource } from '../store/sources.js';
import type { Clock } from '../domain/clock.js';
import { alertNeedsReauth, type AlertSettings } from '../app/alerts.js';
import type { Logger } from './logger.js';
import type { ServiceMetrics } from './metrics.js';
import { DEFAULT_TIMING, nextDue, type SyncJobData, type Timing } from './scheduler.js';

export interface SyncJobDeps {
  db: Store;
  clock: Clock;
  timing?: Timing;
  random?: () => number;
  metrics?: ServiceMetrics;
  log?: Logger;
  /** Workspaces whose directory index is kept between jobs (default 4). */
  directoryCacheSize?: number;
  /** The process's key and provider settings (from its Config), for the connectors. */
  connectors?: ConnectorDeps;
  /** Alerts for a connection that needs re-authorization (app/alerts.ts); absent: none sent. */
  alerts?: AlertSettings;
  /** The sync itself (tests substitute a recorder). */
  sync?: (ctx: Ctx, connectionId: string, reason?: SyncJobData['reason']) => Promise<SyncReport[]>;
}

export function makeSyncJob(deps: SyncJobDeps): (job: Job<SyncJobData>) => Promise<void> {
  const directory = directoryCache(deps.directoryCacheSize ?? 4);
  // A pushed sync stores its new mail without the re-reads a directory change left waiting.
  const sync =
    deps.sync ??
    ((ctx: Ctx, id: string, reason?: SyncJobData['reason']) =>
      syncAll(ctx, id, { directory, clock: deps.clock, rereads: reason !== 'push' }));
  const random = deps.random ?? Math.random;
  return async (job) => {
    if (job.data.sourceId) return syncSourceJob(deps, job.data.workspaceId, job.data.sourceId, job.data.reason);
    const { workspaceId, connectionId, reason } = job.data;
    const ws = await getWorkspace(deps.db, workspaceId);
    const conn = ws ? await getConnection(deps.db, ws.id, connectionId) : undefined;
    if (!ws || !conn || conn.status === 'needs_reauth' || conn.status === 'disconnected') {
      deps.metrics?.syncFinished('skipped', 0);
      deps.log?.info({ connectionId, reason, status: conn?.status ?? 'gone' }, 'sync skipped');
      return;
    }
    const startedAt = deps.clock.now();
    deps.log?.info({ connectionId, workspaceId, reason, retry: job.retryCount }, 'sync started');
    const ctx: Ctx = {
      db: deps.db,
      ws,
      now: startedAt,
      actor: 'sync',
      ...(deps.metrics ? { onDecision: deps.metrics.decided } : {}),
      ...(deps.connectors ? { connectors: deps.connectors } : {}),
    };
    const alerts = deps.alerts;
    if (alerts)
      ctx.onNeedsReauth = (broken, words) =>
        alertNeedsReauth(ctx, alerts, broken, words).catch((err: unknown) =>
          deps.log?.error({ err, connectionId: broken.id }, 'could not record the re-authorization alert'),
        );
    const [report] = await sync(ctx, conn.id, reason);
    await setNextSyncAt(deps.db, ws.id, conn.id, nextDue(startedAt, ws.syncIntervalMinutes, deps.timing ?? DEFAULT_TIMING, random));
    const seconds = (deps.clock.now().getTime() - startedAt.getTime()) / 1000;
    const failed = !report || report.failure !== undefined;
    deps.metrics?.syncFinished(failed ? 'failure' : 'success', seconds, report?.status);
    deps.metrics?.itemErrors(report?.errors.length ?? 0);
    if (report?.status === 'needs_reauth') {
      await enqueueWebhookEvents(
        deps.db,
        ws.id,
        [
          {
            event: 'connection.needs_reauth',
            data: { connectionId: conn.id, teammate: report.teammate, provider: conn.provider, reason: report.failure ?? null },
          },
        ],
        startedAt,
      );
    }
    deps.log?.info(
      {
        connectionId,
        workspaceId,
        reason,
        retry: job.retryCount,
        seconds,
        status: report?.status,
        mail: report?.mail,
        calendar: report?.calendar,
        itemErrors: report?.errors.length ?? 0,
        failure: report?.failure,
      },
      'sync finished',
    );
  };
}

/** A directory source's sync: it writes its own health and next due time (source-sync.ts). */
async function syncSourceJob(deps: SyncJobDeps, workspaceId: string, sourceId: string, reason: string): Promise<void> {
  const ws = await getWorkspace(deps.db, workspaceId);
  const src = ws ? await getSource(deps.db, ws.id, sourceId) : undefined;
  if (!ws || !src || src.status === 'needs_reauth') {
    deps.log?.info({ sourceId, reason, status: src?.status ?? 'gone' }, 'source sync skipped');
    return;
  }
  const startedAt = deps.clock.now();
  const ctx: Ctx = { db: deps.db, ws, now: startedAt, actor: 'sync', ...(deps.connectors ? { connectors: deps.connectors } : {}) };
  const r = await runSourceSync(ctx, src.id);
  deps.log?.info(
    {
      sourceId,
      workspaceId,
      kind: src.kind,
      reason,
      status: r.status,
      counts: r.counts,
      pages: r.pages,
      problem: r.problem,
      seconds: (deps.clock.now().getTime() - startedAt.getTime()) / 1000,
    },
    'source sync finished',
  );
}
