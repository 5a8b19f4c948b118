// The embedded SQLite default (better-sqlite3): the same Kysely<DB>, migrations and queries
// as PostgreSQL (postgres.ts), over one file. Chosen by any --db that is not a postgres:// URL.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteAdapter, SqliteDialect, SqliteIntrospector, SqliteQueryCompiler, type Dialect, type Driver } from 'kysely';
import type { DB } from '../schema.js';
import { EACH_ROW, ROWS_AS_ARRAYS } from './dialect.js';
import { migrate, StoreError, type Store } from '../db.js';
import { SplitSqliteDriver } from './sqlite-split-driver.js';
import { statementCache } from './sqlite-statements.js';
import { WriterThread } from './sqlite-writer-thread.js';

/** Distinct SQL texts kept prepared (a sync repeats a few dozen shapes, pages of a fixed size). */
const STATEMENT_CACHE = 500;
const MARKERS = { eachRow: EACH_ROW, rowsAsArrays: ROWS_AS_ARRAYS };

/**
 * SQLite rolls a transaction back by itself when a write fails with SQLITE_FULL or an I/O
 * error; Kysely's ROLLBACK then fails with "no transaction is active" and that error would
 * replace the one that says what happened (the disk is full). Roll back only what is open.
 */
class SqliteDialectKeepingErrors extends SqliteDialect {
  constructor(private readonly sqlite: Database.Database) {
    const statements = statementCache(sqlite, MARKERS, STATEMENT_CACHE);
    super({ database: { prepare: (sql) => statements.prepare(sql), close: () => sqlite.close() } });
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (conn) => {
      if (this.sqlite.inTransaction) await rollback(conn);
    };
    return driver;
  }
}

export interface SqliteOptions {
  migrate?: boolean;
  /**
   * Writes on a thread of their own (sqlite-split-driver.ts); the default for a file. An
   * in-memory database is one connection's own, so it always runs on the main thread.
   */
  writerThread?: boolean;
}

export async function openSqlite(path: string, opts: SqliteOptions = {}): Promise<Store> {
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
  const db = new Kysely<DB>({
    dialect: opts.writerThread === false || path === ':memory:' ? new SqliteDialectKeepingErrors(sqlite) : await splitDialect(path, sqlite),
  });
  if (opts.migrate !== false) await migrate(db);
  return db;
}

/** Reads on `sqlite` (this thread), writes and transactions on a writer thread of the same file. */
async function splitDialect(path: string, sqlite: Database.Database): Promise<Dialect> {
  let writer: WriterThread;
  try {
    writer = await WriterThread.start(path, MARKERS, STATEMENT_CACHE);
  } catch (err) {
    sqlite.close();
    throw new StoreError(`cannot open database ${path}: ${(err as Error).message}`);
  }
  const driver = new SplitSqliteDriver({ sqlite, statements: statementCache(sqlite, MARKERS, STATEMENT_CACHE) }, writer);
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => driver,
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}
