// The audit log is read per workspace, newest first (the API, support bundles) and its
// newest id tells workers whether a workspace's directory changed (store/directory-version.ts).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('audit_log_by_workspace').on('audit_log').columns(['workspace_id', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('audit_log_by_workspace').ifExists().execute();
}
