// The database-level work of backup and restore, per dialect. SQLite: better-sqlite3's online
// backup API (pages copied while other processes keep writing; the copy is one consistent
// snapshot). PostgreSQL: pg_dump's custom format and pg_restore, the server's own tools.
// Secrets are stored encrypted (v1:<key id>:…), so a backup holds them encrypted too.
import { execFile } from 'node:child_process';
import { closeSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import type { Store } from './db.js';
import { secretColumns } from './rotate-secrets.js';

const run = promisify(execFile);

export type BackupFormat = 'sqlite' | 'pg_dump';

export class BackupToolError extends Error {}

/** What a file is, from its first bytes: a SQLite database, a pg_dump archive, or neither. */
export function backupFormatOf(file: string): BackupFormat | null {
  const head = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1').startsWith('SQLite format 3\0')) return 'sqlite';
  if (head.toString('latin1').startsWith('PGDMP')) return 'pg_dump';
  return null;
}

export async function backupSqlite(path: string, out: string): Promise<void> {
  const source = new Database(path, { readonly: true, fileMustExist: true });
  try {
    await source.backup(out);
  } finally {
    source.close();
  }
}

/** Copies the backup into place aside first, then renames: a reader never opens half a file. */
export async function restoreSqlite(from: string, to: string): Promise<void> {
  const aside = `${to}.restoring-${process.pid}`;
  const source = new Database(from, { readonly: true, fileMustExist: true });
  try {
    await source.backup(aside);
  } finally {
    source.close();
  }
  for (const f of [`${to}-wal`, `${to}-shm`]) rmSync(f, { force: true });
  renameSync(aside, to);
}

async function tool(name: 'pg_dump' | 'pg_restore', args: string[]): Promise<void> {
  try {
    await run(name, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new BackupToolError(
        `${name} is not on PATH: install the PostgreSQL client tools (the server's major version), or follow docs/operations.md (Backup)`,
      );
    }
    throw new BackupToolError(`${name} failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' ')}`);
  }
}

export function pgDump(url: string, out: string): Promise<void> {
  return tool('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', '--file', out, url]);
}

/** Empties the database (its tables and the queue's schema), then restores the archive in one transaction. */
export async function pgRestore(db: Store, from: string, url: string): Promise<void> {
  await sql`drop schema if exists pgboss cascade`.execute(db);
  await sql`drop schema public cascade`.execute(db);
  await sql`create schema public`.execute(db);
  await tool('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', '--dbname', url, from]);
}

/** Rows per table (Kysely's bookkeeping left out): what a backup holds, what a restore replaces. */
export async function tableRows(db: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await db.introspection.getTables()) {
    if (t.name.startsWith('kysely_') || (t.schema && t.schema !== 'public')) continue; // pg-boss's queue: its own schema
    const row = await db.selectFrom(sql.table(t.name).as('t')).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    out[t.name] = Number(row.n);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The ids of the keys the store's secrets were encrypted with (v1:<key id>:…). */
export async function secretKeyIds(db: Store): Promise<string[]> {
  const ids = new Set<string>();
  for (const c of await secretColumns(db)) {
    const rows = await db
      .selectFrom(sql.table(c.table).as('t'))
      .select(sql<unknown>`${sql.ref(c.column)}`.as('v'))
      .execute();
    for (const { v } of rows)
      for (const m of (typeof v === 'string' ? v : JSON.stringify(v ?? '')).matchAll(/v1:([0-9a-f]{8}):/g)) ids.add(m[1]!);
  }
  return [...ids].sort();
}
