// Mail: normalized sightings → decision → store. One activity per message however many
// mailboxes or folders saw it (deduplicated by Message-ID, else by fingerprint).
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Sighting } from '../domain/connection.js';
import type { Decision } from '../domain/decision.js';
import type { Address, EmailItem } from '../domain/items.js';
import type { MailSighting } from '../providers/types.js';
import { normalizeAddress } from '../directory/address.js';
import type { DirectoryIndex } from '../directory/index.js';
import { decideEmailForSync } from '../rules/decide-email.js';
import { emailParticipants } from '../rules/participants.js';
import type { ConnectionRecord } from '../store/connections.js';
import { emailSightings, findEmailByKey, storedEmailKeys, type EmailRecord, type EmailSightingRow } from '../store/emails.js';
import {
  buildNewEmailRows,
  insertNewEmailsUnlessStored,
  saveEmail,
  setEmailBodies,
  type EmailWrite,
  type NewEmailRows,
} from '../store/email-writes.js';
import { hashAddress, type Ctx } from '../store/context.js';
import { dialectOf } from '../store/dialects/dialect.js';
import { linkedAccounts, recordLinkChanges, type LinkDiff } from './link-events.js';

export function dedupKey(item: Pick<EmailItem, 'messageId' | 'fingerprint'>): string {
  return item.messageId ? `mid:${item.messageId}` : `fp:${item.fingerprint}`;
}

/** Union of two address lists, first spelling kept. */
function union(a: Address[], b: Address[]): Address[] {
  const seen = new Set(a.map((x) => normalizeAddress(x.address)));
  return [...a, ...b.filter((x) => !seen.has(normalizeAddress(x.address)))];
}

/** A sent copy shows Bcc, a received one does not: decide on what every sighting showed. */
export function mergeItem(stored: EmailRecord | undefined, item: EmailItem): EmailItem {
  const p = stored?.participants;
  if (!p) return item;
  return { ...item, from: union(p.from, item.from), to: union(p.to, item.to), cc: union(p.cc, item.cc), bcc: union(p.bcc, item.bcc) };
}

/** Two copies of one message (e.g. the Sent copy with Bcc and a received copy without): the union. */
export function mergeCopies(a: EmailItem, b: EmailItem): EmailItem {
  return { ...a, from: union(a.from, b.from), to: union(a.to, b.to), cc: union(a.cc, b.cc), bcc: union(a.bcc, b.bcc) };
}

export function sightingViews(rows: EmailSightingRow[], conns: Map<string, ConnectionRecord>): Sighting[] {
  const out: Sighting[] = [];
  for (const r of rows) {
    const connection = conns.get(r.connectionId);
    if (connection) out.push({ connection, folder: r.folder, at: r.at, seenAt: r.seenAt });
  }
  return out;
}

export interface IngestResult {
  id: string;
  decision: Decision;
  previousAccounts: string[];
}

/** Decide and store one email given all of its sightings (stored + new). */
export async function storeEmail(
  ctx: Ctx,
  dir: DirectoryIndex,
  conns: Map<string, ConnectionRecord>,
  item: EmailItem,
  newSightings: EmailSightingRow[],
  existing: EmailRecord | undefined,
): Promise<IngestResult> {
  const prior = existing ? await emailSightings(ctx.db, ctx.ws.id, existing.id) : [];
  const { write, decision, previousAccounts } = prepareEmail(ctx, dir, conns, item, newSightings, existing, prior);
  const id = await saveEmail(ctx.db, ctx.ws.id, write);
  await recordLinkChanges(ctx, [
    { kind: 'email', id, ref: write.messageId ?? write.dedupKey, at: write.at, before: previousAccounts, after: linkedAccounts(decision) },
  ]);
  return { id, decision, previousAccounts };
}

/**
 * The keyed hash of an address, computed once per page: the mailbox owner and frequent
 * correspondents are in most messages of a page, and an HMAC costs microseconds.
 */
function hashOnce(ctx: Ctx, address: string, hashes: Map<string, string> | undefined): string {
  if (!hashes) return hashAddress(ctx, address);
  let h = hashes.get(address);
  if (h === undefined) {
    h = hashAddress(ctx, address);
    hashes.set(address, h);
  }
  return h;
}

/** The decision and the row to write for one email; no I/O (the store reads are the caller's). */
function prepareEmail(
  ctx: Ctx,
  dir: DirectoryIndex,
  conns: Map<string, ConnectionRecord>,
  item: EmailItem,
  newSightings: EmailSightingRow[],
  existing: EmailRecord | undefined,
  prior: EmailSightingRow[],
  hashes?: Map<string, string>,
): { write: EmailWrite; decision: Decision; previousAccounts: string[] } {
  // New mail (a page's usual case) has no stored sightings: no look-up or copies to make.
  let fresh = newSightings;
  let all = newSightings;
  if (prior.length > 0) {
    const known = new Map(prior.map((s) => [`${s.connectionId}|${s.ref}`, s.folder]));
    // A known ref seen in another folder (a Graph immutable id after a move) is written again: its folder changes.
    fresh = newSightings.filter((s) => known.get(`${s.connectionId}|${s.ref}`) !== s.folder);
    all = [...prior, ...fresh];
  }
  const merged = mergeItem(existing, item);
  const people = emailParticipants(merged);
  const decision = decideEmailForSync({ item: merged, sightings: sightingViews(all, conns), participants: people }, dir, ctx.now, {
    promiseMinutes: 30,
  });
  // The earliest of the stored time and the sightings', else the item's (ties take the later one, as a reduce would).
  let at = item.receivedAt;
  if (existing?.at && !(at < existing.at)) at = existing.at;
  for (const s of all) if (s.at && !(at < s.at)) at = s.at;
  const participants = people.map((p) => hashOnce(ctx, p.address, hashes));
  const sender = people.findIndex((p) => p.field === 'from');
  const write: EmailWrite = {
    dedupKey: dedupKey(item),
    messageId: item.messageId,
    at,
    decision,
    content: {
      participants: { from: merged.from, to: merged.to, cc: merged.cc, bcc: merged.bcc },
      subject: merged.subject,
      // A headers-only sighting (IMAP) must not wipe the body stored from an earlier one.
      bodyText: merged.text ?? existing?.bodyText ?? null,
      bodyHtml: merged.html ?? existing?.bodyHtml ?? null,
    },
    hashes: participants,
    fromHash: sender >= 0 ? participants[sender]! : null,
    newSightings: fresh,
    now: ctx.now,
  };
  if (existing) write.id = existing.id;
  const previousAccounts = existing?.outcome === 'linked' ? existing.decision.accounts.map((a) => a.id) : [];
  return { write, decision, previousAccounts };
}

/**
 * A page of mail decided before its transaction. New mail is decided and, when linked and the
 * source gave headers only, its body read now: a page's writes hold SQLite's one connection,
 * and reading bodies from the server inside them made every other sync of the process (a push
 * for another mailbox) wait out those round trips.
 */
export interface MailPagePlan {
  /** Mail not stored yet (first copy in the page): inserted together. */
  fresh: { write: EmailWrite; decision: Decision; sighting: MailSighting }[];
  /** Mail already stored, or a second copy in the page: decided again with what is stored, in order. */
  again: MailSighting[];
  /** The page's sightings in their order: mail found stored at the write joins `again` in it. */
  sightings: MailSighting[];
  /** `fresh`'s rows (ids, JSON, times), built here so the transaction only runs the inserts. */
  rows?: NewEmailRows;
}

/** Sightings decided between two turns of the event loop (~2–5 ms of CPU at 100, quiet). */
// `between` is awaited between slices: a turn of the event loop by default; a long sync's
// (run-sync.ts) first waits while a short sync runs (page-turns.ts giveWay).
const PLAN_SLICE = 100;

export async function planMailPage(
  ctx: Ctx,
  dir: DirectoryIndex,
  conn: ConnectionRecord,
  conns: Map<string, ConnectionRecord>,
  sightings: MailSighting[],
  fetchBody?: (ref: string) => Promise<EmailItem | null>,
  between: () => Promise<unknown> = nextTurn,
): Promise<MailPagePlan> {
  const plan: MailPagePlan = { fresh: [], again: [], sightings };
  const keys = sightings.map((s) => dedupKey(s.item));
  const lookup = storedEmailKeys(ctx.db, ctx.ws.id, [...new Set(keys)]);
  lookup.catch(() => undefined); // awaited below; not unhandled if a decision throws first
  const hashes = new Map<string, string>();
  const prepare = (s: MailSighting) => prepareEmail(ctx, dir, conns, s.item, [sightingRow(ctx, conn, s)], undefined, [], hashes);
  // The first copy of each key in the page is fresh unless stored.
  const seen = new Set<string>();
  const first = keys.map((k) => {
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const early = await decideWhileLooking(ctx, sightings, first, prepare, between);
  const known = await lookup;
  const needBody: MailPagePlan['fresh'] = [];
  for (let i = 0; i < sightings.length; i++) {
    // A page is decided in slices, the event loop turning between them: another sync of the
    // process (a pushed message) runs its own steps meanwhile instead of after the whole page.
    if (!early && i > 0 && i % PLAN_SLICE === 0) await between();
    const s = sightings[i]!;
    if (!first[i] || known.has(keys[i]!)) {
      plan.again.push(s);
      continue;
    }
    const { write, decision } = early?.[i] ?? prepare(s);
    const entry = { write, decision, sighting: s };
    plan.fresh.push(entry);
    if (fetchBody && decision.outcome === 'linked' && !hasBody(s.item)) needBody.push(entry);
  }
  // All at once, so the source can batch them; not-linked mail never has its body read. Asked in
  // the turn of the last decisions, with no pause first: the server reads them while the page
  // before is written (a turn here let that write go first: the initial sync ~10 % slower).
  const bodies = await Promise.all(needBody.map((n) => fetchBody!(n.sighting.ref)));
  needBody.forEach((n, i) => {
    const b = bodies[i];
    if (b) n.write.content = { ...n.write.content!, bodyText: b.text ?? null, bodyHtml: b.html ?? null };
  });
  // After the bodies, which are part of the rows; in slices too, for the same reason as the decisions.
  plan.rows = await buildNewEmailRows(
    ctx.ws.id,
    plan.fresh.map((f) => f.write),
    PLAN_SLICE,
    between,
  );
  return plan;
}

/**
 * PostgreSQL answers the page's dedup look-up over the network: its first copies are decided
 * while the server looks (one turn of the event loop first, so the query is on its way). Mail
 * found stored then goes the stored path and its decision here is dropped — nearly none in an
 * initial sync. SQLite answers in-process, where nothing overlaps: null, decided after the look-up.
 */
async function decideWhileLooking<T>(
  ctx: Ctx,
  sightings: MailSighting[],
  first: boolean[],
  prepare: (s: MailSighting) => T,
  between: () => Promise<unknown>,
): Promise<(T | null)[] | null> {
  if (dialectOf(ctx.db) !== 'postgres') return null;
  const out: (T | null)[] = [];
  for (let i = 0; i < sightings.length; i++) {
    // The first turn sends the query; later ones let other syncs of the process run (PLAN_SLICE).
    if (i % PLAN_SLICE === 0) await (i === 0 ? nextTurn() : between());
    out.push(first[i] ? prepare(sightings[i]!) : null);
  }
  return out;
}

const hasBody = (item: EmailItem) => item.text !== undefined || item.html !== undefined;

function sightingRow(ctx: Ctx, conn: ConnectionRecord, s: MailSighting): EmailSightingRow {
  return { connectionId: conn.id, folder: s.folder, ref: s.ref, at: s.item.receivedAt, seenAt: ctx.now };
}

/** Writes a planned page (inside the page's transaction); mail already stored takes the one-by-one path. */
export async function writeMailPage(
  ctx: Ctx,
  dir: DirectoryIndex,
  conn: ConnectionRecord,
  conns: Map<string, ConnectionRecord>,
  plan: MailPagePlan,
  fetchBody?: (ref: string) => Promise<EmailItem | null>,
): Promise<{ linked: number; notLinked: number }> {
  let linked = 0;
  let notLinked = 0;
  const count = (d: Decision) => {
    ctx.onDecision?.('email', d);
    if (d.outcome === 'linked') linked++;
    else notLinked++;
  };
  // Planned outside the transaction: another sync of this process may have stored some since.
  const { stored: storedSince, ids } = await insertNewEmailsUnlessStored(
    ctx.db,
    ctx.ws.id,
    plan.fresh.map((f) => f.write),
    plan.rows,
  );
  const fresh: MailPagePlan['fresh'] = [];
  const storedNow = new Set<MailSighting>();
  for (const f of plan.fresh) {
    if (storedSince.has(f.write.dedupKey)) storedNow.add(f.sighting);
    else fresh.push(f);
  }
  // In the page's order, as if the page had been planned after they were stored (the sync plans a
  // page while it writes the one before: a copy in both is found here).
  let again = plan.again;
  if (storedNow.size) {
    const planned = new Set(plan.again);
    again = plan.sightings.filter((s) => storedNow.has(s) || planned.has(s));
  }
  // New mail changes links only when linked (before: none): no diff for the rest, most of a page.
  const linkDiffs: LinkDiff[] = [];
  fresh.forEach((f, i) => {
    if (f.decision.outcome !== 'linked') return;
    linkDiffs.push({
      kind: 'email',
      id: ids[i]!,
      ref: f.write.messageId ?? f.write.dedupKey,
      at: f.write.at,
      before: [],
      after: linkedAccounts(f.decision),
    });
  });
  await recordLinkChanges(ctx, linkDiffs);
  for (const f of fresh) count(f.decision);
  const needBody: { id: string; ref: string }[] = [];
  for (const s of again) {
    const existing = await findEmailByKey(ctx.db, ctx.ws.id, dedupKey(s.item));
    const r = await storeEmail(ctx, dir, conns, s.item, [sightingRow(ctx, conn, s)], existing);
    count(r.decision);
    const stored = hasBody(s.item) || existing?.bodyText != null || existing?.bodyHtml != null;
    if (fetchBody && r.decision.outcome === 'linked' && !stored) needBody.push({ id: r.id, ref: s.ref });
  }
  // Rare: stored mail that only now became linked (another mailbox's copy was not) still has no body.
  const bodies = await Promise.all(needBody.map((n) => fetchBody!(n.ref)));
  await setEmailBodies(
    ctx.db,
    ctx.ws.id,
    needBody.flatMap((n, i) => {
      const b = bodies[i];
      return b ? [{ id: n.id, text: b.text ?? null, html: b.html ?? null }] : [];
    }),
  );
  return { linked, notLinked };
}

/** One page of a mailbox's changes, planned and written with the same store (tests, benchmarks). */
export async function ingestMailPage(
  ctx: Ctx,
  dir: DirectoryIndex,
  conn: ConnectionRecord,
  conns: Map<string, ConnectionRecord>,
  sightings: MailSighting[],
  fetchBody?: (ref: string) => Promise<EmailItem | null>,
): Promise<{ linked: number; notLinked: number }> {
  const plan = await planMailPage(ctx, dir, conn, conns, sightings, fetchBody);
  return writeMailPage(ctx, dir, conn, conns, plan, fetchBody);
}
