// emails_by_message_id duplicated emails_dedup: the dedup key of an email with a Message-ID
// is "mid:<Message-ID>", so the unique (workspace_id, dedup_key) index answers look-ups by
// Message-ID too. Keyed by random strings, each of the two indexes was rewritten almost
// whole by every page a sync stored.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('emails_by_message_id').ifExists().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('emails_by_message_id').on('emails').columns(['workspace_id', 'message_id']).execute();
}
