// A file store's two connections: reads on the main thread, writes on a thread of their own.
//
// better-sqlite3 runs every statement synchronously. With one connection, a sync's page write
// (its inserts and the COMMIT's WAL frames, ≈ a quarter to a third of an initial sync's time)
// blocked the event loop: the next page, already asked for, waited in the socket, and every
// other sync and API call of the process waited with it. Here the writes and every
// transaction run on the writer thread (sqlite-writer-thread.ts) while the main thread parses,
// decides and plans the next page. Reads outside a transaction stay on the main thread, where
// a short read costs no hand-over (a timeline page, explain, search); in WAL mode they read the
// last committed state and never wait for the writer.
//
// What a caller sees is what one connection gave it:
// - A transaction (Kysely's, or `begin` sent through `db.connection()`) runs wholly on the
//   writer thread: its reads see its own writes, and it holds the writer until it ends, so
//   nothing else's writes land inside it.
// - A write outside a transaction commits before its promise settles, so a read after it,
//   on the main thread, sees it.
// - No savepoints (nothing here uses them).
// - One difference: a read outside a transaction no longer waits for another's open
//   transaction; it sees the state before it (as any second process always did).
import { CompiledQuery, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings } from 'kysely';
import type Database from 'better-sqlite3';
import type { StatementCache } from './sqlite-statements.js';
import { rebuiltError, type WriterThread } from './sqlite-writer-thread.js';

/** One holder at a time of the writer thread's connection, first come first served. */
class WriterLock {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves when the lock is held, with the function that releases it. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => held);
    return ready;
  }
}

/** Leading comments (dialect.ts's markers) and blanks skipped: does the statement start with SELECT or WITH? */
const STARTS_AS_READ = /^(?:\s|\/\*.*?\*\/)*(?:select|with)\b/is;

export class SplitSqliteDriver implements Driver {
  readonly #lock = new WriterLock();

  constructor(
    private readonly reader: { sqlite: Database.Database; statements: StatementCache },
    private readonly writer: WriterThread,
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new SplitConnection(this.reader.statements, this.writer, this.#lock);
  }

  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  /**
   * SQLite rolls a transaction back by itself when a write fails with SQLITE_FULL or an I/O
   * error; a ROLLBACK then fails with "no transaction is active" and that error would replace
   * the one that says what happened (the disk is full). Roll back only what is open.
   */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if ((connection as SplitConnection).inTransaction) await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  /** A connection given back inside a transaction (its `begin` sent by hand, never ended) is rolled back, so the writer is free again. */
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = connection as SplitConnection;
    if (c.inTransaction) await c.executeQuery(CompiledQuery.raw('rollback')).catch(() => undefined);
  }

  async destroy(): Promise<void> {
    try {
      await this.writer.close();
    } finally {
      this.reader.sqlite.close();
    }
  }
}

class SplitConnection implements DatabaseConnection {
  /** Holding the writer: inside a transaction on the writer's connection. */
  #release: (() => void) | null = null;

  constructor(
    private readonly statements: StatementCache,
    private readonly writer: WriterThread,
    private readonly lock: WriterLock,
  ) {}

  get inTransaction(): boolean {
    return this.#release !== null;
  }

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    if (!this.#release && STARTS_AS_READ.test(q.sql)) {
      const stmt = this.statements.prepare(q.sql);
      // WITH … INSERT starts like a read; only a statement that writes nothing stays here.
      if (stmt.readonly) return { rows: stmt.all(q.parameters as unknown[]) as R[] };
    }
    const release = this.#release ?? (await this.lock.acquire());
    let reply: Awaited<ReturnType<WriterThread['execute']>>;
    try {
      reply = await this.writer.execute(q.sql, q.parameters);
    } catch (err) {
      this.#release = null;
      release();
      throw err;
    }
    // Kept while the connection is in a transaction (begin … commit/rollback, or SQLite's own rollback on a failure).
    this.#release = reply.inTransaction ? release : null;
    if (!reply.inTransaction) release();
    if (reply.error) throw rebuiltError(reply.error);
    if (reply.rows) return { rows: reply.rows as R[] };
    return {
      rows: [],
      numAffectedRows: reply.changes === undefined ? undefined : BigInt(reply.changes),
      insertId: reply.lastInsertRowid === undefined ? undefined : BigInt(reply.lastInsertRowid),
    };
  }

  // biome-ignore lint/correctness/useYield: nothing here streams (sqlite-statements.ts)
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the SQLite store does not stream queries');
  }
}
