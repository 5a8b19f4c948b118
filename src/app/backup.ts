// `touchpoint backup --out <file>`: one consistent copy of the whole store, every workspace.
// An operator's command on the database (like `secrets rotate`), not a workspace member's: it
// takes no role and writes no workspace audit row. Secrets stay encrypted in the copy, so the
// copy is only useful with the same TOUCHPOINT_SECRET_KEY (docs/operations.md, Backup).
import { existsSync, statSync } from 'node:fs';
import type { Store } from '../store/db.js';
import { backupSqlite, BackupToolError, pgDump, secretKeyIds, tableRows, type BackupFormat } from '../store/backup-files.js';
import { isPostgresUrl } from '../store/open.js';
import { AppError } from './errors.js';

export interface BackupReport {
  file: string;
  format: BackupFormat;
  bytes: number;
  /** Rows per table at the time of the backup. */
  rows: Record<string, number>;
  /** Ids of the keys the backed-up secrets are encrypted with: restore needs the same key. */
  secretKeyIds: string[];
}

export async function backupStore(
  store: { db: Store; location: string },
  out: string,
  opts: { force?: boolean } = {},
): Promise<BackupReport> {
  if (existsSync(out) && !opts.force) throw new AppError('conflict', `${out} exists: choose another --out, or add --force to overwrite it`);
  const format: BackupFormat = isPostgresUrl(store.location) ? 'pg_dump' : 'sqlite';
  const rows = await tableRows(store.db);
  const keys = await secretKeyIds(store.db);
  try {
    if (format === 'pg_dump') await pgDump(store.location, out);
    else await backupSqlite(store.location, out);
  } catch (err) {
    if (err instanceof BackupToolError) throw new AppError('unavailable', err.message);
    throw err;
  }
  return { file: out, format, bytes: statSync(out).size, rows, secretKeyIds: keys };
}
