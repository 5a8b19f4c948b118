// Opening the store from a location: a SQLite file path (the embedded default) or a
// postgres:// URL. Everything above the store sees the same Kysely<DB>.
import type { Store } from './db.js';
import { openSqlite } from './dialects/sqlite.js';
import { isPostgresUrl, openPostgres, type PostgresOptions } from './dialects/postgres.js';

export { isPostgresUrl, redactUrl } from './dialects/postgres.js';

export async function openStore(location: string, opts: PostgresOptions = {}): Promise<Store> {
  return isPostgresUrl(location) ? openPostgres(location, opts) : openSqlite(location, opts);
}
