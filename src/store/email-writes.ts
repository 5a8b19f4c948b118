// Writing emails: one at a time (saveEmail) or a page of new ones (insertNewEmails); a page
// decided again is written by redecide-writes.ts with the row builders exported here.
// Seen-but-not-linked mail keeps only Message-ID, time, hashed participants and the decision's
// codes — no subject, body or plain addresses.
import type { Decision } from '../domain/decision.js';
import { CompiledQuery } from 'kysely';
import { insertAll, insertRows, type BulkInsert, type BulkRow } from './bulk-insert.js';
import type { Store } from './db.js';
import { STORED_KEYS_PG, type EmailSightingRow, type StoredParticipants } from './emails.js';
import { newId, newIds } from './ids.js';
import { dialectOf, EACH_ROW } from './dialects/dialect.js';
import { isoTime } from '../rules/time-words.js';
import { codesOnlyDecisionJson } from './codes-only-decision.js';
import { chunksOf } from '../domain/chunks.js';

export interface EmailWrite {
  id?: string;
  dedupKey: string;
  messageId: string | null;
  at: Date;
  decision: Decision;
  /** Linked mail only. */
  content: { participants: StoredParticipants; subject: string; bodyText: string | null; bodyHtml: string | null } | null;
  hashes: string[];
  /** The sender's keyed hash (find by sender); null when the message names no From. */
  fromHash?: string | null;
  newSightings: EmailSightingRow[];
  now: Date;
}

/**
 * ISO strings of a page's dates, each formatted once: every row of a page has the same `now`
 * (first seen, decided, seen), and an email's time goes to the emails, links and sightings.
 */
export function isoOnce(): (d: Date) => string {
  const done = new Map<number, string>();
  return (d) => {
    const t = d.getTime();
    let s = done.get(t);
    if (s === undefined) {
      s = isoTime(d);
      done.set(t, s);
    }
    return s;
  };
}

/** The emails row for a write: content and details only when linked. */
export function emailValues(w: EmailWrite, iso: (d: Date) => string = isoTime) {
  const linked = w.decision.outcome === 'linked';
  const decision = linked ? JSON.stringify(w.decision) : codesOnlyDecisionJson(w.decision);
  const content = linked ? w.content : null;
  return {
    message_id: w.messageId,
    at: iso(w.at),
    outcome: w.decision.outcome,
    decision,
    participants: content ? JSON.stringify(content.participants) : null,
    subject: content?.subject ?? null,
    body_text: content?.bodyText ?? null,
    body_html: content?.bodyHtml ?? null,
    decided_at: iso(w.now),
    from_hash: w.fromHash ?? null,
  };
}

export const EMAIL_COLUMNS = [
  'id',
  'workspace_id',
  'dedup_key',
  'first_seen_at',
  'message_id',
  'at',
  'outcome',
  'decision',
  'participants',
  'subject',
  'body_text',
  'body_html',
  'decided_at',
  'from_hash',
] as const;
// A link carries its email's Message-ID and subject (migration 016: a timeline page reads no
// email row); they are written here with every link, from the values emailValues stores.
const LINK_COLUMNS = ['workspace_id', 'item_id', 'account_id', 'via', 'at', 'message_id', 'subject'];
const HASH_COLUMNS = ['workspace_id', 'kind', 'item_id', 'addr_hash'];
const SIGHTING_COLUMNS = ['workspace_id', 'email_id', 'connection_id', 'folder', 'ref', 'at', 'seen_at'];
/** On a re-decision the row exists: every column but the keys and first sighting is replaced. */
export const REPLACE_EMAIL =
  'ON CONFLICT (id) DO UPDATE SET ' +
  EMAIL_COLUMNS.slice(4)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ') +
  ' WHERE emails.workspace_id = excluded.workspace_id';

export function emailRow(ws: string, id: string, w: EmailWrite, iso: (d: Date) => string): BulkRow {
  const v = emailValues(w, iso);
  const first = v.decided_at;
  return [
    id,
    ws,
    w.dedupKey,
    first,
    v.message_id,
    v.at,
    v.outcome,
    v.decision,
    v.participants,
    v.subject,
    v.body_text,
    v.body_html,
    v.decided_at,
    v.from_hash,
  ];
}

/** The links, hashes and sightings of a page of writes, each email under its id, as inserts. */
export function childInserts(ws: string, writes: EmailWrite[], ids: string[], iso: (d: Date) => string, withHashes = true): BulkInsert[] {
  const links: BulkRow[] = [];
  const hashes: BulkRow[] = [];
  const sightings: BulkRow[] = [];
  writes.forEach((w, i) => {
    const id = ids[i]!;
    const at = iso(w.at);
    if (w.decision.outcome === 'linked')
      for (const a of w.decision.accounts) links.push([ws, id, a.id, JSON.stringify(a.via), at, w.messageId, w.content?.subject ?? null]);
    if (withHashes) for (const h of distinct(w.hashes)) hashes.push([ws, 'email', id, h]);
    for (const s of w.newSightings) sightings.push([ws, id, s.connectionId, s.folder, s.ref, iso(s.at), iso(s.seenAt)]);
  });
  return [
    { table: 'email_links', columns: LINK_COLUMNS, rows: links },
    // No ON CONFLICT: only new emails insert hashes (a re-decision keeps them), under new ids, each
    // email's hashes distinct, so no row can clash; PostgreSQL's speculative insertion made this
    // insert 10–30 % slower, and it is a third of a page's rows.
    { table: 'participant_hashes', columns: HASH_COLUMNS, rows: hashes },
    { table: 'email_sightings', columns: SIGHTING_COLUMNS, rows: sightings, onConflict: 'ON CONFLICT DO NOTHING' },
  ];
}

/** Each value once, first places kept: an email's few hashes (nearly always distinct already) are compared in place, not put in a Set. */
function distinct(list: readonly string[]): readonly string[] {
  if (list.length > 16) return [...new Set(list)];
  for (let j = 1; j < list.length; j++) for (let k = 0; k < j; k++) if (list[k] === list[j]) return [...new Set(list)];
  return list;
}

/** Insert or update one email with its links, hashes and new sightings. Idempotent. */
export async function saveEmail(db: Store, ws: string, w: EmailWrite): Promise<string> {
  const id = w.id ?? newId();
  const linked = w.decision.outcome === 'linked';
  const values = emailValues(w);
  if (w.id) {
    await db.updateTable('emails').set(values).where('workspace_id', '=', ws).where('id', '=', id).execute();
  } else {
    await db
      .insertInto('emails')
      .values({ id, workspace_id: ws, dedup_key: w.dedupKey, first_seen_at: w.now.toISOString(), ...values })
      .execute();
  }
  await db.deleteFrom('email_links').where('workspace_id', '=', ws).where('item_id', '=', id).execute();
  if (linked) {
    for (const a of w.decision.accounts) {
      await db
        .insertInto('email_links')
        .values({
          workspace_id: ws,
          item_id: id,
          account_id: a.id,
          via: JSON.stringify(a.via),
          at: w.at.toISOString(),
          message_id: values.message_id,
          subject: values.subject,
        })
        .execute();
    }
  }
  for (const h of w.hashes) {
    await db
      .insertInto('participant_hashes')
      .values({ workspace_id: ws, kind: 'email', item_id: id, addr_hash: h })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  for (const s of w.newSightings) {
    await db
      .insertInto('email_sightings')
      .values({
        workspace_id: ws,
        email_id: id,
        connection_id: s.connectionId,
        folder: s.folder,
        ref: s.ref,
        at: s.at.toISOString(),
        seen_at: s.seenAt.toISOString(),
      })
      // The same ref in another folder: a Graph immutable id after a move. The sighting says
      // where the message is now (IMAP refs name their folder, so they never meet here).
      .onConflict((oc) => oc.columns(['connection_id', 'ref']).doUpdateSet({ folder: s.folder }))
      .execute();
  }
  return id;
}

/**
 * Insert emails never seen before, with their links, hashes and sightings, in a few
 * multi-row statements (an initial sync inserts thousands). Returns the new ids in order.
 */
export async function insertNewEmails(db: Store, ws: string, writes: EmailWrite[]): Promise<string[]> {
  const ids = newIds(writes.length);
  const iso = isoOnce();
  await insertAll(db, newEmailInserts(ws, writes, ids, iso));
  return ids;
}

function newEmailRows(ws: string, writes: EmailWrite[]): NewEmailRows {
  const ids = newIds(writes.length);
  return { ids, inserts: newEmailInserts(ws, writes, ids, isoOnce()) };
}

function newEmailInserts(ws: string, writes: EmailWrite[], ids: string[], iso: (d: Date) => string): BulkInsert[] {
  const rows = writes.map((w, i) => emailRow(ws, ids[i]!, w, iso));
  return [{ table: 'emails', columns: EMAIL_COLUMNS, rows }, ...childInserts(ws, writes, ids, iso)];
}

/** A page of new emails' ids and the rows insertNewEmails would insert for them, built ahead. */
export interface NewEmailRows {
  ids: string[];
  inserts: BulkInsert[];
}

/**
 * The rows of `writes`, built before the page's transaction (planMailPage), `slice` emails at a
 * time with `between` awaited between slices: on SQLite the transaction holds the store's one
 * connection, so what it does not need to compute inside it (ids, JSON, ISO times) is not.
 * The rows are those one build of the whole page gives, in the same order.
 */
export async function buildNewEmailRows(
  ws: string,
  writes: EmailWrite[],
  slice: number,
  between: () => Promise<unknown>,
): Promise<NewEmailRows> {
  const iso = isoOnce();
  const ids: string[] = [];
  let inserts: BulkInsert[] = [];
  for (let from = 0; from < writes.length; from += slice) {
    if (from > 0) await between();
    const part = writes.slice(from, from + slice);
    const partIds = newIds(part.length);
    const partInserts = newEmailInserts(ws, part, partIds, iso);
    ids.push(...partIds);
    if (inserts.length === 0) inserts = partInserts;
    else for (const [i, x] of partInserts.entries()) inserts[i]!.rows.push(...x.rows);
  }
  return { ids, inserts };
}

/**
 * insertNewEmails for the writes whose dedup key is not stored yet (a page planned outside its
 * transaction: another sync may have stored some since). `stored` holds the keys found stored
 * (those writes are not inserted); `ids` are the new ids of the others, in order. `built`
 * (buildNewEmailRows of exactly `writes`) is inserted as is when no key is stored, nearly always.
 * On PostgreSQL the keys are checked first, in the transaction, then each table is inserted by
 * its own statement; when some key is stored, the rest are built again. On SQLite the emails' insert
 * skips a stored key itself (the unique index it probes anyway) instead of a 500-key look-up
 * first; only when it skipped some are they looked up, and the rest's links, hashes and
 * sightings built again.
 */
export async function insertNewEmailsUnlessStored(
  db: Store,
  ws: string,
  writes: EmailWrite[],
  built?: NewEmailRows,
): Promise<{ stored: Set<string>; ids: string[] }> {
  if (writes.length === 0) return { stored: new Set(), ids: [] };
  const { ids, inserts } = built ?? newEmailRows(ws, writes);
  if (dialectOf(db) !== 'postgres') return insertUnlessStoredSqlite(db, ws, writes, ids, inserts);
  const keys = writes.map((w) => w.dedupKey);
  // The re-check (storedEmailKeys' own query), then each table's insert as its own statement:
  // one WITH statement of the check and the four inserts cost the server ≈ 15–25 % more CPU
  // than these five for the same rows, round trips included (docs/benchmarks.md, store, round 7).
  // Another sync committing one of these keys after the check makes the emails insert fail on
  // the unique key, and the page is run again (retryOnConflict), as it did for a sync whose
  // insert had not committed yet when the one statement ran.
  const found = (await db.executeQuery<{ dedup_key: string }>(CompiledQuery.raw(STORED_KEYS_PG, [ws, keys]))).rows;
  if (found.length === 0) {
    for (const x of inserts) await insertRows(db, x.table, x.columns, x.rows, x.onConflict);
    return { stored: new Set(), ids };
  }
  const stored = new Set(found.map((r) => r.dedup_key));
  const rest = writes.filter((w) => !stored.has(w.dedupKey));
  return { stored, ids: rest.length ? await insertNewEmails(db, ws, rest) : [] };
}

/** A stored dedup key leaves its email out of the insert (and the rest of the page goes on). */
const UNLESS_STORED = 'ON CONFLICT (workspace_id, dedup_key) DO NOTHING';

async function insertUnlessStoredSqlite(
  db: Store,
  ws: string,
  writes: EmailWrite[],
  ids: string[],
  [emails, ...children]: BulkInsert[],
): Promise<{ stored: Set<string>; ids: string[] }> {
  const inserted = await insertRows(db, emails!.table, emails!.columns, emails!.rows, UNLESS_STORED);
  if (inserted === writes.length) {
    await insertAll(db, children);
    return { stored: new Set(), ids };
  }
  // Rare: some key was stored since the page was planned. Ours are the keys stored under our ids.
  const storedIds = new Map<string, string>();
  for (const part of chunksOf(
    writes.map((w) => w.dedupKey),
    500,
  )) {
    const rows = await db
      .selectFrom('emails')
      .select(['dedup_key', 'id'])
      .where('workspace_id', '=', ws)
      .where('dedup_key', 'in', part)
      .execute();
    for (const r of rows) storedIds.set(r.dedup_key, r.id);
  }
  const stored = new Set<string>();
  const rest: EmailWrite[] = [];
  const restIds: string[] = [];
  writes.forEach((w, i) => {
    if (storedIds.get(w.dedupKey) === ids[i]) {
      rest.push(w);
      restIds.push(ids[i]!);
    } else stored.add(w.dedupKey);
  });
  await insertAll(db, childInserts(ws, rest, restIds, isoOnce()));
  return { stored, ids: restIds };
}

/**
 * The bodies of linked emails, downloaded after their headers were decided (IMAP): a page's at
 * once, one statement (PostgreSQL: UPDATE … FROM unnest; SQLite: one prepared row statement
 * run per email, in-process) instead of one query built per email.
 */
export async function setEmailBodies(
  db: Store,
  ws: string,
  bodies: { id: string; text: string | null; html: string | null }[],
): Promise<void> {
  if (bodies.length === 0) return;
  if (dialectOf(db) === 'postgres') {
    await db.executeQuery(
      CompiledQuery.raw(
        'UPDATE emails AS e SET body_text = v.t, body_html = v.h FROM unnest($1::text[], $2::text[], $3::text[]) AS v(id, t, h) ' +
          "WHERE e.workspace_id = $4 AND e.id = v.id AND e.outcome = 'linked'",
        [bodies.map((b) => b.id), bodies.map((b) => b.text), bodies.map((b) => b.html), ws],
      ),
    );
    return;
  }
  await db.executeQuery(
    CompiledQuery.raw(
      `${EACH_ROW}UPDATE emails SET body_text = ?, body_html = ? WHERE workspace_id = ? AND id = ? AND outcome = 'linked'`,
      bodies.map((b) => [b.text, b.html, ws, b.id]),
    ),
  );
}
