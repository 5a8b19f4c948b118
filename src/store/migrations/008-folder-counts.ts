// Completeness per mail folder: how many messages the server held there since the scan
// window's start at the last sync, how many Touchpoint has seen there, and how many bounded
// re-scans the current shortfall has had. One row per connection and folder, replaced at each
// sync; a folder no longer synced loses its row.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('folder_counts')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('folder', 'text', (c) => c.notNull())
    .addColumn('since', 'text', (c) => c.notNull())
    .addColumn('at_server', 'integer', (c) => c.notNull())
    .addColumn('seen', 'integer', (c) => c.notNull())
    .addColumn('rescans', 'integer', (c) => c.notNull())
    .addColumn('counted_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('folder_counts_pk', ['workspace_id', 'connection_id', 'folder'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('folder_counts').execute();
}
