// Which database a store runs on, for the few statements that differ (DDL of an
// auto-numbered id, advisory locks). Queries themselves stay dialect-free.
import { PostgresAdapter, type Kysely } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

// biome-ignore lint/suspicious/noExplicitAny: accepts a Kysely of any schema; the database type is not looked at
export function dialectOf(db: Kysely<unknown> | Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * Marks a one-row statement whose parameters are rows, each an array of that statement's
 * parameters (store/bulk-insert.ts): it runs once per row. A prepared one-row statement run in a loop costs SQLite ~40 % less CPU
 * than the same rows as a multi-row VALUES list, and only this layer holds the statement.
 */
export const EACH_ROW = '/* each row */ ';

/**
 * Marks a read whose rows come back as arrays of the selected columns, in order, instead of
 * objects (better-sqlite3's `raw` mode): store/reusable-query.ts `reusableRowsQuery`.
 */
export const ROWS_AS_ARRAYS = '/* rows as arrays */ ';
