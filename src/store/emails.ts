// Email activities: one row per message (deduplicated), every sighting kept, links per account.
// Seen-but-not-linked mail keeps only Message-ID, time, hashed participants and the
// decision's codes — no subject, body or plain addresses (the troubleshooter's rule for seen-but-not-linked mail).
import type { Decision } from '../domain/decision.js';
import type { Address } from '../domain/items.js';
import type { Store } from './db.js';
import type { EmailsTable } from './schema.js';
import { chunksOf } from '../domain/chunks.js';
import { CompiledQuery } from 'kysely';
import { dialectOf } from './dialects/dialect.js';

export interface StoredParticipants {
  from: Address[];
  to: Address[];
  cc: Address[];
  bcc: Address[];
}

export interface EmailSightingRow {
  connectionId: string;
  folder: string;
  ref: string;
  at: Date;
  seenAt: Date;
}

export interface EmailRecord {
  id: string;
  dedupKey: string;
  messageId: string | null;
  at: Date;
  outcome: string;
  decision: Decision;
  participants: StoredParticipants | null;
  subject: string | null;
  bodyText: string | null;
  bodyHtml: string | null;
  decidedAt: Date;
}

/** The columns an EmailRecord is built from; a read may leave out the content ones (then null). */
type EmailRow = Pick<EmailsTable, 'id' | 'dedup_key' | 'message_id' | 'at' | 'outcome' | 'decision' | 'participants' | 'decided_at'> &
  Partial<Pick<EmailsTable, 'subject' | 'body_text' | 'body_html'>>;

export function emailFromRow(r: EmailRow): EmailRecord {
  return {
    id: r.id,
    dedupKey: r.dedup_key,
    messageId: r.message_id,
    at: new Date(r.at),
    outcome: r.outcome,
    decision: JSON.parse(r.decision) as Decision,
    participants: r.participants ? (JSON.parse(r.participants) as StoredParticipants) : null,
    subject: r.subject ?? null,
    bodyText: r.body_text ?? null,
    bodyHtml: r.body_html ?? null,
    decidedAt: new Date(r.decided_at),
  };
}

export async function findEmailByKey(db: Store, ws: string, dedupKey: string): Promise<EmailRecord | undefined> {
  const r = await db.selectFrom('emails').selectAll().where('workspace_id', '=', ws).where('dedup_key', '=', dedupKey).executeTakeFirst();
  return r ? emailFromRow(r) : undefined;
}

export async function getEmail(db: Store, ws: string, id: string): Promise<EmailRecord | undefined> {
  const r = await db.selectFrom('emails').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst();
  return r ? emailFromRow(r) : undefined;
}

export async function findEmailsByMessageId(db: Store, ws: string, messageId: string): Promise<EmailRecord[]> {
  // By dedup key: an email with a Message-ID is keyed "mid:<id>" (the unique index answers).
  const rows = await db
    .selectFrom('emails')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('dedup_key', '=', `mid:${messageId}`)
    .execute();
  return rows.map(emailFromRow);
}

export async function emailSightings(db: Store, ws: string, emailId: string): Promise<EmailSightingRow[]> {
  const rows = await db
    .selectFrom('email_sightings')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('email_id', '=', emailId)
    .orderBy('seen_at')
    .execute();
  return rows.map((r) => ({
    connectionId: r.connection_id,
    folder: r.folder,
    ref: r.ref,
    at: new Date(r.at),
    seenAt: new Date(r.seen_at),
  }));
}

/** Emails by id, a page at a time (re-decisions). */
export async function getEmailsByIds(db: Store, ws: string, ids: string[]): Promise<Map<string, EmailRecord>> {
  const out = new Map<string, EmailRecord>();
  for (const part of chunksOf(ids, 500)) {
    const rows = await db.selectFrom('emails').selectAll().where('workspace_id', '=', ws).where('id', 'in', part).execute();
    for (const r of rows) out.set(r.id, emailFromRow(r));
  }
  return out;
}

/**
 * PostgreSQL: one array parameter, the same short text whatever the page size (an IN list of 500
 * parameters is parsed and bound anew each page). Not a named prepared statement: its cached
 * generic plan, made while the table was small, kept a sequential scan as it grew (~250 ms a page).
 * One probe of the unique (workspace_id, dedup_key) index per key, whatever the statistics say:
 * `dedup_key = ANY($2)` let the planner scan the workspace's every email (by `emails_by_time`, or
 * the table) while the table was new or small next to the page — an initial sync's case, before
 * autovacuum's first ANALYZE: 7 ms at 10,000 emails and growing with each page, against < 1 ms.
 * The LIMIT keeps the subquery a per-key index probe (without it, it is flattened into a join
 * the planner may again hash over the workspace's emails). Duplicate keys give duplicate rows.
 */
export const STORED_KEYS_PG =
  'SELECT e.dedup_key FROM unnest($2::text[]) AS k(key) CROSS JOIN LATERAL ' +
  '(SELECT dedup_key FROM emails WHERE workspace_id = $1 AND dedup_key = k.key LIMIT 1) AS e';

/** Which of these dedup keys are stored: one query for a whole page, the key column only (membership is all a page needs). */
export async function storedEmailKeys(db: Store, ws: string, keys: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  if (keys.length === 0) return out;
  if (dialectOf(db) === 'postgres') {
    const r = await db.executeQuery<{ dedup_key: string }>(CompiledQuery.raw(STORED_KEYS_PG, [ws, keys]));
    for (const row of r.rows) out.add(row.dedup_key);
    return out;
  }
  for (const part of chunksOf(keys, 500)) {
    const rows = await db.selectFrom('emails').select('dedup_key').where('workspace_id', '=', ws).where('dedup_key', 'in', part).execute();
    for (const r of rows) out.add(r.dedup_key);
  }
  return out;
}

/** Ids of items (email or meeting) that involve any of these hashed addresses. */
export async function itemIdsByHashes(db: Store, ws: string, kind: 'email' | 'meeting', hashes: string[]): Promise<string[]> {
  if (hashes.length === 0) return [];
  const out = new Set<string>();
  for (const part of chunksOf(hashes, 500)) {
    const rows = await db
      .selectFrom('participant_hashes')
      .select('item_id')
      .where('workspace_id', '=', ws)
      .where('kind', '=', kind)
      .where('addr_hash', 'in', part)
      .execute();
    for (const r of rows) out.add(r.item_id);
  }
  return [...out];
}

/** Ids of linked emails, for re-decisions that can only remove links (blocklist add). */
export async function linkedEmailIds(db: Store, ws: string): Promise<string[]> {
  const rows = await db.selectFrom('emails').select('id').where('workspace_id', '=', ws).where('outcome', '=', 'linked').execute();
  return rows.map((r) => r.id);
}
