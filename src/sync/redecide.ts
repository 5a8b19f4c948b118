// Directory changes re-decide the past (the product rule of that name): account timelines are always what the rules
// give for the current directory. Every directory change reduces to "these addresses are
// affected"; their hashes find the emails and meetings to decide again.
import type { EmailItem } from '../domain/items.js';
import { mailSourceFor } from '../providers/registry.js';
import { normalizeAddress } from '../directory/address.js';
import type { DirectoryIndex } from '../directory/index.js';
import { fetchMany } from '../providers/fetch-many.js';
import type { FetchOutcome, MailSource } from '../providers/types.js';
import { listConnections, type ConnectionRecord } from '../store/connections.js';
import { emailSightings, itemIdsByHashes, type EmailRecord, type EmailSightingRow } from '../store/emails.js';
import { getMeeting } from '../store/meetings.js';
import { leanEmailsByIds, leanSightingsOf, type LeanEmailRecord } from '../store/redecide-reads.js';
import { redecidedWriter, redecideSizes } from '../store/redecide-writes.js';
import { storeMeeting } from './calendar-ingest.js';
import { connectorDeps, hashAddress, type Ctx } from '../store/context.js';
import { mergeCopies } from './email-ingest.js';
import { type RedecidedEmail, storeRedecidedPage, wantsLinkEvents } from './redecide-emails.js';

/** What reloading an email reads of its record: a full one (reloadEmail) or a lean one (a change's pages). */
type StoredEmail = Pick<EmailRecord, 'id' | 'dedupKey' | 'messageId' | 'at' | 'participants'> &
  Partial<Pick<EmailRecord, 'subject' | 'bodyText' | 'bodyHtml'>>;

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
  /** Items whose source could not be re-read (the file or message is gone). */
  unavailable: number;
}

/** The message as the rules need it: from the store when linked, else re-read from its source. */
export async function reloadEmail(
  ctx: Ctx,
  rec: EmailRecord,
  conns: Map<string, ConnectionRecord>,
  /** Already read by the caller: the sightings, and one source per connection. */
  known: { sightings?: EmailSightingRow[]; sources?: Map<string, Promise<MailSource | null>> } = {},
): Promise<EmailItem | null> {
  const sightings = rec.participants ? [] : (known.sightings ?? (await emailSightings(ctx.db, ctx.ws.id, rec.id)));
  const [item] = await reloadEmails(ctx, [rec], new Map([[rec.id, sightings]]), conns, known.sources ?? new Map());
  return item ?? null;
}

/**
 * reloadEmail for a page of records at once: the not-linked ones' copies are asked of each
 * source in one `fetchMany` per connection (a folder reads its files in one go, IMAP one UID
 * FETCH per folder), not one `fetch` per copy.
 */
async function reloadEmails(
  ctx: Ctx,
  recs: StoredEmail[],
  sightings: Map<string, EmailSightingRow[]>,
  conns: Map<string, ConnectionRecord>,
  /** One source per connection, opened on first use and kept for the whole change. */
  sources: Map<string, Promise<MailSource | null>>,
): Promise<(EmailItem | null)[]> {
  // Not-linked mail kept no content: read it again where it was seen — every copy, since
  // only the sender's sent copy shows Bcc (the decision was made on the union of copies).
  const refsByConn = new Map<string, string[]>();
  for (const rec of recs) {
    if (rec.participants) continue;
    for (const s of sightings.get(rec.id) ?? []) {
      if (!conns.has(s.connectionId)) continue;
      const refs = refsByConn.get(s.connectionId) ?? [];
      refs.push(s.ref);
      refsByConn.set(s.connectionId, refs);
    }
  }
  const copies = new Map<string, Map<string, FetchOutcome>>();
  await Promise.all(
    [...refsByConn].map(async ([connId, refs]) => {
      let opening = sources.get(connId);
      if (!opening) {
        opening = mailSourceFor({ ...conns.get(connId)!, ...connectorDeps(ctx) });
        sources.set(connId, opening);
      }
      // A source that cannot be opened gives no copy; if no copy is read, the email is unavailable.
      const source = await opening.catch(() => null);
      const outcomes = source ? await fetchMany(source, refs) : [];
      copies.set(connId, new Map(refs.map((ref, k) => [ref, outcomes[k] ?? null])));
    }),
  );
  return recs.map((rec) => {
    if (rec.participants) return fromStore(rec, rec.participants);
    let merged: EmailItem | null = null;
    for (const s of sightings.get(rec.id) ?? []) {
      const item = copies.get(s.connectionId)?.get(s.ref);
      // Gone (null) or unreadable (an error, e.g. malformed): try the next copy.
      if (item && !(item instanceof Error)) merged = merged ? mergeCopies(merged, item) : item;
    }
    return merged;
  });
}

function fromStore(rec: StoredEmail, participants: NonNullable<EmailRecord['participants']>): EmailItem {
  return {
    messageId: rec.messageId,
    fingerprint: rec.dedupKey.startsWith('fp:') ? rec.dedupKey.slice(3) : '',
    sentAt: null,
    receivedAt: rec.at,
    ...participants,
    subject: rec.subject ?? '',
    ...(rec.bodyText ? { text: rec.bodyText } : {}),
    ...(rec.bodyHtml ? { html: rec.bodyHtml } : {}),
  };
}

function diff(report: RedecideReport, kind: LinkChange['kind'], id: string, ref: string, before: string[], after: string[]): void {
  for (const a of after) if (!before.includes(a)) report.linked.push({ kind, id, ref, accountId: a });
  for (const a of before) if (!after.includes(a)) report.unlinked.push({ kind, id, ref, accountId: a });
}

export async function redecideAddresses(ctx: Ctx, dir: DirectoryIndex, addresses: string[]): Promise<RedecideReport> {
  const report: RedecideReport = { linked: [], unlinked: [], unavailable: 0 };
  const hashes = [...new Set(addresses.map((a) => hashAddress(ctx, normalizeAddress(a))))];
  const conns = new Map((await listConnections(ctx.db, ctx.ws.id)).map((c) => [c.id, c]));

  // Emails a page at a time: records and sightings in a few queries, each source opened
  // once, the page's not-linked copies re-read in one call per connection, the page written back together.
  const ids = await itemIdsByHashes(ctx.db, ctx.ws.id, 'email', hashes);
  const sources = new Map<string, Promise<MailSource | null>>();
  const writer = redecidedWriter(ctx.db, ctx.ws.id);
  const change = { writer, linkEvents: await wantsLinkEvents(ctx) };
  for (let i = 0; i < ids.length; i += redecideSizes.page) {
    const page = ids.slice(i, i + redecideSizes.page);
    const recs = await leanEmailsByIds(ctx.db, ctx.ws.id, page);
    const sightings = await leanSightingsOf(ctx.db, ctx.ws.id, page);
    const found = page.map((id) => recs.get(id)).filter((r): r is LeanEmailRecord => !!r);
    const items = await reloadEmails(ctx, found, sightings, conns, sources);
    const todo: RedecidedEmail[] = [];
    found.forEach((rec, k) => {
      const item = items[k];
      if (item) todo.push({ item, existing: rec, prior: sightings.get(rec.id) ?? [] });
      else report.unavailable++;
    });
    const results = await storeRedecidedPage(ctx, dir, conns, change, todo);
    todo.forEach(({ existing: rec }, k) => {
      const r = results[k]!;
      diff(
        report,
        'email',
        rec.id,
        rec.messageId ?? rec.dedupKey,
        r.previousAccounts,
        r.decision.outcome === 'linked' ? r.decision.accounts.map((a) => a.id) : [],
      );
    });
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
