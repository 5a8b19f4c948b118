// Writing back a page of stored emails decided again (a directory change, sync/redecide.ts),
// set-based. The rows equal what saveEmail (email-writes.ts) writes from full records; the
// row builders are email-writes.ts's own, so the two cannot drift apart.
import { sql } from 'kysely';
import { chunksOf } from '../domain/chunks.js';
import { insertAll, type BulkRow } from './bulk-insert.js';
import type { Store } from './db.js';
import { childInserts, EMAIL_COLUMNS, emailRow, emailValues, isoOnce, REPLACE_EMAIL, type EmailWrite } from './email-writes.js';

/** What a re-decision read of the row it rewrites (store/redecide-reads.ts): no subject or bodies. */
export interface StoredForRedecision {
  /** The row keeps content (it was linked): a re-decision leaves subject and bodies as they are. */
  hasContent: boolean;
  at: Date;
  messageId: string | null;
  fromHash: string | null;
}

/** Columns a re-decision of mail with stored content rewrites; its subject and bodies stay. */
const KEEP_CONTENT_COLUMNS = [...EMAIL_COLUMNS.slice(0, 9), 'decided_at', 'from_hash'] as const;
const KEEP_CONTENT =
  'ON CONFLICT (id) DO UPDATE SET ' +
  KEEP_CONTENT_COLUMNS.slice(4)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ') +
  // What a full re-decision writes back for a linked row whose subject was never stored.
  ", subject = COALESCE(emails.subject, '') WHERE emails.workspace_id = excluded.workspace_id";

/**
 * Write back a page decided again (a directory change), set-based: emails that end up not
 * linked with the same time, Message-ID and sender as stored — nearly all of an unlink — are
 * updated with one statement per distinct codes-only decision and chunk of ids (their content
 * and links dropped); the rest are upserted together. Rows equal what saveEmail writes from
 * full records: emails with stored content keep the subject and bodies it would rewrite unchanged.
 */
export async function updateRedecided(db: Store, ws: string, writes: EmailWrite[], stored: StoredForRedecision[]): Promise<void> {
  if (writes.length === 0) return;
  const ids = writes.map((w) => w.id!);
  for (const part of chunksOf(ids, 500))
    await db.deleteFrom('email_links').where(sql<string>`workspace_id || ''`, '=', ws).where('item_id', 'in', part).execute();
  const iso = isoOnce();
  const dropContent = new Map<string, { values: ReturnType<typeof emailValues>; ids: string[] }>();
  const keepContent: BulkRow[] = [];
  const full: BulkRow[] = [];
  writes.forEach((w, i) => {
    const s = stored[i]!;
    const id = ids[i]!;
    if (w.decision.outcome !== 'linked' && sameKeys(w, s)) {
      const values = emailValues(w, iso);
      const key = `${values.outcome}\n${values.decision}\n${values.decided_at}`;
      const group = dropContent.get(key);
      if (group) group.ids.push(id);
      else dropContent.set(key, { values, ids: [id] });
    } else {
      const row = emailRow(ws, id, w, iso);
      if (s.hasContent) keepContent.push([...row.slice(0, 9), ...row.slice(12)]);
      else full.push(row);
    }
  });
  for (const { values, ids: group } of dropContent.values())
    for (const part of chunksOf(group, 500))
      await db
        .updateTable('emails')
        .set({
          outcome: values.outcome,
          decision: values.decision,
          participants: null,
          subject: null,
          body_text: null,
          body_html: null,
          decided_at: values.decided_at,
        })
        // By primary key only (see redecide-reads.ts: SQLite's planner and a long IN list).
        .where(sql<string>`workspace_id || ''`, '=', ws)
        .where('id', 'in', part)
        .execute();
  const inserts = [
    { table: 'emails', columns: KEEP_CONTENT_COLUMNS, rows: keepContent, onConflict: KEEP_CONTENT },
    { table: 'emails', columns: EMAIL_COLUMNS, rows: full, onConflict: REPLACE_EMAIL },
    ...childInserts(ws, writes, ids, iso, false),
  ].filter((x) => x.rows.length > 0);
  // An unlink has nothing left to upsert: no round trip on PostgreSQL for empty arrays.
  if (inserts.length) await insertAll(db, inserts);
}

/** The columns a grouped update leaves alone are what the write would put there anyway. */
function sameKeys(w: EmailWrite, s: StoredForRedecision): boolean {
  return w.at.getTime() === s.at.getTime() && w.messageId === s.messageId && (w.fromHash ?? null) === s.fromHash;
}
