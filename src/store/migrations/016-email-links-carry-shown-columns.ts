// Issue 15, data at scale: a timeline page of emails read from the links alone. A page read
// its links from their covering index, then sought each email's Message-ID and subject in
// emails_timeline: at 1M emails the 500 seeks were the gap between a 500-item page (45× a
// primary-key read, raw better-sqlite3) and its links alone. The link now carries the two
// columns the page shows (written with the link, store/email-writes.ts: every write of an
// email's subject rewrites its links in the same statement group, and a re-decision that drops
// an email's content drops its links too), so a page is one range of one index on SQLite.
//
// - email_links gets message_id and subject, filled from the emails for existing links.
// - SQLite: the links' covering index (014) is rebuilt with them, so the page reads no table.
//   PostgreSQL keeps 014's index without them (an index row is capped at ~2.7 kB and a subject
//   is not bounded) and reads the links' rows, which it did already, and no longer the emails'.
// - A link inserted without them (by the previous release, still running during a rolling
//   deploy: docs/operations.md) gets them from its email, by a trigger, once the statement
//   has written the email (AFTER: PostgreSQL inserts a page's emails and links in one
//   statement). This release writes them itself, so the trigger's condition is false for it.
// - emails_timeline is no longer read, but the previous release names it (INDEXED BY): it is
//   dropped by the next release, not this one.
// Meetings are unchanged: their page still joins meetings_timeline (bench:scale has none).
import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialects/dialect.js';

export const description =
  "email links carry the email's Message-ID and subject (a timeline page reads no email row; a trigger fills them for older writers); SQLite: in the links' covering index";

export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = dialectOf(db) === 'sqlite';
  await db.schema.alterTable('email_links').addColumn('message_id', 'text').execute();
  await db.schema.alterTable('email_links').addColumn('subject', 'text').execute();
  await sql`update email_links set message_id = e.message_id, subject = e.subject
    from emails e where e.workspace_id = email_links.workspace_id and e.id = email_links.item_id`.execute(db);
  if (sqlite) {
    await sql`create trigger email_links_shown_columns after insert on email_links
      when new.message_id is null and new.subject is null
      begin
        update email_links set message_id = e.message_id, subject = e.subject from emails e
          where e.workspace_id = new.workspace_id and e.id = new.item_id
          and email_links.item_id = new.item_id and email_links.account_id = new.account_id;
      end`.execute(db);
    await db.schema.dropIndex('email_links_timeline').execute();
    await db.schema
      .createIndex('email_links_timeline')
      .on('email_links')
      .columns(['workspace_id', 'account_id', 'at', 'item_id desc', 'via', 'message_id', 'subject'])
      .execute();
    return;
  }
  await sql`create function email_links_shown_columns() returns trigger language plpgsql as $$
    begin
      update email_links set message_id = e.message_id, subject = e.subject from emails e
        where e.workspace_id = new.workspace_id and e.id = new.item_id
        and email_links.item_id = new.item_id and email_links.account_id = new.account_id;
      return null;
    end $$`.execute(db);
  await sql`create trigger email_links_shown_columns after insert on email_links for each row
    when (new.message_id is null and new.subject is null) execute function email_links_shown_columns()`.execute(db);
}
