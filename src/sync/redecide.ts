// Directory changes re-decide the past (the product rule of that name): account timelines are always what the rules
// give for the current directory. Every directory change reduces to "these addresses are
// affected"; their hashes find the emails and meetings to decide again.
import type { EmailItem } from '../domain/items.js';
import { normalizeAddress } from '../directory/address.js';
import type { DirectoryIndex } from '../directory/index.js';
import type { MailSource } from '../providers/types.js';
import { listConnections, type ConnectionRecord } from '../store/connections.js';
import { clearDeferred, deferRedecisions, hasDeferred } from '../store/deferred-redecisions.js';
import { emailSightings, itemIdsByHashes, type EmailRecord, type EmailSightingRow } from '../store/emails.js';
import { getMeeting } from '../store/meetings.js';
import { leanEmailsByIds, leanSightingsOf, type LeanEmailRecord } from '../store/redecide-reads.js';
import { redecidedWriter, redecideSizes, type RedecidedWriter } from '../store/redecide-writes.js';
import { storeMeeting } from './calendar-ingest.js';
import { addressHashes, type Ctx } from '../store/context.js';
import { type RedecidedEmail, storeRedecidedPage, wantsLinkEvents } from './redecide-emails.js';
import { reloadEmails, type Reloaded, type WaitReason } from './reload-emails.js';

export interface LinkChange {
  kind: 'email' | 'meeting';
  id: string;
  /** Message-ID or UID@start, so a person can find it. */
  ref: string;
  accountId: string;
}

export interface RedecideReport {
  linked: LinkChange[];
  unlinked: LinkChange[];
  /** Items whose source could not be re-read and never will be (the file or message is gone, malformed). */
  unavailable: number;
  /**
   * Emails a copy of which could not be read now, for a reason that passes (the provider asked
   * us to slow down, the network, credentials to renew), and that no copy read links: kept
   * waiting and re-read after later syncs of a connection holding a copy (sync/deferred-redecide.ts).
   */
  deferred: number;
  /** The deferred ones by provider and refusal: what a person is told. */
  deferredBecause: (WaitReason & { emails: number })[];
}

export const emptyReport = (): RedecideReport => ({ linked: [], unlinked: [], unavailable: 0, deferred: 0, deferredBecause: [] });

/** The message as the rules need it: from the store when linked, else re-read from its source. */
export async function reloadEmail(
  ctx: Ctx,
  rec: EmailRecord,
  conns: Map<string, ConnectionRecord>,
  /** Already read by the caller: the sightings, and one source per connection. */
  known: { sightings?: EmailSightingRow[]; sources?: Map<string, Promise<MailSource | null>> } = {},
): Promise<EmailItem | null> {
  const sightings = rec.participants ? [] : (known.sightings ?? (await emailSightings(ctx.db, ctx.ws.id, rec.id)));
  const [r] = await reloadEmails(ctx, [rec], new Map([[rec.id, sightings]]), conns, known.sources ?? new Map());
  return r && 'item' in r ? r.item : null;
}

function diff(
  report: Pick<RedecideReport, 'linked' | 'unlinked'>,
  kind: LinkChange['kind'],
  id: string,
  ref: string,
  before: string[],
  after: string[],
): void {
  for (const a of after) if (!before.includes(a)) report.linked.push({ kind, id, ref, accountId: a });
  for (const a of before) if (!after.includes(a)) report.unlinked.push({ kind, id, ref, accountId: a });
}

/** A page of stored emails read for a re-decision: the records found, their sightings, and what each re-read gave. */
export interface RedecisionPage {
  found: LeanEmailRecord[];
  sightings: Map<string, EmailSightingRow[]>;
  reloaded: Reloaded[];
}

/** Reads a page: records and sightings in a few queries, the not-linked copies re-read in one call per connection. */
export async function readRedecisionPage(
  ctx: Ctx,
  conns: Map<string, ConnectionRecord>,
  sources: Map<string, Promise<MailSource | null>>,
  ids: string[],
): Promise<RedecisionPage> {
  const recs = await leanEmailsByIds(ctx.db, ctx.ws.id, ids);
  const sightings = await leanSightingsOf(ctx.db, ctx.ws.id, ids);
  const found = ids.map((id) => recs.get(id)).filter((r): r is LeanEmailRecord => !!r);
  return { found, sightings, reloaded: await reloadEmails(ctx, found, sightings, conns, sources) };
}

/**
 * Decides the read emails of a page again with `dir` and hands them to the change's writer,
 * their link changes added to `report`; returns the others for the caller: waiting and gone.
 */
export async function writeRedecisionPage(
  ctx: Ctx,
  dir: DirectoryIndex,
  conns: Map<string, ConnectionRecord>,
  change: { writer: RedecidedWriter; linkEvents: boolean },
  page: RedecisionPage,
  report: Pick<RedecideReport, 'linked' | 'unlinked'>,
): Promise<{ read: string[]; waiting: { rec: LeanEmailRecord; reason: WaitReason }[]; gone: LeanEmailRecord[] }> {
  const todo: RedecidedEmail[] = [];
  const waiting: { rec: LeanEmailRecord; reason: WaitReason }[] = [];
  const gone: LeanEmailRecord[] = [];
  page.found.forEach((rec, k) => {
    const r = page.reloaded[k]!;
    if ('item' in r)
      todo.push({ item: r.item, existing: rec, prior: page.sightings.get(rec.id) ?? [], ...(r.refused ? { refused: r.refused } : {}) });
    else if ('waiting' in r) waiting.push({ rec, reason: r.waiting });
    else gone.push(rec);
  });
  const results = await storeRedecidedPage(ctx, dir, conns, change, todo);
  const read: string[] = [];
  todo.forEach(({ existing: rec, refused }, k) => {
    const r = results[k];
    // Not linked on the copies read while another was refused: it waits for that one.
    if (!r) {
      waiting.push({ rec, reason: refused! });
      return;
    }
    read.push(rec.id);
    diff(
      report,
      'email',
      rec.id,
      rec.messageId ?? rec.dedupKey,
      r.previousAccounts,
      r.decision.outcome === 'linked' ? r.decision.accounts.map((a) => a.id) : [],
    );
  });
  return { read, waiting, gone };
}

/** What a change could not re-read: gone for good, or waiting (by provider and refusal). */
export type Leftovers = Pick<RedecideReport, 'unavailable' | 'deferred' | 'deferredBecause'>;

export const noLeftovers = (): Leftovers => ({ unavailable: 0, deferred: 0, deferredBecause: [] });

function addBecause(into: Leftovers, reason: WaitReason, emails: number): void {
  const same = into.deferredBecause.find((b) => b.provider === reason.provider && b.code === reason.code);
  if (same) same.emails += emails;
  else into.deferredBecause.push({ provider: reason.provider, code: reason.code, emails });
}

/** Counts the waiting ones in the report, by provider and refusal. */
export function countDeferred(report: Leftovers, waiting: { reason: WaitReason }[]): void {
  report.deferred += waiting.length;
  for (const { reason } of waiting) addBecause(report, reason, 1);
}

/** Told each email's outcome in a change: read (re-decided), waiting (and why) or gone. */
export interface EmailOutcomes {
  read(ids: readonly string[]): void;
  waiting(emails: readonly { id: string; reason: WaitReason }[]): void;
  gone(ids: readonly string[]): void;
}

/**
 * Re-decides the past of these addresses. `tally`: also told each email's outcome, for a caller
 * that reports several changes as one (a source's sync, a change per page: leftover-tally.ts);
 * the report's own counts are this change's.
 */
export async function redecideAddresses(
  ctx: Ctx,
  dir: DirectoryIndex,
  addresses: string[],
  tally?: EmailOutcomes,
): Promise<RedecideReport> {
  const report = emptyReport();
  // With the hash of an address's earlier spelling, where it has one (addressHashes).
  const hashes = [...new Set(addresses.flatMap((a) => addressHashes(ctx, normalizeAddress(a))))];
  const conns = new Map((await listConnections(ctx.db, ctx.ws.id)).map((c) => [c.id, c]));

  // Emails a page at a time: each source opened once, the page's not-linked copies re-read in
  // one call per connection, the page written back together.
  const ids = await itemIdsByHashes(ctx.db, ctx.ws.id, 'email', hashes);
  const sources = new Map<string, Promise<MailSource | null>>();
  const writer = redecidedWriter(ctx.db, ctx.ws.id);
  const change = { writer, linkEvents: await wantsLinkEvents(ctx) };
  // Emails waiting from an earlier change that this one reads (or finds gone) leave the queue;
  // asked once, so a workspace with none pays nothing per page.
  let queued = await hasDeferred(ctx.db, ctx.ws.id);
  for (let i = 0; i < ids.length; i += redecideSizes.page) {
    const page = await readRedecisionPage(ctx, conns, sources, ids.slice(i, i + redecideSizes.page));
    const { read, waiting, gone } = await writeRedecisionPage(ctx, dir, conns, change, page, report);
    report.unavailable += gone.length;
    countDeferred(report, waiting);
    if (tally) {
      tally.read(read);
      tally.gone(gone.map((g) => g.id));
      tally.waiting(waiting.map((w) => ({ id: w.rec.id, reason: w.reason })));
    }
    if (queued) await clearDeferred(ctx.db, ctx.ws.id, [...read, ...gone.map((g) => g.id)]);
    if (waiting.length) {
      await deferRedecisions(
        ctx.db,
        ctx.ws.id,
        waiting.map((w) => ({ emailId: w.rec.id, ...w.reason })),
        ctx.now,
      );
      queued = true;
    }
  }
  await writer.finish();
  for (const id of await itemIdsByHashes(ctx.db, ctx.ws.id, 'meeting', hashes)) {
    const m = await getMeeting(ctx.db, ctx.ws.id, id);
    if (!m) continue;
    const r = await storeMeeting(ctx, dir, conns, m.occurrence, undefined, m);
    diff(
      report,
      'meeting',
      id,
      `${m.uid}@${m.start.toISOString()}`,
      r.previousAccounts,
      r.decision.outcome === 'linked' ? r.decision.accounts.map((a) => a.id) : [],
    );
  }
  return report;
}
