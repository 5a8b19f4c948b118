// Issue 15, data at scale: a timeline page of emails read from the links alone. A page read
// its links from their covering index, then sought each email's Message-ID and subject in
// emails_timeline: at 1M emails the 500 seeks were the gap between a 500-item page (45× a
// primary-key read, raw better-sqlite3) and its links alone. The link now carries the two
// columns the page shows (written with the link, store/email-writes.ts: every write of an
// email's subject rewrites its links in the same statement group, and a re-decision that drops
// an email's content drops its links too), so a page is one range of one index on SQLite.
//
// - email_links gets message_id and subject, filled from the emails for existing links.
// - SQLite: the links' covering index (014) is rebuilt with them, so the page reads no table,
//   and 014's emails_timeline, which only the page read, is dropped (one index less to write
//   for every email stored).
//   PostgreSQL keeps 014's index without them (an index row is capped at ~2.7 kB and a subject
//   is not bounded) and reads the links' rows, which it did already, and no longer the emails'.
// Meetings are unchanged: their page still joins meetings_timeline (bench:scale has none).
import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialects/dialect.js';

export const description =
  "email links carry the email's Message-ID and subject (a timeline page reads no email row); SQLite: in the links' covering index";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('email_links').addColumn('message_id', 'text').execute();
  await db.schema.alterTable('email_links').addColumn('subject', 'text').execute();
  await sql`update email_links set message_id = e.message_id, subject = e.subject
    from emails e where e.workspace_id = email_links.workspace_id and e.id = email_links.item_id`.execute(db);
  if (dialectOf(db) !== 'sqlite') return;
  await db.schema.dropIndex('email_links_timeline').execute();
  await db.schema
    .createIndex('email_links_timeline')
    .on('email_links')
    .columns(['workspace_id', 'account_id', 'at', 'item_id desc', 'via', 'message_id', 'subject'])
    .execute();
  await db.schema.dropIndex('emails_timeline').execute();
}
