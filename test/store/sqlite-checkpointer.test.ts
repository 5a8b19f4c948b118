// A file store's WAL checkpoints run on a thread of their own (src/store/dialects/sqlite-checkpointer.ts).
// What a user would notice if that thread did not do its job: the -wal file growing without bound
// beside the store, committed data never reaching the database file, or a close that leaves a WAL.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeFileSync } from 'node:fs';
import { Checkpointer, SAFETY_NET_PAGES, THREAD_FROM_BYTES } from '../../src/store/dialects/sqlite-checkpointer.js';
import { openSqlite } from '../../src/store/dialects/sqlite.js';
import type { Store } from '../../src/store/db.js';

const MB = 1024 * 1024;
let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-ckpt-'));
  path = join(dir, 'store.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** `mb` megabytes of incompressible rows, one transaction per megabyte (a sync commits per page). */
async function write(db: Store, mb: number, from = 0): Promise<void> {
  await sql`create table if not exists filler (n integer primary key, b blob)`.execute(db);
  for (let t = 0; t < mb; t++) {
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < 16; i++) await sql`insert into filler (n, b) values (${(from + t) * 16 + i}, randomblob(65536))`.execute(trx);
    });
  }
}
const bytes = (p: string) => (existsSync(p) ? statSync(p).size : 0);

describe('SQLite checkpoints on their own thread', () => {
  it('committed pages reach the database file while the writer checkpoints only past its safety net', async () => {
    const db = await openSqlite(path);
    try {
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
      expect(rows[0]!.wal_autocheckpoint).toBe(SAFETY_NET_PAGES);
      // 12 MB is below the writer's own mark (4,000 pages ≈ 16 MB): only the thread copies it.
      const before = bytes(path);
      await write(db, 12);
      await vi.waitFor(() => expect(bytes(path) - before).toBeGreaterThan(11 * MB), { timeout: 15_000, interval: 50 });
      // Written back to back, faster than any checkpoint: the WAL is still bounded by the
      // writer's mark (plus the transaction that crossed it), far below what was written.
      await write(db, 36, 12);
      await vi.waitFor(() => expect(bytes(path) - before).toBeGreaterThan(47 * MB), { timeout: 15_000, interval: 50 });
      expect(bytes(`${path}-wal`)).toBeLessThan(SAFETY_NET_PAGES * 4096 + 2 * MB);
      // Another connection (another process's reader) sees every committed row.
      const other = new Database(path, { readonly: true });
      expect(other.prepare('select count(*) as n from filler').get()).toEqual({ n: 48 * 16 });
      other.close();
    } finally {
      await db.destroy();
    }
    expect(existsSync(`${path}-wal`)).toBe(false); // the last close checkpoints and removes it
    const again = new Database(path, { readonly: true });
    expect(again.prepare('select count(*) as n from filler').get()).toEqual({ n: 48 * 16 });
    again.close();
  });

  it('a store whose WAL stays small never starts the thread, and still checkpoints on close', async () => {
    const db = await openSqlite(path);
    await write(db, 1);
    expect(bytes(`${path}-wal`)).toBeLessThan(THREAD_FROM_BYTES);
    await db.destroy();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const again = new Database(path, { readonly: true });
    expect(again.prepare('select count(*) as n from filler').get()).toEqual({ n: 16 });
    again.close();
  });

  it('a closed store can be reopened and written at once, its thread gone', async () => {
    for (let round = 0; round < 3; round++) {
      const db = await openSqlite(path);
      await write(db, 6, round * 6);
      await db.destroy();
    }
    const db = await openSqlite(path);
    const { rows } = await sql<{ n: number }>`select count(*) as n from filler`.execute(db);
    expect(rows[0]!.n).toBe(18 * 16);
    await db.destroy();
  });

  it('a thread that cannot checkpoint hands checkpointing back to the writer', async () => {
    // A WAL past the mark beside a database file that is gone: the thread cannot open it.
    writeFileSync(`${path}-wal`, Buffer.alloc(THREAD_FROM_BYTES + 4096));
    let handedBack = 0;
    const c = new Checkpointer(path, () => handedBack++);
    c.afterCommit();
    await vi.waitFor(() => expect(handedBack).toBe(1), { timeout: 10_000, interval: 20 });
    c.afterCommit(); // no second thread, no second hand-back
    await c.close();
    expect(handedBack).toBe(1);
  });

  it('an in-memory store keeps SQLite’s own checkpointing', async () => {
    const db = await openSqlite(':memory:');
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
    expect(rows[0]!.wal_autocheckpoint).toBe(1000);
    await db.destroy();
  });
});
