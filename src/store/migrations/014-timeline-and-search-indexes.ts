// Issue 15, data at scale: an account's timeline page from index pages alone. The page reads
// a range of an account's links newest first, then each item's id, time, message-id and
// subject. The links' index (workspace, account, at) gave the order but each row was then
// fetched from the table, and each email from its (wide: decision, bodies) table row.
//
// - Links: (workspace, account, at, item_id desc) replaces `*_links_by_account`. The
//   timeline's order is (at desc, item_id asc), which this index yields scanned backwards,
//   ties included (no sort of the ties). Same leading columns, so every read that used the
//   old index can use this one.
// - SQLite only: the links' index also carries `via`, and emails/meetings get an index
//   (id, at, message_id, subject) / (id, uid, occurrence_start, title): the page is then read
//   from covering indexes. PostgreSQL caps an index row at ~2.7 kB and these columns are not
//   bounded (a long subject, a mail to hundreds of end users), so an insert could fail there:
//   it keeps the table reads (its page met the target without them).
// - Search by address: "contains" cannot use a B-tree, so every search scanned all end users
//   (50,000 in bench:scale). A query with an "@" can only match an address whose domain
//   starts with the query's part after the "@": end_users_by_domain indexes that domain
//   (the text after the address's "@"; a valid address has one, directory/address.ts), and
//   store/end-user-search.ts reads that range and keeps the "contains" test on what it finds.
//   PostgreSQL: in "C" collation, so a range is a byte prefix as it is on SQLite.
import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialects/dialect.js';

export const description =
  "replaces the links' by-account indexes with (workspace, account, at, item) ones, adds end_users_by_domain (search); SQLite: covering indexes for the timeline page";

export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = dialectOf(db) === 'sqlite';
  for (const t of ['email_links', 'meeting_links']) {
    await db.schema.dropIndex(`${t}_by_account`).execute();
    await db.schema
      .createIndex(`${t}_timeline`)
      .on(t)
      .columns(['workspace_id', 'account_id', 'at', 'item_id desc', ...(sqlite ? ['via'] : [])])
      .execute();
  }
  if (sqlite)
    await sql`create index end_users_by_domain on end_users (workspace_id, substr(email_norm, instr(email_norm, '@') + 1))`.execute(db);
  else
    await sql`create index end_users_by_domain on end_users (workspace_id, (substr(email_norm, strpos(email_norm, '@') + 1) collate "C"))`.execute(
      db,
    );
  if (!sqlite) return;
  await db.schema.createIndex('emails_timeline').on('emails').columns(['id', 'at', 'message_id', 'subject']).execute();
  await db.schema.createIndex('meetings_timeline').on('meetings').columns(['id', 'uid', 'occurrence_start', 'title']).execute();
}
