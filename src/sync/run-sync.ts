// The sync loop: fetch page → decide → store → advance cursor (only after the store commits),
// for a connection's mailbox and calendar. Errors are translated once here into a status.
import { calendarSourceFor, mailSourceFor, maintainPush } from '../providers/registry.js';
import type { CalendarSource, ConnectionConfig, ItemError, MailPage, MailSource } from '../providers/types.js';
import type { DirectoryIndex } from '../directory/index.js';
import {
  clearItemError,
  clearItemErrors,
  getConnection,
  getCursor,
  listConnections,
  recordItemError,
  saveCursor,
  updateConnection,
  type ConnectionRecord,
} from '../store/connections.js';
import { foldersToRescan, markRescanned, saveFolderCounts } from '../store/folder-counts.js';
import { retryOnConflict } from '../store/conflicts.js';
import { upcomingStartedBy } from '../store/meetings.js';
import {
  deleteCalendarObjectAndMeetings,
  deleteSeriesObjects,
  extendSeries,
  ingestCalendarObjects,
  storeMeeting,
  type CalendarIngestResult,
} from './calendar-ingest.js';
import { connectorDeps, loadDirectoryIndex, type Ctx } from '../store/context.js';
import { planMailPage, writeMailPage, type MailPagePlan } from './email-ingest.js';
import { planAhead } from './mail-pipeline.js';
import { pageTurns, type SyncTurn } from './page-turns.js';
import { describeSyncError, storeFailureWords } from './errors.js';
import { StoreError } from '../store/db.js';
import type { Clock } from '../domain/clock.js';
import type { SyncProgress } from '../domain/connection.js';
import { giveUpStale, type RereadReport, rereadDeferred } from './deferred-redecide.js';
import { hasDeferred } from '../store/deferred-redecisions.js';

export interface SyncReport {
  connectionId: string;
  teammate: string;
  status: string;
  mail: { seen: number; linked: number; notLinked: number };
  calendar: { linked: number; notLinked: number; upcoming: number };
  errors: ItemError[];
  failure?: string;
  /** Emails a directory change left waiting that this sync re-read (sync/deferred-redecide.ts); absent when none waited. */
  reread?: RereadReport;
}

/** Where the sync loop gets its connectors: providers/registry.ts, or a test's fakes. */
export interface SourceFactory {
  mail(c: ConnectionConfig): Promise<MailSource | null>;
  calendar(c: ConnectionConfig): Promise<CalendarSource | null>;
  maintainPush(c: ConnectionConfig, now: Date): Promise<Record<string, unknown> | null>;
}

const REGISTRY: SourceFactory = { mail: mailSourceFor, calendar: calendarSourceFor, maintainPush };

/** Thrown between pages when the caller aborted: what was committed stays, the rest waits for the next sync. */
class SyncCancelled extends Error {}

export interface SyncOptions {
  /** The connectors (default: providers/registry.ts). */
  sources?: SourceFactory;
  /**
   * Stops the sync between pages (shutdown, Disconnect): the page being stored commits, its
   * cursor with it, and the next sync resumes there.
   */
  signal?: AbortSignal;
  /** After each page that says how far it is: the numbers stored on the connection, with the stream's start. */
  onProgress?: (p: SyncProgress & { connectionId: string; stream: 'mail' | 'calendar'; startedAt: string }) => void;
  /**
   * The clock a stream's start is read from for its progress (the time left is estimated from
   * it): a running one (the service's, the CLI's). Default: the sync's fixed `now`.
   */
  clock?: Clock;
  /** The directory snapshot to decide with, when the caller keeps one (watch); else loaded now. */
  directory?: (ctx: Ctx) => Promise<DirectoryIndex>;
  /**
   * false: no re-read of the emails a directory change left waiting (sync/deferred-redecide.ts),
   * for a sync a push started: its new mail is not held up by them; the next polled sync does them.
   */
  rereads?: boolean;
}

/** Sync every connection of the workspace (or one), one after the other. */
export async function syncAll(ctx: Ctx, only?: string, opts: SyncOptions = {}): Promise<SyncReport[]> {
  const conns = await listConnections(ctx.db, ctx.ws.id);
  const byId = new Map(conns.map((c) => [c.id, c]));
  const dir = opts.directory ? await opts.directory(ctx) : await loadDirectoryIndex(ctx);
  const targets = only ? conns.filter((c) => c.id === only) : conns;
  // One look at the queue per sync, nearly always empty: nothing more is asked of it then.
  const rereads = opts.rereads !== false && (await hasDeferred(ctx.db, ctx.ws.id));
  const reports: SyncReport[] = [];
  for (const c of targets) {
    if (opts.signal?.aborted) break;
    reports.push(await syncConnection(ctx, dir, c, byId, { ...opts, rereads }));
  }
  // Upcoming meetings whose start has passed are logged now (M3), whichever calendar had them.
  await logStartedMeetings(ctx, dir, byId);
  // Emails a directory change left waiting too long are given up, whichever connection had them.
  if (rereads) await giveUpStale(ctx);
  return reports;
}

export async function syncConnection(
  ctx: Ctx,
  dir: DirectoryIndex,
  conn: ConnectionRecord,
  conns: Map<string, ConnectionRecord>,
  opts: SyncOptions = {},
): Promise<SyncReport> {
  // Short syncs (a push, a poll with little news) go ahead of this one's later pages (page-turns.ts).
  const turn = pageTurns.begin();
  try {
    return await syncConnectionInTurn(ctx, dir, conn, conns, opts, turn);
  } finally {
    turn.end();
  }
}

async function syncConnectionInTurn(
  ctx: Ctx,
  dir: DirectoryIndex,
  conn: ConnectionRecord,
  conns: Map<string, ConnectionRecord>,
  opts: SyncOptions,
  turn: SyncTurn,
): Promise<SyncReport> {
  const report: SyncReport = {
    connectionId: conn.id,
    teammate: conn.ownerAddresses[0] ?? conn.teammateId,
    status: conn.status,
    mail: { seen: 0, linked: 0, notLinked: 0 },
    calendar: { linked: 0, notLinked: 0, upcoming: 0 },
    errors: [],
  };
  if (conn.status === 'needs_reauth' || conn.status === 'disconnected') {
    report.failure = `not synced: the connection ${conn.status === 'needs_reauth' ? 'needs re-authorization' : 'is disconnected'}`;
    return report;
  }
  const next = new Date(ctx.now.getTime() + ctx.ws.syncIntervalMinutes * 60_000);
  try {
    await syncMail(ctx, dir, conn, conns, report, opts, turn);
    await syncCalendar(ctx, dir, conn, conns, report, opts, turn);
    await updateConnection(
      ctx.db,
      ctx.ws.id,
      conn.id,
      {
        status: 'active',
        statusReason: null,
        lastSyncAt: ctx.now,
        lastSuccessAt: ctx.now,
        nextSyncAt: next,
        lastError: null,
        progress: null,
      },
      { unlessDisconnected: true },
    ); // Disconnect pressed while this sync ran: it stays disconnected
    report.status = 'active';
    await keepPushAlive(ctx, conn, opts.sources ?? REGISTRY);
    if (opts.rereads !== false && !opts.signal?.aborted) await rereadAfterSync(ctx, conn, report, opts);
  } catch (err) {
    if (err instanceof SyncCancelled) {
      // Not a failure of the connection: its status stays, and the next sync resumes from the saved cursor.
      report.failure = 'cancelled: stopped after the last stored page; the next sync resumes from there';
      // No sync runs any more: the web app must not show a bar that never moves.
      await updateConnection(ctx.db, ctx.ws.id, conn.id, { progress: null }).catch(() => undefined);
      return report;
    }
    const storeWords = storeFailureWords(err);
    if (storeWords) {
      // Recorded if the store still answers (a dropped connection is replaced by the pool);
      // then the whole sync stops: every other connection would fail the same way.
      await updateConnection(ctx.db, ctx.ws.id, conn.id, { lastSyncAt: ctx.now, nextSyncAt: next, lastError: storeWords }).catch(
        () => undefined,
      );
      throw new StoreError(storeWords);
    }
    const { status, words } = describeSyncError(err);
    await updateConnection(
      ctx.db,
      ctx.ws.id,
      conn.id,
      { status, statusReason: words, lastSyncAt: ctx.now, nextSyncAt: next, lastError: words, progress: null },
      { unlessDisconnected: true },
    );
    report.status = status;
    report.failure = words;
    // The one place a connection goes to needs_reauth (it was not: see the top): its teammate is told, once per breakage.
    if (status === 'needs_reauth') await ctx.onNeedsReauth?.(conn, words).catch(() => undefined);
  }
  return report;
}

/** Where a failed re-read of waiting emails is shown in the connection's item errors. */
const REREAD_REF = 'directory change re-reads';

/**
 * The provider answered this connection again: what a directory change could not re-read from
 * it, and is due, is re-read now (a page), with the directory as it is now. A failure here never fails the sync (its
 * mail is stored); it shows in the connection's errors, and the emails wait for the next one.
 */
async function rereadAfterSync(ctx: Ctx, conn: ConnectionRecord, report: SyncReport, opts: SyncOptions): Promise<void> {
  try {
    const reread = await rereadDeferred(ctx, conn.id, opts.directory ?? loadDirectoryIndex);
    if (!reread) return; // none due: an earlier failure's words stay until a re-read runs
    report.reread = reread;
    await clearItemError(ctx.db, conn.id, REREAD_REF);
  } catch (err) {
    if (storeFailureWords(err)) throw err;
    const words = `could not re-read the emails a directory change left waiting (they wait for the next sync): ${describeSyncError(err).words}`;
    await recordItemError(ctx.db, ctx.ws.id, conn.id, REREAD_REF, words, ctx.now);
  }
}

/** Where a push problem is shown in the connection's item errors. */
const PUSH_REF = 'push notifications';

/**
 * After a successful sync: create or renew the provider's push channel. A failure here
 * never fails the sync (polling goes on); it shows in the connection's errors until fixed.
 */
async function keepPushAlive(ctx: Ctx, startedWith: ConnectionRecord, sources: SourceFactory): Promise<void> {
  try {
    // The config as it is now, not as this sync started: a lifecycle notification that came
    // meanwhile (Graph subscriptionRemoved mid-sync) flagged its subscription there, and
    // upkeep from the older copy would miss the flag and then save over it.
    const conn = (await getConnection(ctx.db, ctx.ws.id, startedWith.id)) ?? startedWith;
    if (conn.status === 'disconnected') return; // Disconnect ended push while this sync ran
    const config = await sources.maintainPush({ ...conn, ...connectorDeps(ctx), saveSecret: rotatedSecretSaver(ctx, conn) }, ctx.now);
    if (config) await updateConnection(ctx.db, ctx.ws.id, conn.id, { config });
    await clearItemError(ctx.db, conn.id, PUSH_REF);
  } catch (err) {
    const { words } = describeSyncError(err);
    await recordItemError(
      ctx.db,
      ctx.ws.id,
      startedWith.id,
      PUSH_REF,
      `could not set up push (new items arrive by the regular sync instead): ${words}`,
      ctx.now,
    );
  }
}

/** A rotated OAuth refresh token is saved at once, outside the page transaction. */
function rotatedSecretSaver(ctx: Ctx, conn: ConnectionRecord): (secretEnc: string) => Promise<void> {
  // Never after Disconnect: it deleted the credentials on purpose.
  return (secretEnc) => updateConnection(ctx.db, ctx.ws.id, conn.id, { secretEnc }, { unlessDisconnected: true });
}

async function recordErrors(ctx: Ctx, conn: ConnectionRecord, errors: ItemError[], report: SyncReport): Promise<void> {
  for (const e of errors) await recordItemError(ctx.db, ctx.ws.id, conn.id, e.where, e.reason, ctx.now);
  report.errors.push(...errors);
}

async function syncMail(
  ctx: Ctx,
  dir: DirectoryIndex,
  conn: ConnectionRecord,
  conns: Map<string, ConnectionRecord>,
  report: SyncReport,
  opts: SyncOptions,
  turn: SyncTurn,
): Promise<void> {
  if (!conn.hasMail) return;
  const source = await (opts.sources ?? REGISTRY).mail({
    ...conn,
    ...connectorDeps(ctx),
    saveSecret: rotatedSecretSaver(ctx, conn),
    now: ctx.now,
  });
  if (!source) return;
  let cursor = await getCursor(ctx.db, conn.id, 'mail');
  if (cursor === null) turn.initial(); // long from the start (page-turns.ts)
  // A folder that fell short at the last count is re-read from its window's start (capped).
  const short = source.rescan ? await foldersToRescan(ctx.db, ctx.ws.id, conn.id) : [];
  if (short.length && source.rescan) {
    cursor = source.rescan(cursor, short);
    await markRescanned(ctx.db, ctx.ws.id, conn.id, short);
  }
  let counts: MailPage['folderCounts'];
  const startedAt = (opts.clock?.now() ?? ctx.now).toISOString();
  const fetchBody = source.fetchBody?.bind(source);
  // Between slices of a plan, a long sync lets short ones (a push) go first (page-turns.ts).
  const plan = (sightings: MailPage['sightings']) => planMailPage(ctx, dir, conn, conns, sightings, fetchBody, turn.pause);
  // Page N+1 is fetched and planned (decided, its linked bodies read) while page N is written:
  // most of a plan is waiting for the server, most of a write is the store. One page ahead
  // only, so memory stays bounded (mail-pipeline.ts).
  // A page is stored unless the sync was cancelled before it came or before the page ahead of
  // it was stored (when, run in turn, it would have been asked for).
  let cancelledAfterWrite = false;
  for await (const { page, plan: planned } of planAhead(source.changes(cursor), plan, turn, opts.signal)) {
    if (!planned || cancelledAfterWrite) throw new SyncCancelled();
    const items = page.sightings.length;
    await turn.beforePage(items);
    if (page.folderCounts) counts = page.folderCounts;
    // The page's items, its errors and its cursor commit together: a crash re-reads at most this
    // page. A page that lost a write race with another worker's sync runs again (store/conflicts.ts),
    // planned afresh.
    let first: MailPagePlan | null = planned;
    await retryOnConflict(async () => {
      // Decided, and linked mail's bodies read, before the transaction: it holds SQLite's one connection.
      const p = first ?? (await plan(page.sightings));
      first = null;
      await turn.beforeWrite(items);
      await ctx.db.transaction().execute(async (trx) => {
        const tctx = { ...ctx, db: trx };
        const r = await writeMailPage(tctx, dir, conn, conns, p, fetchBody);
        await clearItemErrors(
          trx,
          conn.id,
          page.sightings.map((s) => s.ref),
        );
        await recordErrors(tctx, conn, page.errors, report);
        await saveCursor(trx, conn.id, 'mail', page.cursor, ctx.now);
        report.mail.seen += page.sightings.length;
        report.mail.linked += r.linked;
        report.mail.notLinked += r.notLinked;
      });
    });
    if (page.progress) await reportProgress(ctx, conn, opts, { ...page.progress, stream: 'mail', startedAt });
    cancelledAfterWrite = !!opts.signal?.aborted;
  }
  // Compared once every page is stored, so "seen" includes this sync's mail.
  if (counts) await saveFolderCounts(ctx.db, ctx.ws.id, conn.id, counts, ctx.now);
}

async function syncCalendar(
  ctx: Ctx,
  dir: DirectoryIndex,
  conn: ConnectionRecord,
  conns: Map<string, ConnectionRecord>,
  report: SyncReport,
  opts: SyncOptions,
  turn: SyncTurn,
): Promise<void> {
  if (!conn.hasCalendar) return;
  const source = await (opts.sources ?? REGISTRY).calendar({
    ...conn,
    ...connectorDeps(ctx),
    saveSecret: rotatedSecretSaver(ctx, conn),
    now: ctx.now,
  });
  if (!source) return;
  const cursor = await getCursor(ctx.db, conn.id, 'calendar');
  if (cursor === null) turn.initial(); // long from the start (page-turns.ts)
  const tally: CalendarIngestResult = { linked: 0, notLinked: 0, upcoming: 0, errors: [] };
  const startedAt = (opts.clock?.now() ?? ctx.now).toISOString();
  for await (const page of source.changes(cursor)) {
    if (opts.signal?.aborted) throw new SyncCancelled();
    const items = page.upserts.length + page.deletes.length + (page.deletedSeries?.length ?? 0);
    turn.pageArrived(items);
    await turn.beforePage(items);
    await retryOnConflict(() =>
      ctx.db.transaction().execute(async (trx) => {
        const tctx = { ...ctx, db: trx };
        // The whole page at once: a few statements, not several per object (calendar-ingest.ts).
        await clearItemErrors(
          trx,
          conn.id,
          page.upserts.map((o) => o.ref),
        );
        if (page.upserts.length) await ingestCalendarObjects(tctx, dir, conn, conns, page.upserts, tally);
        for (const ref of page.deletes) await deleteCalendarObjectAndMeetings(tctx, dir, conn, conns, ref, tally);
        for (const prefix of page.deletedSeries ?? []) await deleteSeriesObjects(tctx, dir, conn, conns, prefix, tally);
        await recordErrors(tctx, conn, [...page.errors, ...tally.errors.splice(0)], report);
        await saveCursor(trx, conn.id, 'calendar', page.cursor, ctx.now);
      }),
    );
    if (page.progress) await reportProgress(ctx, conn, opts, { ...page.progress, stream: 'calendar', startedAt });
  }
  await ctx.db.transaction().execute(async (trx) => extendSeries({ ...ctx, db: trx }, dir, conn, conns, tally));
  report.calendar.linked += tally.linked;
  report.calendar.notLinked += tally.notLinked;
  report.calendar.upcoming += tally.upcoming;
}

/** Kept on the connection for the status API and the web app (which estimate the time left from it), and told to the caller. */
async function reportProgress(
  ctx: Ctx,
  conn: ConnectionRecord,
  opts: SyncOptions,
  progress: SyncProgress & { stream: 'mail' | 'calendar'; startedAt: string },
): Promise<void> {
  await updateConnection(ctx.db, ctx.ws.id, conn.id, { progress });
  opts.onProgress?.({ connectionId: conn.id, ...progress });
}

async function logStartedMeetings(ctx: Ctx, dir: DirectoryIndex, conns: Map<string, ConnectionRecord>): Promise<void> {
  const due = await upcomingStartedBy(ctx.db, ctx.ws.id, ctx.now);
  await retryOnConflict(() =>
    ctx.db.transaction().execute(async (trx) => {
      for (const m of due) await storeMeeting({ ...ctx, db: trx }, dir, conns, m.occurrence, undefined, m);
    }),
  );
}
