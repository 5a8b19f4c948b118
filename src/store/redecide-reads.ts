// What a re-decision reads of stored emails: everything but the subject and bodies, which a
// decision never looks at and a re-decision of linked mail leaves as they are (redecide-writes.ts
// updateRedecided). Looked up by primary key only: with `workspace_id = ?` beside a long
// `id IN (…)`, SQLite's planner walked the workspace's whole `emails_by_time` index for every
// page (42 % of a 10k-email unlink); `workspace_id || ''` keeps the check without offering it an index.
import { sql } from 'kysely';
import { chunksOf } from '../domain/chunks.js';
import type { Store } from './db.js';
import { emailFromRow, type EmailRecord } from './emails.js';

/** A stored email without its subject and bodies (null here whatever is stored), and its sender's hash. */
export interface LeanEmailRecord extends EmailRecord {
  lean: true;
  fromHash: string | null;
}

export async function leanEmailsByIds(db: Store, ws: string, ids: string[]): Promise<Map<string, LeanEmailRecord>> {
  const out = new Map<string, LeanEmailRecord>();
  for (const part of chunksOf(ids, 500)) {
    const rows = await db
      .selectFrom('emails')
      .select(['id', 'dedup_key', 'message_id', 'at', 'outcome', 'decision', 'participants', 'decided_at', 'from_hash'])
      .where(sql<string>`workspace_id || ''`, '=', ws)
      .where('id', 'in', part)
      .execute();
    for (const r of rows) out.set(r.id, { ...emailFromRow(r), lean: true, fromHash: r.from_hash });
  }
  return out;
}
