// Deferred re-decisions: the emails a directory change could not re-read because every copy
// was refused for a reason that passes (store/deferred-redecisions.ts) are re-read after one of
// their connections syncs — the provider answered that connection again — and decided with the
// directory as it is then, by the change's own path (readRedecisionPage, writeRedecisionPage).
// Read: re-decided and out of the queue. Gone: out, counted unavailable. Refused again: one
// more attempt, until the bound (DEFERRED_LIMITS), then given up and audited as unavailable.
import type { DirectoryIndex } from '../directory/index.js';
import type { MailSource } from '../providers/types.js';
import { recordAudit } from '../store/audit.js';
import { listConnections } from '../store/connections.js';
import type { Ctx } from '../store/context.js';
import { clearDeferred, deferRedecisions, deferredSeenBy, deferredSince, type DeferredRedecision } from '../store/deferred-redecisions.js';
import { redecidedWriter, redecideSizes } from '../store/redecide-writes.js';
import { countDeferred, emptyReport, readRedecisionPage, type RedecideReport, writeRedecisionPage } from './redecide.js';
import { wantsLinkEvents } from './redecide-emails.js';

/**
 * When a waiting email is given up: its read refused this many times (the change's own read
 * counts), or first refused this long ago. A sync every 15 minutes gives a quota or a
 * concurrency limit six hours to pass; a connection that does not sync (credentials to renew,
 * disconnected) is not retried at all, so the age is what ends its wait. Mutable only for tests.
 */
export const DEFERRED_LIMITS = { maxAttempts: 24, maxAgeMs: 7 * 24 * 60 * 60_000 };

export interface RereadReport extends RedecideReport {
  /** Emails given up this time (also counted in `unavailable`). */
  gaveUp: number;
}

const expired = (d: DeferredRedecision, now: Date) =>
  d.attempts + 1 >= DEFERRED_LIMITS.maxAttempts || now.getTime() - d.firstFailedAt.getTime() >= DEFERRED_LIMITS.maxAgeMs;

/**
 * After `connectionId` synced: the waiting emails it holds a copy of, re-read and re-decided
 * with the current directory, a page at a time, each page in one transaction with its queue
 * rows and its audit entry. Stops early when a whole page is refused again (the provider is
 * still busy: the rest waits, its attempts not spent). Null when none was waiting.
 */
export async function rereadDeferred(
  ctx: Ctx,
  connectionId: string,
  directory: (ctx: Ctx) => Promise<DirectoryIndex>,
): Promise<RereadReport | null> {
  const waiting = await deferredSeenBy(ctx.db, ctx.ws.id, connectionId);
  if (!waiting.length) return null;
  const conns = new Map((await listConnections(ctx.db, ctx.ws.id)).map((c) => [c.id, c]));
  const report: RereadReport = { ...emptyReport(), gaveUp: 0 };
  const sources = new Map<string, Promise<MailSource | null>>();
  for (let i = 0; i < waiting.length; i += redecideSizes.page) {
    const rows = waiting.slice(i, i + redecideSizes.page);
    const page = await readRedecisionPage(
      ctx,
      conns,
      sources,
      rows.map((r) => r.emailId),
    );
    const stillRefused = await ctx.db.transaction().execute(async (trx) => {
      const tctx = { ...ctx, db: trx };
      // The directory as the transaction sees it: a change that committed since the re-reads
      // (and may have re-decided some of these emails itself) is not undone with an older one.
      const dir = await directory(tctx);
      const writer = redecidedWriter(trx, ctx.ws.id);
      const part: RereadReport = { ...emptyReport(), gaveUp: 0 };
      const {
        read,
        waiting: again,
        gone,
      } = await writeRedecisionPage(tctx, dir, conns, { writer, linkEvents: await wantsLinkEvents(tctx) }, page, part);
      await writer.finish();
      const byId = new Map(rows.map((r) => [r.emailId, r]));
      const giveUp = again.filter((w) => expired(byId.get(w.rec.id)!, ctx.now));
      const keep = again.filter((w) => !giveUp.includes(w));
      // An email no longer stored (the retention purge took it) has nothing left to decide.
      const found = new Set(page.found.map((r) => r.id));
      const purged = rows.filter((r) => !found.has(r.emailId)).map((r) => r.emailId);
      part.unavailable = gone.length + giveUp.length;
      part.gaveUp = giveUp.length;
      countDeferred(part, keep);
      await clearDeferred(trx, ctx.ws.id, [...read, ...gone.map((g) => g.id), ...giveUp.map((g) => g.rec.id), ...purged]);
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
            linked: part.linked,
            unlinked: part.unlinked,
            unavailable: part.unavailable,
            deferred: part.deferred,
            gaveUp: giveUp.map((g) => gaveUpFacts(byId.get(g.rec.id)!, g.rec.messageId ?? g.rec.dedupKey)),
          },
          source: ctx.origin ?? null,
        });
      merge(report, part);
      return read.length === 0 && keep.length > 0;
    });
    if (stillRefused) break;
  }
  return report;
}

/**
 * Gives up, whatever their connections do, the waiting emails first refused longer ago than
 * the bound (a connection that never syncs again would keep them waiting for ever); audited as
 * unavailable. Run once at the end of a sync of the workspace. Returns how many.
 */
export async function giveUpStale(ctx: Ctx): Promise<number> {
  const stale = await deferredSince(ctx.db, ctx.ws.id, new Date(ctx.now.getTime() - DEFERRED_LIMITS.maxAgeMs));
  if (!stale.length) return 0;
  await ctx.db.transaction().execute(async (trx) => {
    await clearDeferred(
      trx,
      ctx.ws.id,
      stale.map((s) => s.emailId),
    );
    await recordAudit(trx, ctx.ws.id, {
      at: ctx.now.toISOString(),
      actor: ctx.actor,
      action: 'directory_change.gave_up',
      target: `${stale.length} email(s)`,
      details: { unavailable: stale.length, gaveUp: stale.map((s) => gaveUpFacts(s, s.emailId)) },
      source: ctx.origin ?? null,
    });
  });
  return stale.length;
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

function merge(into: RereadReport, part: RereadReport): void {
  into.linked.push(...part.linked);
  into.unlinked.push(...part.unlinked);
  into.unavailable += part.unavailable;
  into.gaveUp += part.gaveUp;
  into.deferred += part.deferred;
  for (const b of part.deferredBecause) {
    const same = into.deferredBecause.find((x) => x.provider === b.provider && x.code === b.code);
    if (same) same.emails += b.emails;
    else into.deferredBecause.push({ ...b });
  }
}
