// Alerts in plain words (issue 17): one row per connection breakage, so a teammate is told
// once per breakage (and again after it was fixed and broke again); and the admins who asked
// for the daily digest, with when it last went out.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reauth_alerts')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('broken_at', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('emailed_to', 'text')
    .addColumn('emailed_at', 'text')
    .addColumn('resolved_at', 'text')
    .addPrimaryKeyConstraint('reauth_alerts_pk', ['connection_id'])
    .execute();
  await db.schema
    .createTable('alert_digests')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('subscribed_at', 'text', (c) => c.notNull())
    .addColumn('last_sent_at', 'text')
    .addPrimaryKeyConstraint('alert_digests_pk', ['workspace_id', 'address'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('alert_digests').execute();
  await db.schema.dropTable('reauth_alerts').execute();
}
