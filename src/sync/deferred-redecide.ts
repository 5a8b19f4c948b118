// Deferred re-decisions: the emails a directory change could not re-read because a copy was
// refused for a reason that passes (store/deferred-redecisions.ts) are re-read after one of
// their connections syncs — the provider answered that connection again — once their wait is
// over (waitAfter), a page per sync, and decided with the directory as it is then, by the
// change's own path (readRedecisionPage, writeRedecisionPage). Read: re-decided and out of the
// queue. Gone: out, counted unavailable. Refused again (or not linked on the copies read while
// one was refused): one more attempt, until the bound (DEFERRED_LIMITS), then given up and
// audited as unavailable. One whose every copy is in a disconnected or removed connection is
// given up at once, when that connection is disconnected (giveUpUnreadable).
import type { DirectoryIndex } from '../directory/index.js';
import { recordAudit } from '../store/audit.js';
import { listConnections } from '../store/connections.js';
import type { Ctx } from '../store/context.js';
import {
  clearDeferred,
  deferRedecisions,
  deferredDue,
  deferredSince,
  deferredWithoutCopies,
  type DeferredRedecision,
} from '../store/deferred-redecisions.js';
import type { EmailSightingRow } from '../store/emails.js';
import { leanEmailsByIds, leanSightingsOf } from '../store/redecide-reads.js';
import { redecidedWriter, redecideSizes } from '../store/redecide-writes.js';
import {
  countDeferred,
  emptyReport,
  readRedecisionPage,
  type RedecideReport,
  type RedecisionPage,
  writeRedecisionPage,
} from './redecide.js';
import { wantsLinkEvents } from './redecide-emails.js';

/**
 * When a waiting email is given up: its read refused this many times (the change's own read
 * counts), or first refused this long ago. Between attempts an email waits `firstWaitMs`,
 * doubled at each refusal up to `maxWaitMs` (1, 2, 4 … 32 minutes, then hourly), however often
 * its connections sync: 24 attempts take at least 18 hours (63 minutes, then 17 hourly waits), so a
 * mailbox pushed every minute does not spend them in half an hour. A connection that does not
 * sync (credentials to renew) is not retried at all, so the age is what ends its wait.
 * Mutable only for tests.
 */
export const DEFERRED_LIMITS = { maxAttempts: 24, maxAgeMs: 7 * 24 * 60 * 60_000, firstWaitMs: 60_000, maxWaitMs: 60 * 60_000 };

/** The wait after the `attempts`-th refusal before the next read. */
export function waitAfter(attempts: number): number {
  return Math.min(DEFERRED_LIMITS.maxWaitMs, DEFERRED_LIMITS.firstWaitMs * 2 ** Math.max(0, attempts - 1));
}

/** For deferredDue: the latest last refusal that makes an email due now, by its count of refusals (the last for every count beyond). */
function dueIf(now: Date): Date[] {
  const cutoffs: Date[] = [];
  for (let n = 1; ; n++) {
    cutoffs.push(new Date(now.getTime() - waitAfter(n)));
    if (waitAfter(n) >= DEFERRED_LIMITS.maxWaitMs) return cutoffs;
  }
}

/** An email first refused at or before this is given up by age (the one definition of the bound). */
const ageCutoff = (now: Date) => new Date(now.getTime() - DEFERRED_LIMITS.maxAgeMs);

export interface RereadReport extends RedecideReport {
  /** Emails given up this time (also counted in `unavailable`). */
  gaveUp: number;
}

const expired = (d: DeferredRedecision, now: Date) => d.attempts + 1 >= DEFERRED_LIMITS.maxAttempts || d.firstFailedAt <= ageCutoff(now);

/**
 * After `connectionId` synced: one page of the waiting emails it holds a copy of that are due
 * (waitAfter), re-read and re-decided with the current directory, in one transaction with its
 * queue rows and its audit entry. One page per sync: a sync is not held up by a long queue, and
 * the rest follows at the next syncs (least recently tried first). Null when none was due.
 */
export async function rereadDeferred(
  ctx: Ctx,
  connectionId: string,
  directory: (ctx: Ctx) => Promise<DirectoryIndex>,
): Promise<RereadReport | null> {
  const rows = await deferredDue(ctx.db, ctx.ws.id, connectionId, dueIf(ctx.now), redecideSizes.page);
  if (!rows.length) return null;
  const conns = new Map((await listConnections(ctx.db, ctx.ws.id)).map((c) => [c.id, c]));
  // Read from the providers outside the transaction: it holds SQLite's one connection.
  const read0 = await readRedecisionPage(
    ctx,
    conns,
    new Map(),
    rows.map((r) => r.emailId),
  );
  return ctx.db.transaction().execute(async (trx) => {
    const tctx = { ...ctx, db: trx };
    // What was read is written only if it is still what is stored: a sync that added a copy or
    // linked an email meanwhile is not undone with the older read (the email waits for the next
    // re-read, its attempts not spent), as a planned mail page is re-checked in its transaction.
    const page = await unchangedSince(
      tctx,
      rows.map((r) => r.emailId),
      read0,
    );
    // The directory as the transaction sees it: a change that committed since the re-reads
    // (and may have re-decided some of these emails itself) is not undone with an older one.
    const dir = await directory(tctx);
    const writer = redecidedWriter(trx, ctx.ws.id);
    const report: RereadReport = { ...emptyReport(), gaveUp: 0 };
    const {
      read,
      waiting: again,
      gone,
    } = await writeRedecisionPage(tctx, dir, conns, { writer, linkEvents: await wantsLinkEvents(tctx) }, page, report);
    await writer.finish();
    const byId = new Map(rows.map((r) => [r.emailId, r]));
    const giveUp = again.filter((w) => expired(byId.get(w.rec.id)!, ctx.now));
    const keep = again.filter((w) => !giveUp.includes(w));
    report.unavailable = gone.length + giveUp.length;
    report.gaveUp = giveUp.length;
    countDeferred(report, keep);
    await clearDeferred(trx, ctx.ws.id, [...read, ...gone.map((g) => g.id), ...giveUp.map((g) => g.rec.id), ...page.purged]);
    await deferRedecisions(
      trx,
      ctx.ws.id,
      keep.map((w) => ({ emailId: w.rec.id, ...w.reason })),
      ctx.now,
    );
    // Refused again, nothing else: no timeline changed, and the queue row keeps the count.
    if (read.length || gone.length || giveUp.length)
      await recordAudit(trx, ctx.ws.id, {
        at: ctx.now.toISOString(),
        actor: ctx.actor,
        action: 'directory_change.reread',
        target: connectionId,
        details: {
          teammate: conns.get(connectionId)?.ownerAddresses[0] ?? null,
          reread: read.length,
          linked: report.linked,
          unlinked: report.unlinked,
          unavailable: report.unavailable,
          deferred: report.deferred,
          gaveUp: giveUp.map((g) => gaveUpFacts(byId.get(g.rec.id)!, g.rec.messageId ?? g.rec.dedupKey)),
        },
        source: ctx.origin ?? null,
      });
    return report;
  });
}

/**
 * The page's emails whose record and sightings are, inside the transaction, as they were read
 * before it; `purged`: those no longer stored at all (nothing left to decide).
 */
async function unchangedSince(tctx: Ctx, ids: string[], page: RedecisionPage): Promise<RedecisionPage & { purged: string[] }> {
  const [recs, sightings] = await Promise.all([leanEmailsByIds(tctx.db, tctx.ws.id, ids), leanSightingsOf(tctx.db, tctx.ws.id, ids)]);
  const keep = page.found.map((rec) => {
    const now = recs.get(rec.id);
    return (
      !!now &&
      !now.participants === !rec.participants &&
      now.previousAccounts.join() === rec.previousAccounts.join() &&
      copiesOf(sightings.get(rec.id)) === copiesOf(page.sightings.get(rec.id))
    );
  });
  return {
    found: page.found.filter((_, k) => keep[k]),
    reloaded: page.reloaded.filter((_, k) => keep[k]),
    sightings: page.sightings,
    purged: ids.filter((id) => !recs.has(id)),
  };
}

const copiesOf = (list: EmailSightingRow[] | undefined) =>
  (list ?? [])
    .map((s) => `${s.connectionId}\u0000${s.ref}`)
    .sort()
    .join('\u0001');

/**
 * Gives up, whatever their connections do, the waiting emails first refused longer ago than
 * the bound (a connection that never syncs again would keep them waiting for ever); audited as
 * unavailable. Run once at the end of a sync of the workspace. Returns how many.
 */
export async function giveUpStale(ctx: Ctx): Promise<number> {
  const stale = await deferredSince(ctx.db, ctx.ws.id, ageCutoff(ctx.now));
  if (!stale.length) return 0;
  await ctx.db.transaction().execute((trx) => giveUp({ ...ctx, db: trx }, stale, {}));
  return stale.length;
}

/**
 * Gives up at once the waiting emails whose every copy is in a disconnected or removed
 * connection: no sync will ever re-read them, and waiting out the age bound only kept explain
 * saying "re-read after a sync of a mailbox holding a copy" for a week. Run inside the
 * disconnect's transaction; audited as unavailable, naming the connection. Returns how many.
 */
export async function giveUpUnreadable(tctx: Ctx, connectionId: string): Promise<number> {
  const orphans = await deferredWithoutCopies(tctx.db, tctx.ws.id);
  if (orphans.length) await giveUp(tctx, orphans, { reason: 'no_copy_left', connection: connectionId });
  return orphans.length;
}

/** Out of the queue, audited (directory_change.gave_up) with which, since when, how often and why; `why` adds the cause when it is not age. */
async function giveUp(tctx: Ctx, rows: DeferredRedecision[], why: Record<string, string>): Promise<void> {
  await clearDeferred(
    tctx.db,
    tctx.ws.id,
    rows.map((s) => s.emailId),
  );
  await recordAudit(tctx.db, tctx.ws.id, {
    at: tctx.now.toISOString(),
    actor: tctx.actor,
    action: 'directory_change.gave_up',
    target: `${rows.length} email(s)`,
    details: { ...why, unavailable: rows.length, gaveUp: rows.map((s) => gaveUpFacts(s, s.emailId)) },
    source: tctx.origin ?? null,
  });
}

/** What the audit keeps of a given-up email: which, since when, how often and why (no address). */
function gaveUpFacts(d: DeferredRedecision, ref: string) {
  return {
    id: d.emailId,
    ref,
    since: d.firstFailedAt.toISOString(),
    attempts: d.attempts,
    lastError: d.lastError,
    provider: d.provider,
  };
}
