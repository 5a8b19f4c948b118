// The embedded SQLite default (better-sqlite3): the same Kysely<DB>, migrations and queries
// as PostgreSQL (postgres.ts), over one file. Chosen by any --db that is not a postgres:// URL.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type Driver } from 'kysely';
import type { DB } from '../schema.js';
import { Checkpointer, SAFETY_NET_PAGES, SQLITE_DEFAULT_PAGES } from './sqlite-checkpointer.js';
import { EACH_ROW, ROWS_AS_ARRAYS } from './dialect.js';
import { migrate, StoreError, type Store } from '../db.js';

/** Distinct SQL texts kept prepared (a sync repeats a few dozen shapes, pages of a fixed size). */
const STATEMENT_CACHE = 500;

/**
 * The statement that runs `one` once per row; its parameters are the rows themselves (arrays),
 * so a page is neither flattened into one list nor sliced back into rows (both were ~10 % of
 * bench:store's CPU). Kysely only calls `reader` and `run`.
 */
function eachRow(one: Database.Statement): Database.Statement {
  const run = (rows: unknown[][]) => {
    let changes = 0;
    // Indexed: `for…of` here left an iterator result per row for the GC (bench:store's heap profile).
    for (let i = 0; i < rows.length; i++) changes += one.run(rows[i]).changes;
    return { changes, lastInsertRowid: 0 };
  };
  return { reader: false, run } as unknown as Database.Statement;
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements can be reused, and preparing
 * the multi-row inserts of a page was ~12 % of a CalDAV sync's time (bench/README.md). Kept
 * by SQL text, least recently used out. Nothing here streams (iterate), so a statement is
 * never busy when it is reused.
 */
function withStatementCache(sqlite: Database.Database): { prepare(sql: string): Database.Statement; close(): void } {
  const cache = new Map<string, Database.Statement>();
  return {
    prepare(sql) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = sql.startsWith(EACH_ROW) ? eachRow(sqlite.prepare(sql)) : sqlite.prepare(sql);
        // A page of hundreds of rows: an object per row was ≈ 30 % of a 500-item timeline page.
        if (sql.startsWith(ROWS_AS_ARRAYS)) stmt.raw(true);
        if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
    close: () => sqlite.close(),
  };
}

/**
 * SQLite rolls a transaction back by itself when a write fails with SQLITE_FULL or an I/O
 * error; Kysely's ROLLBACK then fails with "no transaction is active" and that error would
 * replace the one that says what happened (the disk is full). Roll back only what is open.
 */
class SqliteDialectKeepingErrors extends SqliteDialect {
  constructor(
    private readonly sqlite: Database.Database,
    private readonly checkpointer: Checkpointer | null,
  ) {
    super({ database: withStatementCache(sqlite) });
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (conn) => {
      if (this.sqlite.inTransaction) await rollback(conn);
    };
    const checkpointer = this.checkpointer;
    if (checkpointer) {
      const commit = driver.commitTransaction.bind(driver);
      driver.commitTransaction = async (conn) => {
        await commit(conn);
        checkpointer.afterCommit();
      };
      const destroy = driver.destroy.bind(driver);
      driver.destroy = async () => {
        await checkpointer.close();
        await destroy();
      };
    }
    return driver;
  }
}

export async function openSqlite(path: string, opts: { migrate?: boolean } = {}): Promise<Store> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path);
  } catch (err) {
    throw new StoreError(`cannot open database ${path}: ${(err as Error).message}`);
  }
  // Wait for other processes' locks first: switching a new file to WAL takes one too.
  sqlite.pragma('busy_timeout = 5000');
  // WAL: readers never block the sync writer; NORMAL is durable across process crashes.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  // Checkpoints on a thread of their own (sqlite-checkpointer.ts); the writer's own only as a net.
  let checkpointer: Checkpointer | null = null;
  if (!sqlite.memory) {
    sqlite.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
    checkpointer = new Checkpointer(path, () => sqlite.open && sqlite.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`));
  }
  const db = new Kysely<DB>({ dialect: new SqliteDialectKeepingErrors(sqlite, checkpointer) });
  if (opts.migrate !== false) await migrate(db);
  return db;
}
