// Writing emails: one at a time (saveEmail), a page of new ones (insertNewEmails) or a page
// decided again (updateEmails). Seen-but-not-linked mail keeps only Message-ID, time, hashed
// participants and the decision's codes — no subject, body or plain addresses.
import type { Decision } from '../domain/decision.js';
import { CompiledQuery } from 'kysely';
import { insertAll, type BulkInsert, type BulkRow } from './bulk-insert.js';
import type { Store } from './db.js';
import type { EmailSightingRow, StoredParticipants } from './emails.js';
import { newId } from './ids.js';
import { dialectOf, EACH_ROW } from './dialects/dialect.js';
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

/** Codes only: what a not-linked record may keep. */
function redactDecision(d: Decision): Decision {
  return {
    kind: d.kind,
    outcome: d.outcome,
    accounts: [],
    checks: d.checks.map((c) => ({ rule: c.rule, status: c.status, code: c.code, detail: '' })),
    remedies: d.remedies.map((r) => ({ code: r.code, text: '' })),
    hints: [],
  };
}

/** The emails row for a write: content and details only when linked. */
function emailValues(w: EmailWrite) {
  const linked = w.decision.outcome === 'linked';
  const decision = JSON.stringify(linked ? w.decision : redactDecision(w.decision));
  const content = linked ? w.content : null;
  return {
    message_id: w.messageId,
    at: w.at.toISOString(),
    outcome: w.decision.outcome,
    decision,
    participants: content ? JSON.stringify(content.participants) : null,
    subject: content?.subject ?? null,
    body_text: content?.bodyText ?? null,
    body_html: content?.bodyHtml ?? null,
    decided_at: w.now.toISOString(),
    from_hash: w.fromHash ?? null,
  };
}

const EMAIL_COLUMNS = [
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
const LINK_COLUMNS = ['workspace_id', 'item_id', 'account_id', 'via', 'at'];
const HASH_COLUMNS = ['workspace_id', 'kind', 'item_id', 'addr_hash'];
const SIGHTING_COLUMNS = ['workspace_id', 'email_id', 'connection_id', 'folder', 'ref', 'at', 'seen_at'];
/** On a re-decision the row exists: every column but the keys and first sighting is replaced. */
const REPLACE_EMAIL =
  'ON CONFLICT (id) DO UPDATE SET ' +
  EMAIL_COLUMNS.slice(4)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ') +
  ' WHERE emails.workspace_id = excluded.workspace_id';

function emailRow(ws: string, id: string, w: EmailWrite): BulkRow {
  const v = emailValues(w);
  const first = w.now.toISOString();
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
function childInserts(ws: string, writes: EmailWrite[], ids: string[], withHashes = true): BulkInsert[] {
  const links: BulkRow[] = [];
  const hashes: BulkRow[] = [];
  const sightings: BulkRow[] = [];
  writes.forEach((w, i) => {
    const id = ids[i]!;
    const at = w.at.toISOString();
    if (w.decision.outcome === 'linked') for (const a of w.decision.accounts) links.push([ws, id, a.id, JSON.stringify(a.via), at]);
    if (withHashes) for (const h of new Set(w.hashes)) hashes.push([ws, 'email', id, h]);
    for (const s of w.newSightings) sightings.push([ws, id, s.connectionId, s.folder, s.ref, s.at.toISOString(), s.seenAt.toISOString()]);
  });
  return [
    { table: 'email_links', columns: LINK_COLUMNS, rows: links },
    { table: 'participant_hashes', columns: HASH_COLUMNS, rows: hashes, onConflict: 'ON CONFLICT DO NOTHING' },
    { table: 'email_sightings', columns: SIGHTING_COLUMNS, rows: sightings, onConflict: 'ON CONFLICT DO NOTHING' },
  ];
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
        .values({ workspace_id: ws, item_id: id, account_id: a.id, via: JSON.stringify(a.via), at: w.at.toISOString() })
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
 * Write back emails that were decided again (each has an id), a page at a time: one upsert
 * for the rows, their links replaced, new sightings added — a few statements per page.
 */
export async function updateEmails(db: Store, ws: string, writes: EmailWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const ids = writes.map((w) => w.id!);
  for (const part of chunksOf(ids, 500))
    await db.deleteFrom('email_links').where('workspace_id', '=', ws).where('item_id', 'in', part).execute();
  // The rows exist, so the insert half of the upsert never applies.
  const rows = writes.map((w, i) => emailRow(ws, ids[i]!, w));
  // No hashes: a re-decided email is the same message with the same participants, whose hashes
  // were stored with each sighting (re-inserting them was a no-op costing a statement of 10k rows).
  await insertAll(db, [
    { table: 'emails', columns: EMAIL_COLUMNS, rows, onConflict: REPLACE_EMAIL },
    ...childInserts(ws, writes, ids, false),
  ]);
}

/**
 * Insert emails never seen before, with their links, hashes and sightings, in a few
 * multi-row statements (an initial sync inserts thousands). Returns the new ids in order.
 */
export async function insertNewEmails(db: Store, ws: string, writes: EmailWrite[]): Promise<string[]> {
  const ids = writes.map(() => newId());
  const rows = writes.map((w, i) => emailRow(ws, ids[i]!, w));
  await insertAll(db, [{ table: 'emails', columns: EMAIL_COLUMNS, rows }, ...childInserts(ws, writes, ids)]);
  return ids;
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
      bodies.flatMap((b) => [b.text, b.html, ws, b.id]),
    ),
  );
}
