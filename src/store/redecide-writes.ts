// Writing back a page of stored emails decided again (a directory change, sync/redecide.ts),
// set-based. The rows equal what saveEmail (email-writes.ts) writes from full records; the
// row builders are email-writes.ts's own, so the two cannot drift apart.
import { CompiledQuery } from 'kysely';
import type { Decision } from '../domain/decision.js';
import { insertAll, type BulkRow } from './bulk-insert.js';
import { codesOnlyDecisionJson } from './codes-only-decision.js';
import type { Store } from './db.js';
import { dialectOf } from './dialects/dialect.js';
import { idsParam } from './redecide-reads.js';
import { childInserts, EMAIL_COLUMNS, emailRow, isoOnce, REPLACE_EMAIL, type EmailWrite } from './email-writes.js';

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

/** An update of every email of a group: one distinct codes-only decision, content and links dropped. */
const DROP_CONTENT_SET =
  'UPDATE emails SET outcome = ?, decision = ?, participants = NULL, subject = NULL, body_text = NULL, body_html = NULL, decided_at = ?';
// By primary key only (see redecide-reads.ts: SQLite's planner and a long id list).
const DROP_CONTENT_SQLITE = `${DROP_CONTENT_SET} WHERE workspace_id || '' = ? AND id IN (SELECT value FROM json_each(?))`;
const DROP_CONTENT_PG = `${numbered(DROP_CONTENT_SET)} WHERE workspace_id || '' = $4 AND id = ANY($5::text[])`;
const DELETE_LINKS_SQLITE = "DELETE FROM email_links WHERE workspace_id || '' = ? AND item_id IN (SELECT value FROM json_each(?))";
const DELETE_LINKS_PG = "DELETE FROM email_links WHERE workspace_id || '' = $1 AND item_id = ANY($2::text[])";
// A link carries its email's Message-ID and subject (migration 016). An email that keeps its
// stored content is upserted without its subject (KEEP_CONTENT), so its new links are given
// the row's own, once the row is written.
const LINK_SHOWN_SET =
  'SET message_id = e.message_id, subject = e.subject FROM emails e WHERE e.id = l.item_id AND e.workspace_id = l.workspace_id';
const LINKS_FROM_ROWS_SQLITE = `UPDATE email_links AS l ${LINK_SHOWN_SET} AND l.workspace_id || '' = ? AND l.item_id IN (SELECT value FROM json_each(?))`;
const LINKS_FROM_ROWS_PG = `UPDATE email_links AS l ${LINK_SHOWN_SET} AND l.workspace_id || '' = $1 AND l.item_id = ANY($2::text[])`;

/** `?` placeholders as PostgreSQL's $1, $2, … */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/**
 * A change's sizes: emails re-decided per page (sync/redecide.ts), and ids a group collects
 * before it is written (bounds memory on a change of millions, one statement for 10,000).
 * Mutable only so that a test can run many pages and flushes over a few dozen emails.
 */
export const redecideSizes = { page: 500, groupFlush: 10_000 };

export interface RedecidedWriter {
  /** A page decided again: its links deleted and what must be upserted written now; the rest queued. */
  page(writes: EmailWrite[], stored: StoredForRedecision[]): Promise<void>;
  /** The queued updates written, one statement per distinct codes-only decision. */
  finish(): Promise<void>;
}

/**
 * Write back a change's emails decided again, set-based. Emails that end up not linked with the
 * same time, Message-ID and sender as stored — nearly all of an unlink — are grouped by their
 * codes-only decision over the whole change and updated with one statement per group (content
 * and links dropped); the rest are upserted a page at a time. Rows equal what saveEmail writes
 * from full records: emails with stored content keep the subject and bodies it would rewrite
 * unchanged. The queued updates touch only columns nothing else of the change reads (a re-decision
 * reads each email once), so writing them at the end gives the same store; `finish` must be
 * awaited before the change's transaction ends.
 */
export function redecidedWriter(db: Store, ws: string): RedecidedWriter {
  const pg = dialectOf(db) === 'postgres';
  // A handful of distinct decisions per change: found by comparing codes, so no email builds a JSON or key of its own.
  const groups: CodesOnlyGroup[] = [];
  const iso = isoOnce();
  const flush = async (g: CodesOnlyGroup) => {
    groups.splice(groups.indexOf(g), 1);
    const params = [g.decision.outcome, codesOnlyDecisionJson(g.decision), iso(g.now), ws, idsParam(db, g.ids)];
    await db.executeQuery(CompiledQuery.raw(pg ? DROP_CONTENT_PG : DROP_CONTENT_SQLITE, params));
  };
  return {
    async page(writes, stored) {
      if (writes.length === 0) return;
      const ids = writes.map((w) => w.id!);
      await db.executeQuery(CompiledQuery.raw(pg ? DELETE_LINKS_PG : DELETE_LINKS_SQLITE, [ws, idsParam(db, ids)]));
      const keepContent: BulkRow[] = [];
      const full: BulkRow[] = [];
      const upserted: EmailWrite[] = [];
      const upsertedIds: string[] = [];
      const linkedKeepingContent: string[] = [];
      for (let i = 0; i < writes.length; i++) {
        const w = writes[i]!;
        const s = stored[i]!;
        if (w.decision.outcome !== 'linked' && w.newSightings.length === 0 && sameKeys(w, s)) {
          // The columns emailValues gives a not-linked write (its time, Message-ID and sender are as stored).
          const now = w.now.getTime();
          const group = groups.find((g) => g.now.getTime() === now && sameCodes(g.decision, w.decision));
          if (!group) groups.push({ decision: w.decision, now: w.now, ids: [ids[i]!] });
          else if (group.ids.push(ids[i]!) >= redecideSizes.groupFlush) await flush(group);
        } else {
          const row = emailRow(ws, ids[i]!, w, iso);
          if (s.hasContent) {
            keepContent.push([...row.slice(0, 9), ...row.slice(12)]);
            if (w.decision.outcome === 'linked') linkedKeepingContent.push(ids[i]!);
          } else full.push(row);
          // Sightings are new only for the sync; a not-linked email's links are gone with the delete above.
          if (w.decision.outcome === 'linked' || w.newSightings.length) {
            upserted.push(w);
            upsertedIds.push(ids[i]!);
          }
        }
      }
      const inserts = [
        { table: 'emails', columns: KEEP_CONTENT_COLUMNS, rows: keepContent, onConflict: KEEP_CONTENT },
        { table: 'emails', columns: EMAIL_COLUMNS, rows: full, onConflict: REPLACE_EMAIL },
        ...childInserts(ws, upserted, upsertedIds, iso, false),
      ].filter((x) => x.rows.length > 0);
      // An unlink has nothing left to upsert: no round trip on PostgreSQL for empty arrays.
      if (inserts.length) await insertAll(db, inserts);
      if (linkedKeepingContent.length)
        await db.executeQuery(
          CompiledQuery.raw(pg ? LINKS_FROM_ROWS_PG : LINKS_FROM_ROWS_SQLITE, [ws, idsParam(db, linkedKeepingContent)]),
        );
    },
    async finish() {
      while (groups.length) await flush(groups[0]!);
    },
  };
}

/** Emails decided not linked alike: one codes-only decision (the first's stands for all), one decision time. */
interface CodesOnlyGroup {
  decision: Decision;
  now: Date;
  ids: string[];
}

/**
 * Whether two decisions keep the same codes-only JSON: codesOnlyDecisionJson reads nothing but
 * these fields (its slow path too), so equal fields give equal bytes.
 */
function sameCodes(a: Decision, b: Decision): boolean {
  if (a.kind !== b.kind || a.outcome !== b.outcome || a.checks.length !== b.checks.length || a.remedies.length !== b.remedies.length)
    return false;
  for (let i = 0; i < a.checks.length; i++) {
    const x = a.checks[i]!;
    const y = b.checks[i]!;
    if (x.rule !== y.rule || x.status !== y.status || x.code !== y.code) return false;
  }
  for (let i = 0; i < a.remedies.length; i++) if (a.remedies[i]!.code !== b.remedies[i]!.code) return false;
  return true;
}

/** The columns a grouped update leaves alone are what the write would put there anyway. */
function sameKeys(w: EmailWrite, s: StoredForRedecision): boolean {
  return w.at.getTime() === s.at.getTime() && w.messageId === s.messageId && (w.fromHash ?? null) === s.fromHash;
}
