// "Where is my email?" (find): a CSM remembers who sent it and which day. The store knew every
// participant only as a keyed hash, not who sent: emails (and the tombstones of purged ones)
// now keep the sender's keyed hash, and indexes answer sender + day, a day range, and a
// meeting's day without scanning the workspace. Linked mail keeps its addresses, so its
// sender hash is filled in here; not-linked mail kept none and stays null (find falls back to
// "any participant" for those rows).
import { createHmac } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('emails').addColumn('from_hash', 'text').execute();
  await db.schema.alterTable('tombstones').addColumn('from_hash', 'text').execute();
  await db.schema.createIndex('emails_by_sender').on('emails').columns(['workspace_id', 'from_hash', 'at']).execute();
  await db.schema.createIndex('emails_by_time').on('emails').columns(['workspace_id', 'at']).execute();
  await db.schema.createIndex('meetings_by_start').on('meetings').columns(['workspace_id', 'occurrence_start']).execute();
  await db.schema.createIndex('tombstones_by_sender').on('tombstones').columns(['workspace_id', 'kind', 'from_hash', 'at']).execute();
  await backfillLinkedSenders(db);
}

/** Same HMAC as store/context.ts hashAddress (a migration must not import app code that may change). */
async function backfillLinkedSenders(db: Kysely<unknown>): Promise<void> {
  const workspaces = await sql<{ id: string; hash_key: string }>`select id, hash_key from workspaces`.execute(db);
  for (const ws of workspaces.rows) {
    const key = Buffer.from(ws.hash_key, 'base64');
    const rows = await sql<{ id: string; participants: string }>`
      select id, participants from emails where workspace_id = ${ws.id} and participants is not null`.execute(db);
    for (const r of rows.rows) {
      let from: string | undefined;
      try {
        from = (JSON.parse(r.participants) as { from?: { address?: string }[] }).from?.[0]?.address;
      } catch {
        continue; // an unreadable row keeps null: found by "any participant" like not-linked mail
      }
      if (!from) continue;
      const hash = createHmac('sha256', key).update(normalize(from)).digest('hex').slice(0, 32);
      await sql`update emails set from_hash = ${hash} where workspace_id = ${ws.id} and id = ${r.id}`.execute(db);
    }
  }
}

/** The canonical address form of directory/address.ts normalizeAddress, for stored (already clean) addresses. */
function normalize(raw: string): string {
  let s = raw.normalize('NFC').trim();
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  if (/^mailto:/i.test(s)) s = s.slice(7).trim();
  return s.toLowerCase().normalize('NFC');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('tombstones_by_sender').execute();
  await db.schema.dropIndex('meetings_by_start').execute();
  await db.schema.dropIndex('emails_by_time').execute();
  await db.schema.dropIndex('emails_by_sender').execute();
  await db.schema.alterTable('tombstones').dropColumn('from_hash').execute();
  await db.schema.alterTable('emails').dropColumn('from_hash').execute();
}
