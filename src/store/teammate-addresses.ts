// A teammate's addresses as one column of the row that names the teammate (a connection, a
// teammate), so a read of connections or teammates is one statement instead of one per table:
// bench:scale's explain and search each paid a statement for the addresses alone. The
// addresses come in the order the database scans them, as the separate read gave them.
import { type RawBuilder, sql } from 'kysely';
import type { Store } from './db.js';
import { dialectOf } from './dialects/dialect.js';

/** `(select <JSON array of address> from teammate_addresses …)` for the row's workspace and teammate columns. */
export function teammateAddressesColumn(db: Store, workspaceColumn: string, teammateColumn: string): RawBuilder<unknown> {
  // SQLite's json_group_array of no rows is '[]'; PostgreSQL's json_agg is NULL.
  const agg = dialectOf(db) === 'postgres' ? sql`coalesce(json_agg(ta.address), '[]'::json)` : sql`json_group_array(ta.address)`;
  return sql`(select ${agg} from teammate_addresses ta where ta.workspace_id = ${sql.ref(workspaceColumn)} and ta.teammate_id = ${sql.ref(teammateColumn)})`;
}

/** That column's value: SQLite gives JSON text, PostgreSQL's driver the parsed array. */
export function addressesFromColumn(v: unknown): string[] {
  return (typeof v === 'string' ? JSON.parse(v) : v) as string[];
}
