// A cheap fingerprint of a workspace's directory, so a worker can keep the directory index
// between syncs and reload it only when it changed. End users and the blocklist change only
// through app/directory-changes.ts and the CSV import, which write an audit entry in the same
// transaction: the newest audit id moves with them. Teammates are added, never edited: their
// address count moves with them. Internal domains are on the workspace row, reread per job.
import { sql } from 'kysely';
import type { Store } from './db.js';

export async function directoryVersion(db: Store, ws: string): Promise<string> {
  const r = await sql<{ audit: number | string | null; addresses: number | string }>`
    select (select max(id) from audit_log where workspace_id = ${ws}) as audit,
           (select count(*) from teammate_addresses where workspace_id = ${ws}) as addresses`.execute(db);
  const row = r.rows[0];
  return `${row?.audit ?? 0}/${row?.addresses ?? 0}`;
}
