// Initial schema. Written with Kysely's schema builder and portable types only
// (text, integer) so the same migration runs on SQLite and PostgreSQL.
import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s
    .createTable('workspaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('internal_domains', 'text', (c) => c.notNull())
    .addColumn('sync_interval_minutes', 'integer', (c) => c.notNull())
    .addColumn('hash_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await s
    .createTable('teammates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await s
    .createTable('teammate_addresses')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('teammate_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('teammate_addresses_pk', ['workspace_id', 'address'])
    .execute();

  await s
    .createTable('accounts')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('accounts_pk', ['workspace_id', 'id'])
    .execute();

  await s
    .createTable('end_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_norm', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('other_fields', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('end_users_account_email', ['workspace_id', 'account_id', 'email_norm'])
    .execute();
  await s.createIndex('end_users_by_email').on('end_users').columns(['workspace_id', 'email_norm']).execute();

  await s
    .createTable('suppressions')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('email_norm', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('suppressions_pk', ['workspace_id', 'source', 'account_id', 'email_norm'])
    .execute();

  await s
    .createTable('blocklist')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('blocklist_pk', ['workspace_id', 'entry'])
    .execute();

  await s
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('teammate_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('secret_enc', 'text')
    .addColumn('has_mail', 'integer', (c) => c.notNull())
    .addColumn('has_calendar', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('authorized_at', 'text', (c) => c.notNull())
    .addColumn('last_sync_at', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('next_sync_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('progress', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await s
    .createTable('cursors')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('cursors_pk', ['connection_id', 'stream'])
    .execute();

  await s
    .createTable('emails')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('dedup_key', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('participants', 'text')
    .addColumn('subject', 'text')
    .addColumn('body_text', 'text')
    .addColumn('body_html', 'text')
    .addColumn('decided_at', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('emails_dedup', ['workspace_id', 'dedup_key'])
    .execute();
  await s.createIndex('emails_by_message_id').on('emails').columns(['workspace_id', 'message_id']).execute();

  await s
    .createTable('email_sightings')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('email_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('folder', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('email_sightings_pk', ['connection_id', 'ref'])
    .execute();
  await s.createIndex('email_sightings_by_email').on('email_sightings').column('email_id').execute();

  for (const t of ['email_links', 'meeting_links']) {
    await s
      .createTable(t)
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('item_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('via', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${t}_pk`, ['item_id', 'account_id'])
      .execute();
    await s.createIndex(`${t}_by_account`).on(t).columns(['workspace_id', 'account_id', 'at']).execute();
  }

  await s
    .createTable('participant_hashes')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('addr_hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('participant_hashes_pk', ['item_id', 'addr_hash'])
    .execute();
  await s.createIndex('participant_hashes_by_hash').on('participant_hashes').columns(['workspace_id', 'addr_hash']).execute();

  await s
    .createTable('calendar_objects')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('ics', 'text')
    .addColumn('occurrences', 'text')
    .addColumn('recurring', 'integer', (c) => c.notNull())
    .addColumn('expanded_until', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('calendar_objects_pk', ['connection_id', 'ref'])
    .execute();

  await s
    .createTable('meetings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('uid', 'text', (c) => c.notNull())
    .addColumn('occurrence_start', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('meetings_occurrence', ['workspace_id', 'uid', 'occurrence_start'])
    .execute();
  await s.createIndex('meetings_upcoming').on('meetings').columns(['workspace_id', 'outcome', 'occurrence_start']).execute();

  await s
    .createTable('meeting_sightings')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('meeting_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('meeting_sightings_pk', ['meeting_id', 'connection_id'])
    .execute();
  await s.createIndex('meeting_sightings_by_ref').on('meeting_sightings').columns(['connection_id', 'ref']).execute();

  await s
    .createTable('item_errors')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('where_ref', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('item_errors_pk', ['connection_id', 'where_ref'])
    .execute();

  // The one auto-numbered id: SQLite's INTEGER PRIMARY KEY AUTOINCREMENT has no PostgreSQL
  // spelling (it rejects AUTOINCREMENT); there an identity column does the same.
  const pg = dialectOf(db) === 'postgres';
  await s
    .createTable('audit_log')
    .addColumn('id', sql`integer`, (c) => (pg ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'audit_log',
    'item_errors',
    'meeting_sightings',
    'meetings',
    'calendar_objects',
    'participant_hashes',
    'meeting_links',
    'email_links',
    'email_sightings',
    'emails',
    'cursors',
    'connections',
    'blocklist',
    'suppressions',
    'end_users',
    'accounts',
    'teammate_addresses',
    'teammates',
    'workspaces',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
