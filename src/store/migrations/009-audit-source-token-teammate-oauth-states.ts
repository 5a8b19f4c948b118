// Security round 2 (issue 18): the audit log says from where a change came (the client address
// for the API, "cli" for the CLI); a CSM token may be bound to one teammate, whose own
// connections it may connect and re-authorize; and each OAuth state is used once (its nonce is
// recorded at the callback until the state would have expired anyway).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_log').addColumn('source', 'text').execute();
  await db.schema.alterTable('api_tokens').addColumn('teammate', 'text').execute();
  await db.schema
    .createTable('oauth_states_used')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('oauth_states_used_pk', ['nonce'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oauth_states_used').execute();
  await db.schema.alterTable('api_tokens').dropColumn('teammate').execute();
  await db.schema.alterTable('audit_log').dropColumn('source').execute();
}
