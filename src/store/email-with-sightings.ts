// An email by Message-ID with its sightings in one statement (explain reads both for every
// call: bench:scale). The sightings ride along as a JSON array, in emailSightings' order
// (seen_at; ties as the database scans them), built by an ordered aggregate on each dialect.
// The workspace's directory version rides along too: explain checks its cached directory
// against it on every call, which was a statement of its own (bench:scale).
import { sql } from 'kysely';
import type { Store } from './db.js';
import { dialectOf } from './dialects/dialect.js';
import { directoryVersionColumns, directoryVersionOf } from './directory-version.js';
import { type EmailRecord, type EmailSightingRow, emailFromRow } from './emails.js';
import { reusableQuery } from './reusable-query.js';

type SightingTuple = [connectionId: string, folder: string, ref: string, at: string, seenAt: string];

// Built once per store (store/reusable-query.ts): explain reads it on every call.
const emailWithSightings = reusableQuery((db, v: { ws: string; dedupKey: string }) => {
  const tuple = sql`s.connection_id, s.folder, s.ref, s.at, s.seen_at`;
  const agg =
    dialectOf(db) === 'postgres'
      ? sql`coalesce(json_agg(json_build_array(${tuple}) order by s.seen_at), '[]'::json)`
      : sql`json_group_array(json_array(${tuple}) order by s.seen_at)`;
  return (
    db
      .selectFrom('emails')
      .selectAll()
      .select(
        sql<unknown>`(select ${agg} from email_sightings s where s.workspace_id = emails.workspace_id and s.email_id = emails.id)`.as(
          'sightings',
        ),
      )
      .select(directoryVersionColumns(sql.ref('emails.workspace_id')))
      .where('workspace_id', '=', v.ws)
      // By dedup key, as findEmailsByMessageId: an email with a Message-ID is keyed "mid:<id>".
      .where('dedup_key', '=', v.dedupKey)
  );
});

export async function findEmailWithSightings(
  db: Store,
  ws: string,
  messageId: string,
): Promise<{ email: EmailRecord; sightings: EmailSightingRow[]; directoryVersion: string } | undefined> {
  const [row] = await emailWithSightings(db, { ws, dedupKey: `mid:${messageId}` });
  if (!row) return undefined;
  const { sightings, dir_audit, dir_addresses, ...email } = row;
  const tuples = (typeof sightings === 'string' ? JSON.parse(sightings) : sightings) as SightingTuple[];
  return {
    email: emailFromRow(email),
    sightings: tuples.map(([connectionId, folder, ref, at, seenAt]) => ({
      connectionId,
      folder,
      ref,
      at: new Date(at),
      seenAt: new Date(seenAt),
    })),
    directoryVersion: directoryVersionOf({ dir_audit, dir_addresses }),
  };
}
