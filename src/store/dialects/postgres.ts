// The PostgreSQL store: the same Kysely<DB>, migrations and queries as the embedded SQLite
// file, over a `pg` pool. Chosen by a postgres:// URL wherever a database is named (--db).
import { Kysely, PostgresDialect } from 'kysely';
import type { DB } from '../schema.js';
import { migrate, StoreError, type Store } from '../db.js';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

export interface PostgresOptions {
  /** Pool size per process (default 10). */
  poolMax?: number;
  /** Run the migrations on open (default true; SQLite too). */
  migrate?: boolean;
}

export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<Store> {
  // Loaded on use: pg takes ~0.2 s to load, which every SQLite CLI call would pay.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: opts.poolMax ?? 10, application_name: 'touchpoint' });
  // An idle client that loses its server (restart, failover) emits 'error' on the pool; without a
  // listener that would crash the process. The next query gets a fresh client.
  pool.on('error', () => {});
  // A client checked out between two queries of a transaction has no pool listener: a lost
  // server then emitted 'error' with nobody listening, and the process crashed with a stack
  // trace (seen by the fault suite's pg_terminate_backend). The transaction's next query
  // fails with "Connection terminated", which the sync reports in plain words.
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new StoreError(`cannot open database ${redactUrl(url)}: ${(err as Error).message}`);
  }
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  // The migration runner takes a PostgreSQL advisory lock: workers starting together migrate once.
  if (opts.migrate !== false) await migrate(db);
  return db;
}
