// A file store's WAL checkpoints, on a thread of their own.
//
// In WAL mode a commit appends the pages it changed to the -wal file; a checkpoint copies them
// back into the database file. SQLite runs that checkpoint inside the commit that takes the
// WAL past 1,000 pages, on the thread that committed: in a 10,000-message IMAP initial sync the
// checkpoints were ≈ 0.5 s of the main thread (benchmarks.md, IMAP initial, round 7), time in
// which the event loop serves nothing. Here a second connection on a worker thread runs a
// PASSIVE checkpoint after each commit instead: it never blocks the writer or a reader, and
// copies only frames already committed. The writing connection keeps an automatic checkpoint
// at a higher mark, as a safety net should this thread fall behind (or fail).
//
// The thread starts only once the WAL has grown past what SQLite's own default would have
// checkpointed (small stores, tests and most CLI commands never start it), and it is unref'd:
// it keeps no process alive. Its source is self-contained text (`eval`), so bin/touchpoint's
// bundle needs no second entry point.
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** SQLite's own automatic-checkpoint mark, in pages (`wal_autocheckpoint`'s default). */
export const SQLITE_DEFAULT_PAGES = 1_000;
/** The WAL size (bytes) past which checkpoints move to the thread: SQLite's mark, at its default 4 KiB page. */
export const THREAD_FROM_BYTES = SQLITE_DEFAULT_PAGES * 4_096;
/** The writing connection's own automatic checkpoint, in pages: only if the thread falls behind. */
export const SAFETY_NET_PAGES = 4_000;

interface Port {
  on(event: 'message', listener: (m: 'checkpoint' | 'close') => void): void;
  postMessage(m: { done: 'checkpoint' | 'close'; error?: string }): void;
}

/** The thread's body: one connection; each message one PASSIVE checkpoint, or the close. */
function checkpointerMain(require: (id: string) => unknown, data: { modulePath: string; path: string }, port: Port): void {
  type Connection = { pragma(s: string): unknown; close(): void };
  const Sqlite = require(data.modulePath) as new (path: string, opts: { fileMustExist: boolean }) => Connection;
  let db: Connection | null = null;
  port.on('message', (m) => {
    try {
      if (m === 'close') {
        db?.close();
        db = null;
      } else {
        // Opened at the first checkpoint: the store file exists by then (it has a WAL).
        db ??= new Sqlite(data.path, { fileMustExist: true });
        db.pragma('wal_checkpoint(PASSIVE)');
      }
      port.postMessage({ done: m });
    } catch (err) {
      port.postMessage({ done: m, error: String((err as Error)?.message ?? err) });
    }
  });
}

const requireHere = createRequire(import.meta.url);

export class Checkpointer {
  #worker: Worker | null = null;
  /** A checkpoint is out; `#again`: a commit came since it was asked for. */
  #busy = false;
  #again = false;
  #failed = false;
  #closing: Promise<void> | null = null;

  /** `onFail`: the thread is gone, so the writer goes back to checkpointing as SQLite would. */
  constructor(
    private readonly path: string,
    private readonly onFail: () => void,
  ) {}

  /** After a commit: a checkpoint on the thread, once the WAL is large enough to want one. */
  afterCommit(): void {
    if (this.#failed || this.#closing) return;
    if (!this.#worker) {
      if (walBytes(this.path) < THREAD_FROM_BYTES) return;
      this.#start();
    }
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#ask();
  }

  /** Closes the thread's connection (waiting for a checkpoint under way), then ends the thread. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const worker = this.#worker;
    if (!worker || this.#failed) {
      await worker?.terminate();
      return;
    }
    worker.ref();
    await new Promise<void>((resolve) => {
      worker.on('message', (m: { done: string }) => m.done === 'close' && resolve());
      worker.once('exit', () => resolve());
      worker.postMessage('close');
    });
    await worker.terminate();
  }

  #start(): void {
    const source = [
      // tsx and the CLI's bundle keep function names with a helper the thread lacks.
      'const __name = (f) => f;',
      "const { workerData, parentPort } = require('node:worker_threads');",
      `(${checkpointerMain.toString()})(require, workerData, parentPort);`,
    ].join('\n');
    // No execArgv: the source is plain CommonJS; the parent's loaders (tsx) must not touch it.
    const worker = new Worker(source, {
      eval: true,
      workerData: { modulePath: requireHere.resolve('better-sqlite3'), path: this.path },
      execArgv: [],
    });
    worker.unref();
    worker.on('message', (m: { done: string; error?: string }) => {
      if (m.done !== 'checkpoint') return;
      // A failed checkpoint is not an error of any write: the writer checkpoints itself again,
      // at SQLite's default mark (onFail), as if this thread did not exist.
      if (m.error) return this.#fail();
      this.#busy = false;
      if (this.#again && !this.#closing) {
        this.#again = false;
        this.#ask();
      }
    });
    worker.on('error', () => this.#fail());
    worker.on('exit', () => this.#closing || this.#fail());
    this.#worker = worker;
  }

  #ask(): void {
    this.#busy = true;
    this.#worker!.postMessage('checkpoint');
  }

  #fail(): void {
    if (this.#failed) return;
    this.#failed = true;
    this.onFail();
    void this.#worker?.terminate();
  }
}

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}
