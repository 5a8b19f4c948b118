// What a re-decision reads of stored emails: what the rules and the write-back need, no more.
// - No subject or bodies: a decision never looks at them, and a re-decision of linked mail
//   leaves them as they are (redecide-writes.ts).
// - No decision JSON (≈ 1.2 kB for a linked email): only the ids of the accounts it links, which
//   the database extracts in its order; parsing every stored decision was a fifth of an unlink's
//   CPU with the garbage it left.
// - Looked up by primary key only: with `workspace_id = ?` beside a long id list, SQLite's planner
//   walked the workspace's whole `emails_by_time` index for every page (42 % of a 10k-email
//   unlink); `workspace_id || ''` keeps the check without offering it an index.
// - One SQL text whatever the page size (the ids as one JSON or array parameter), sent as is:
//   building a 500-parameter IN list through the query builder cost more than running it.
import { CompiledQuery } from 'kysely';
import { textArrayLiteral } from './bulk-insert.js';
import type { EmailSightingRow, StoredParticipants } from './emails.js';
import type { Store } from './db.js';
import type { EmailSightingsTable } from './schema.js';
import { dialectOf } from './dialects/dialect.js';

/** A stored email as a re-decision needs it. */
export interface LeanEmailRecord {
  id: string;
  dedupKey: string;
  messageId: string | null;
  at: Date;
  /** Stored for linked mail only; null when not linked (the message is then re-read from its source). */
  participants: StoredParticipants | null;
  /** The sender's keyed hash, as stored. */
  fromHash: string | null;
  /** The accounts the stored decision links, in its order; none unless linked. */
  previousAccounts: string[];
}

const LEAN_COLUMNS = 'id, dedup_key, message_id, at, participants, from_hash';
const LEAN_SQLITE =
  `SELECT ${LEAN_COLUMNS}, CASE WHEN outcome = 'linked' THEN ` +
  `(SELECT json_group_array(json_extract(a.value, '$.id') ORDER BY a.key) FROM json_each(decision, '$.accounts') AS a) END AS accounts ` +
  `FROM emails WHERE workspace_id || '' = ? AND id IN (SELECT value FROM json_each(?))`;
const LEAN_PG =
  `SELECT ${LEAN_COLUMNS}, CASE WHEN outcome = 'linked' THEN ` +
  `(SELECT json_agg(a.value ->> 'id' ORDER BY a.n) FROM json_array_elements(decision::json -> 'accounts') WITH ORDINALITY AS a(value, n))::text END AS accounts ` +
  `FROM emails WHERE workspace_id || '' = $1 AND id = ANY($2::text[])`;

interface LeanRow {
  id: string;
  dedup_key: string;
  message_id: string | null;
  at: string;
  participants: string | null;
  from_hash: string | null;
  accounts: string | null;
}

/**
 * The ids as the one parameter of an `IN`: a JSON array for SQLite's json_each; for PostgreSQL
 * the text-array literal pg would build, built as bulk-insert.ts does (decisions.md, 2026-12-07).
 */
export function idsParam(db: Store, ids: string[]): string {
  return dialectOf(db) === 'postgres'
    ? textArrayLiteral(
        ids.map((id) => [id]),
        0,
      )
    : JSON.stringify(ids);
}

export async function leanEmailsByIds(db: Store, ws: string, ids: string[]): Promise<Map<string, LeanEmailRecord>> {
  const out = new Map<string, LeanEmailRecord>();
  if (ids.length === 0) return out;
  const text = dialectOf(db) === 'postgres' ? LEAN_PG : LEAN_SQLITE;
  const { rows } = await db.executeQuery<LeanRow>(CompiledQuery.raw(text, [ws, idsParam(db, ids)]));
  for (const r of rows)
    out.set(r.id, {
      id: r.id,
      dedupKey: r.dedup_key,
      messageId: r.message_id,
      at: new Date(r.at),
      participants: r.participants ? (JSON.parse(r.participants) as StoredParticipants) : null,
      fromHash: r.from_hash,
      // A linked decision names at least one account; an empty or missing list reads as none.
      previousAccounts: r.accounts ? ((JSON.parse(r.accounts) as (string | null)[]).filter((a) => a !== null) as string[]) : [],
    });
  return out;
}

const SIGHTINGS_SQLITE =
  'SELECT email_id, connection_id, folder, ref, at, seen_at FROM email_sightings ' +
  'WHERE workspace_id = ? AND email_id IN (SELECT value FROM json_each(?)) ORDER BY seen_at';
const SIGHTINGS_PG =
  'SELECT email_id, connection_id, folder, ref, at, seen_at FROM email_sightings ' +
  'WHERE workspace_id = $1 AND email_id = ANY($2::text[]) ORDER BY seen_at';

type SightingRow = Omit<EmailSightingsTable, 'workspace_id'>;

/** The sightings of these emails by email id, each list in the order emails.ts `emailSightings` gives. */
export async function leanSightingsOf(db: Store, ws: string, ids: string[]): Promise<Map<string, EmailSightingRow[]>> {
  const out = new Map<string, EmailSightingRow[]>();
  if (ids.length === 0) return out;
  const text = dialectOf(db) === 'postgres' ? SIGHTINGS_PG : SIGHTINGS_SQLITE;
  const { rows } = await db.executeQuery<SightingRow>(CompiledQuery.raw(text, [ws, idsParam(db, ids)]));
  for (const r of rows) {
    const row = { connectionId: r.connection_id, folder: r.folder, ref: r.ref, at: new Date(r.at), seenAt: new Date(r.seen_at) };
    const list = out.get(r.email_id);
    if (list) list.push(row);
    else out.set(r.email_id, [row]);
  }
  return out;
}
