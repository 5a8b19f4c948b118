// Directory sources (issue 16): a CRM or support desk whose companies become accounts and whose
// contacts become end users. One row per source (one per kind in a workspace: end users carry
// the kind as their `source`, "crm:hubspot"); which account each source company maps onto; and,
// on every end user, the source's record URL and when a sync last saw it (explain shows both).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sources')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('secret_enc', 'text', (c) => c.notNull())
    .addColumn('mapping', 'text', (c) => c.notNull())
    .addColumn('cursor', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('authorized_at', 'text', (c) => c.notNull())
    .addColumn('last_sync_at', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('next_sync_at', 'text')
    .addColumn('counts', 'text')
    .addColumn('last_report', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('sources_workspace_kind', ['workspace_id', 'kind'])
    .execute();
  await db.schema
    .createTable('source_companies')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('synced_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('source_companies_pk', ['workspace_id', 'source_id', 'external_id'])
    .execute();
  await db.schema.alterTable('end_users').addColumn('source_url', 'text').execute();
  await db.schema.alterTable('end_users').addColumn('source_synced_at', 'text').execute();
  // A sync finds a contact's end users by (source, external id) once per page.
  await db.schema.createIndex('end_users_by_source_record').on('end_users').columns(['workspace_id', 'source', 'external_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('end_users_by_source_record').execute();
  await db.schema.alterTable('end_users').dropColumn('source_synced_at').execute();
  await db.schema.alterTable('end_users').dropColumn('source_url').execute();
  await db.schema.dropTable('source_companies').execute();
  await db.schema.dropTable('sources').execute();
}
