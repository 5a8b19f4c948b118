// Issue 20: one-time sign-in links. A link carries a short-lived, single-use code (only its
// SHA-256 is stored); the browser trades it once for a session token of the role the link
// was made for, so a long-lived token never travels in a URL.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sign_in_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('teammate', 'text')
    .addColumn('session_minutes', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('token_id', 'text')
    .execute();
  await db.schema.createIndex('sign_in_codes_by_workspace').on('sign_in_codes').columns(['workspace_id', 'expires_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sign_in_codes').execute();
}
