// A file store's writing connection, on a thread of its own (sqlite-split-driver.ts says why).
// The thread is started from source text (`eval`): it needs better-sqlite3 and the statement
// cache, nothing of ours that a bundle (bin/touchpoint's .build/) would have to ship as a
// second entry point. So `writerMain` is self-contained: it reads only its parameters.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type StatementMarkers, statementCache } from './sqlite-statements.js';

export interface WriterReply {
  id: number;
  rows?: unknown[];
  changes?: number;
  lastInsertRowid?: number | bigint;
  /** Whether the writing connection is inside a transaction after the statement. */
  inTransaction: boolean;
  error?: { name: string; message: string; code?: string };
}

interface WriterData extends StatementMarkers {
  modulePath: string;
  path: string;
  cacheSize: number;
}

interface WriterRequest {
  id: number;
  sql?: string;
  params?: unknown[];
  close?: true;
}

interface Port {
  on(event: 'message', listener: (m: WriterRequest) => void): void;
  postMessage(m: WriterReply): void;
}

/** The thread's body: one connection, each request one statement, answered in order. */
function writerMain(require: (id: string) => unknown, data: WriterData, port: Port, cacheOf: typeof statementCache): void {
  const Sqlite = require(data.modulePath) as typeof Database;
  const failure = (err: unknown) => {
    const e = err as { name?: string; message?: string; code?: unknown };
    return { name: String(e?.name ?? 'Error'), message: String(e?.message ?? err), code: typeof e?.code === 'string' ? e.code : undefined };
  };
  let sqlite: Database.Database;
  let cache: ReturnType<typeof statementCache>;
  try {
    sqlite = new Sqlite(data.path);
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    cache = cacheOf(sqlite, data, data.cacheSize);
  } catch (err) {
    port.postMessage({ id: 0, inTransaction: false, error: failure(err) });
    return;
  }
  // Structured cloning turns a Buffer into a plain Uint8Array; better-sqlite3 binds Buffers.
  const bindable = (v: unknown): unknown =>
    v instanceof Uint8Array && !Buffer.isBuffer(v)
      ? Buffer.from(v.buffer, v.byteOffset, v.byteLength)
      : Array.isArray(v)
        ? v.map(bindable)
        : v;
  port.on('message', (m) => {
    if (m.close) {
      try {
        sqlite.close();
        port.postMessage({ id: m.id, inTransaction: false });
      } catch (err) {
        port.postMessage({ id: m.id, inTransaction: false, error: failure(err) });
      }
      return;
    }
    try {
      const stmt = cache.prepare(m.sql ?? '');
      const params = (m.params ?? []).map(bindable);
      if (stmt.reader) {
        const rows = stmt.all(params);
        port.postMessage({ id: m.id, rows, inTransaction: sqlite.inTransaction });
      } else {
        const r = stmt.run(params);
        port.postMessage({ id: m.id, changes: r.changes, lastInsertRowid: r.lastInsertRowid, inTransaction: sqlite.inTransaction });
      }
    } catch (err) {
      port.postMessage({ id: m.id, inTransaction: sqlite.inTransaction, error: failure(err) });
    }
  });
  port.postMessage({ id: 0, inTransaction: false });
}

const requireHere = createRequire(import.meta.url);

/** An error as better-sqlite3 would have thrown it in this thread (its class, `code` kept). */
export function rebuiltError(e: NonNullable<WriterReply['error']>): Error {
  if (e.code !== undefined) return new Database.SqliteError(e.message, e.code);
  const Ctor = e.name === 'TypeError' ? TypeError : e.name === 'RangeError' ? RangeError : Error;
  return new Ctor(e.message);
}

/** The writing connection of one store file, on its own thread. */
export class WriterThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(r: WriterReply): void; reject(e: Error): void }>();
  #next = 1;
  #stopped: Error | null = null;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Starts the thread and opens `path` in it; rejects with the open's error. */
  static async start(path: string, markers: StatementMarkers, cacheSize: number): Promise<WriterThread> {
    const data: WriterData = { ...markers, modulePath: requireHere.resolve('better-sqlite3'), path, cacheSize };
    // `__name`: tsx and the CLI's bundle keep function names with a helper the thread lacks.
    const source = [
      'const __name = (f) => f;',
      "const { workerData, parentPort } = require('node:worker_threads');",
      `(${writerMain.toString()})(require, workerData, parentPort, ${statementCache.toString()});`,
    ].join('\n');
    // No execArgv: the source is plain CommonJS, so neither the parent's loaders (tsx) nor an
    // `--input-type=module` of a `node -e` caller may touch it.
    const worker = new Worker(source, { eval: true, workerData: data, execArgv: [] });
    const thread = new WriterThread(worker);
    const opened = new Promise<WriterReply>((resolve, reject) => thread.#pending.set(0, { resolve, reject }));
    worker.on('message', (r: WriterReply) => thread.#answer(r));
    worker.on('error', (err) => thread.#stop(new Error(`the store's writer thread failed: ${err.message}`)));
    worker.on('exit', (code) => thread.#stop(new Error(`the store's writer thread stopped (exit code ${code})`)));
    const r = await opened;
    if (r.error) {
      await worker.terminate();
      throw rebuiltError(r.error);
    }
    worker.unref(); // idle: it keeps no process alive (see #ref)
    return thread;
  }

  /** Runs one statement on the writing connection. */
  execute(sql: string, params: readonly unknown[]): Promise<WriterReply> {
    return this.#send({ id: this.#next++, sql, params: params as unknown[] });
  }

  /** Closes the connection, then ends the thread. */
  async close(): Promise<void> {
    if (this.#stopped) return;
    try {
      const r = await this.#send({ id: this.#next++, close: true });
      if (r.error) throw rebuiltError(r.error);
    } finally {
      this.#stopped ??= new Error('the store is closed');
      await this.#worker.terminate();
    }
  }

  #send(m: WriterRequest): Promise<WriterReply> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    return new Promise((resolve, reject) => {
      // While a statement is out, the thread holds the process open as a connection would.
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(m.id, { resolve, reject });
      this.#worker.postMessage(m);
    });
  }

  #answer(r: WriterReply): void {
    const p = this.#pending.get(r.id);
    if (!p) return;
    this.#pending.delete(r.id);
    if (this.#pending.size === 0 && !this.#stopped) this.#worker.unref();
    p.resolve(r);
  }

  #stop(err: Error): void {
    this.#stopped ??= err;
    for (const p of this.#pending.values()) p.reject(this.#stopped);
    this.#pending.clear();
  }
}
