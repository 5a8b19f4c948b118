// Which database a store runs on, for the few statements that differ (DDL of an
// auto-numbered id, advisory locks). Queries themselves stay dialect-free.
import { PostgresAdapter, type Kysely } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

// biome-ignore lint/suspicious/noExplicitAny: accepts a Kysely of any schema; the database type is not looked at
export function dialectOf(db: Kysely<unknown> | Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
