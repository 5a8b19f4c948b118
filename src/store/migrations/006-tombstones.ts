// Tombstones: what the retention purge leaves of a not-linked email or meeting occurrence, so
// explain still answers "seen on 3 Mar in INBOX, not linked: no end user (E3); details removed
// after 30 days" instead of "none has seen it". No content and no address in clear: the key
// is the workspace-keyed HMAC of the Message-ID / fingerprint or the calendar UID.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tombstones')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull()) // email | meeting
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('occurrence_start', 'text', (c) => c.notNull()) // '' for email
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('purged_at', 'text', (c) => c.notNull())
    .addColumn('retention_days', 'real', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('codes', 'text', (c) => c.notNull()) // JSON string[]: the failing check codes
    .addColumn('seen_in', 'text', (c) => c.notNull()) // JSON [{ connectionId, folder }]
    .addPrimaryKeyConstraint('tombstones_pk', ['workspace_id', 'kind', 'key_hash', 'occurrence_start'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('tombstones').execute();
}
