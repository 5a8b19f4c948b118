// `touchpoint restore --from <file>`: a backup (app/backup.ts) into an empty store. A store
// that holds anything is refused unless --force, and the refusal says what would be replaced.
// A backup from an older release is migrated on the way in. Its secrets stay encrypted with
// the key they were made with: when that is not this process's key, the report says so before
// any sync fails on it. An operator's command on the database, like backup: no workspace role.
import { existsSync } from 'node:fs';
import type { Store } from '../store/db.js';
import { BackupToolError, backupFormatOf, pgRestore, restoreSqlite, secretKeyIds, tableRows } from '../store/backup-files.js';
import { isPostgresUrl, openStore } from '../store/open.js';
import { AppError } from './errors.js';

export interface RestoreReport {
  /** Rows per table the store held before (all replaced); empty when it was empty. */
  replaced: Record<string, number>;
  /** Rows per table after the restore. */
  rows: Record<string, number>;
  /** Set when the backup's secrets were encrypted with another key than this process's. */
  keyWarning?: string;
}

const nonEmpty = (rows: Record<string, number>) => Object.fromEntries(Object.entries(rows).filter(([, n]) => n > 0));

function describeReplaced(rows: Record<string, number>): string {
  const main = ['workspaces', 'connections', 'emails', 'meetings'].filter((t) => rows[t]).map((t) => `${rows[t]} ${t}`);
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  return `${main.length ? main.join(', ') : 'rows'} (${total} rows in ${Object.keys(rows).length} tables)`;
}

async function currentRows(location: string): Promise<Record<string, number>> {
  if (!isPostgresUrl(location) && !existsSync(location)) return {};
  return withStore(location, false, async (db) => nonEmpty(await tableRows(db)));
}

export function keyWarningFor(ids: string[], keyId: string | undefined): string | undefined {
  const others = ids.filter((id) => id !== keyId);
  if (!others.length) return undefined;
  return (
    `this backup's secrets were encrypted with another key (${others.join(', ')})` +
    `${keyId ? `, not this TOUCHPOINT_SECRET_KEY (${keyId})` : ' and TOUCHPOINT_SECRET_KEY is not set'}: ` +
    'set TOUCHPOINT_SECRET_KEY to the passphrase in use when the backup was made before syncing'
  );
}

export async function restoreStore(location: string, from: string, opts: { force?: boolean; keyId?: string } = {}): Promise<RestoreReport> {
  if (!existsSync(from)) throw new AppError('invalid', `--from: ${from} does not exist`);
  const format = backupFormatOf(from);
  const wanted = isPostgresUrl(location) ? 'pg_dump' : 'sqlite';
  if (format !== wanted) {
    throw new AppError(
      'invalid',
      format
        ? `--from: ${from} is a ${format === 'sqlite' ? 'SQLite' : 'pg_dump'} backup; it restores into a ${format === 'sqlite' ? 'SQLite file' : 'PostgreSQL database'} only`
        : `--from: ${from} is not a Touchpoint backup (neither a SQLite file nor a pg_dump archive)`,
    );
  }
  const replaced = await currentRows(location);
  if (Object.keys(replaced).length && !opts.force) {
    throw new AppError(
      'conflict',
      `the store is not empty: it holds ${describeReplaced(replaced)}; restore --force replaces all of it with the backup`,
    );
  }
  try {
    if (wanted === 'sqlite') await restoreSqlite(from, location);
    else await withStore(location, false, (db) => pgRestore(db, from, location));
  } catch (err) {
    if (err instanceof BackupToolError) throw new AppError('unavailable', err.message);
    throw err;
  }
  // Opening migrates: a backup made by an older release is brought to this one's schema.
  return withStore(location, true, async (db) => {
    const warning = keyWarningFor(await secretKeyIds(db), opts.keyId);
    return { replaced, rows: await tableRows(db), ...(warning ? { keyWarning: warning } : {}) };
  });
}

async function withStore<T>(location: string, migrate: boolean, fn: (db: Store) => Promise<T>): Promise<T> {
  const db = await openStore(location, { migrate, poolMax: 2 });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}
