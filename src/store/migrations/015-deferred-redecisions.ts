// Deferred re-decisions: an email a directory change had to re-read from its source, where
// every copy was refused for a reason that passes (the provider's quota or concurrency limit,
// the network, credentials to renew). It waits here, per workspace and email, and is re-read
// after one of its connections next syncs, until read, gone, or given up (sync/deferred-redecide.ts).
import type { Kysely } from 'kysely';

export const description =
  'adds the deferred_redecisions table (emails a directory change could not re-read yet: re-read after the next sync)';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deferred_redecisions')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('email_id', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('first_failed_at', 'text', (c) => c.notNull())
    .addColumn('last_failed_at', 'text', (c) => c.notNull())
    /** The last refusal's SourceError code (THROTTLED, NETWORK, AUTH_FAILED) and the provider that gave it. */
    .addColumn('last_error', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('deferred_redecisions_pk', ['workspace_id', 'email_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('deferred_redecisions').execute();
}
