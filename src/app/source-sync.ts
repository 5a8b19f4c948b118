// One sync of a directory source: page after page from its cursor, each applied as a directory
// change (source-apply.ts). The source's health is written at the end in plain words: a
// refused token puts it in "needs re-authorization" and leaves the directory as it is; a rate
// limit waits as long as the provider said (the next sync is due then, and carries on from the
// last page applied); a saved position the provider no longer takes (CURSOR_INVALID: Salesforce's
// 15-day delete log, a Zendesk export cursor it refuses) is dropped and the same run syncs
// everything again; anything else is an error retried at the next scheduled sync.
import { outboundPolicyFor, type OutboundPolicy } from '../net/outbound-policy.js';
import { SourceError } from '../providers/types.js';
import { readMapping } from '../sources/mapping.js';
import type { SourceFactory } from '../sources/registry.js';
import type { SourceKind } from '../sources/types.js';
import { connectorDeps, type Ctx } from '../store/context.js';
import { listAccounts } from '../store/directory.js';
import { getSource, updateSource, type SourceRecord, type SourceStatus, type SyncCounts } from '../store/sources.js';
import { LeftoverTally } from '../sync/leftover-tally.js';
import { type Leftovers, type LinkChange, noLeftovers } from '../sync/redecide.js';
import { applySourcePage, type RecordReport } from './source-apply.js';

/**
 * `deferred` / `deferredBecause` / `unavailable`: past emails its pages' re-decisions could not
 * re-read (yet), each once in its state after the last page that re-decided it (one read on a
 * later page is not counted).
 */
export interface SourceSyncReport extends Leftovers {
  sourceId: string;
  kind: string;
  status: SourceStatus;
  /** Plain words when the sync did not finish (needs re-authorization, waiting for a rate limit, an error). */
  problem: string | null;
  counts: SyncCounts & { unchanged: number };
  /** Every record that was added, updated, removed or skipped, with the reason for skips. */
  rows: RecordReport[];
  linked: LinkChange[];
  unlinked: LinkChange[];
  pages: number;
  nextSyncAt: string | null;
  /** Why this run started again from a full sync (the saved position was refused), or null. */
  restarted: string | null;
}

/** Skipped records kept with the source for `source list` and the web card (the full list is in the sync's answer). */
const KEPT_SKIPS = 100;

export interface SourceSyncOptions {
  outbound?: OutboundPolicy;
  /** Replaces the registry's factory (tests drive a source of their own). */
  factory?: SourceFactory;
}

function words(err: unknown): { status: SourceStatus; problem: string; waitMs?: number } {
  if (err instanceof SourceError) {
    if (err.code === 'AUTH_FAILED') return { status: 'needs_reauth', problem: `needs re-authorization: ${err.message}` };
    if (err.code === 'THROTTLED') {
      const waitMs = err.retryAfterMs ?? 60_000;
      return {
        status: 'throttled',
        problem: `${err.message}; waiting ${Math.ceil(waitMs / 1000)} s as the provider asked, then carrying on`,
        waitMs,
      };
    }
    return { status: 'error', problem: err.message };
  }
  return { status: 'error', problem: `unexpected error: ${(err as Error)?.message ?? String(err)}` };
}

export async function runSourceSync(ctx: Ctx, sourceId: string, opts: SourceSyncOptions = {}): Promise<SourceSyncReport> {
  const src = await getSource(ctx.db, ctx.ws.id, sourceId);
  if (!src) throw new Error(`no source "${sourceId}"`);
  const { secrets, settings } = connectorDeps(ctx);
  const interval = settings.sourceSyncMinutes * 60_000;
  const report: SourceSyncReport = {
    sourceId,
    kind: src.kind,
    status: src.status,
    problem: null,
    counts: { added: 0, updated: 0, removed: 0, skipped: 0, unchanged: 0 },
    rows: [],
    linked: [],
    unlinked: [],
    ...noLeftovers(),
    pages: 0,
    nextSyncAt: null,
    restarted: null,
  };
  if (src.status === 'needs_reauth') {
    report.problem = src.statusReason ?? 'needs re-authorization';
    return report;
  }
  let failure: ReturnType<typeof words> | undefined;
  const leftovers = new LeftoverTally();
  try {
    const deps = { now: () => ctx.now, outbound: opts.outbound ?? outboundPolicyFor(settings) };
    const secret = secrets.decrypt(src.secretEnc);
    // The connectors (jsforce, the HubSpot client) load when a source syncs, not with every
    // command that can reach this module (docs/benchmarks.md, "100,000-message sync").
    const source = opts.factory
      ? opts.factory(src.settings, secret, deps)
      : (await import('../sources/registry.js')).directorySourceFor(src.kind as SourceKind, src.settings, secret, deps);
    const session = {
      source: src,
      kind: src.kind as SourceKind,
      mapping: readMapping(src.mapping),
      companies: new Map<string, string>(),
      accounts: new Map((await listAccounts(ctx.db, ctx.ws.id)).map((a) => [a.id, a.name])),
      leftovers,
    };
    // The next page is read while this one is stored: a sync takes about as long as the paging alone.
    const syncFrom = async (cursor: string | null) => {
      const pages = source.changes(cursor)[Symbol.asyncIterator]();
      let next = pages.next();
      for (;;) {
        const got = await next;
        if (got.done) break;
        next = pages.next();
        next.catch(() => undefined); // seen at the next await; never an unhandled rejection meanwhile
        const r = await applySourcePage(ctx, session, got.value);
        report.pages++;
        report.rows.push(...r.rows);
        report.linked.push(...r.linked);
        report.unlinked.push(...r.unlinked);
        for (const k of Object.keys(report.counts) as (keyof typeof report.counts)[]) report.counts[k] += r.counts[k];
      }
    };
    try {
      await syncFrom(src.cursor);
    } catch (err) {
      if (src.cursor === null || !(err instanceof SourceError) || err.code !== 'CURSOR_INVALID') throw err;
      // Kept, the refused position would fail every sync from now on (a source re-authorized
      // after 15 days, say): drop it and read everything again, once, in this run.
      report.restarted = `${err.message}; synced everything again from the start`;
      await updateSource(ctx.db, ctx.ws.id, src.id, { cursor: null });
      await syncFrom(null);
    }
  } catch (err) {
    failure = words(err);
  }
  // The pages committed before a failure count, as their links do.
  Object.assign(report, leftovers.leftovers());
  report.status = failure?.status ?? 'active';
  report.problem = failure?.problem ?? null;
  const next = failure?.status === 'needs_reauth' ? null : new Date(ctx.now.getTime() + (failure?.waitMs ?? interval));
  report.nextSyncAt = next?.toISOString() ?? null;
  await finish(ctx, src, report, next);
  return report;
}

async function finish(ctx: Ctx, src: SourceRecord, r: SourceSyncReport, next: Date | null): Promise<void> {
  const { unchanged: _unchanged, ...counts } = r.counts;
  await updateSource(ctx.db, ctx.ws.id, src.id, {
    status: r.status,
    statusReason: r.problem,
    lastSyncAt: ctx.now,
    ...(r.problem ? {} : { lastSuccessAt: ctx.now }),
    nextSyncAt: next,
    counts,
    lastReport: r.rows.filter((x) => x.outcome === 'skipped').slice(0, KEPT_SKIPS),
    lastError: r.problem,
  });
}
