// A file store's writes run on a thread of their own (src/store/dialects/sqlite-split-driver.ts):
// the main thread keeps serving reads and other syncs while a page is written, and what a
// caller sees of transactions, errors and visibility is what one connection gave it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/dialects/sqlite.js';

// biome-ignore lint/suspicious/noExplicitAny: a scratch table outside the store's schema
type Any = Kysely<any>;

let dir: string;
let path: string;
let db: Any;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tp-writer-'));
  path = join(dir, 'tp.db');
  db = (await openSqlite(path, { migrate: false })) as Any;
  await sql`create table t (id integer primary key, v text)`.execute(db);
});

afterEach(async () => {
  await db.destroy().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const count = async (d: Any = db) => Number((await sql<{ n: number }>`select count(*) as n from t`.execute(d)).rows[0]!.n);

/** A write that keeps SQLite busy for a while: `n` rows made by a recursive query. */
const bigInsert = (n: number) => sql`insert into t (v) with recursive c(i) as (select 1 union all select i + 1 from c where i < ${n})
  select printf('%0200d', i) from c`;

describe('a file store writes on its own thread', () => {
  it('the main thread keeps answering reads while a long write runs, and sees the write once it resolves', async () => {
    await db.insertInto('t').values({ id: 1, v: 'before' }).execute();
    const order: string[] = [];
    const write = bigInsert(400_000)
      .execute(db)
      .then(() => order.push('write'));
    // Started after the write: with one connection on the main thread it could only run after it.
    const read = count().then((n) => {
      order.push('read');
      return n;
    });
    expect(await read).toBe(1); // the last committed state, not half of the write
    await write;
    expect(order).toEqual(['read', 'write']);
    expect(await count()).toBe(400_001);
  });

  it("a transaction's reads see its own writes; a read outside it sees the state before it until it commits", async () => {
    let inside = -1;
    let outside = -1;
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 1, v: 'a' }).execute();
      inside = await count(trx);
      outside = await count();
    });
    expect(inside).toBe(1);
    expect(outside).toBe(0);
    expect(await count()).toBe(1);
  });

  it('a write made while a transaction is open waits for it, and is not rolled back with it', async () => {
    let release!: () => void;
    const paused = new Promise<void>((r) => {
      release = r;
    });
    const trx = db
      .transaction()
      .execute(async (t) => {
        await t.insertInto('t').values({ id: 1, v: 'in the transaction' }).execute();
        await paused;
        throw new Error('changed my mind');
      })
      .catch((e: Error) => e.message);
    await new Promise((r) => setTimeout(r, 20));
    const other = db.insertInto('t').values({ id: 2, v: 'outside' }).execute();
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect(await trx).toBe('changed my mind');
    await other;
    expect((await db.selectFrom('t').select('id').execute()).map((r) => r.id)).toEqual([2]);
  });

  it('a failing statement throws SQLite’s own error, code included, and the store goes on', async () => {
    await db.insertInto('t').values({ id: 1, v: 'a' }).execute();
    const err = await db
      .insertInto('t')
      .values({ id: 1, v: 'again' })
      .execute()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Database.SqliteError);
    expect((err as { code: string }).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect((err as Error).message).toMatch(/UNIQUE constraint failed: t\.id/);
    const failed = await db
      .transaction()
      .execute(async (t) => {
        await t.insertInto('t').values({ id: 2, v: 'b' }).execute();
        await t.insertInto('t').values({ id: 1, v: 'dup' }).execute();
      })
      .catch((e: Error) => e.message);
    expect(failed).toMatch(/UNIQUE/);
    expect(await count()).toBe(1); // the transaction's first insert rolled back with it
    await db.insertInto('t').values({ id: 3, v: 'c' }).execute();
    expect(await count()).toBe(2);
  });

  it('a transaction begun by hand on a connection (as migrations do) holds the writer until it ends', async () => {
    const log: string[] = [];
    const manual = db.connection().execute(async (c) => {
      await sql`begin immediate`.execute(c);
      await c.insertInto('t').values({ id: 1, v: 'manual' }).execute();
      await new Promise((r) => setTimeout(r, 30));
      log.push('manual commits');
      await sql`commit`.execute(c);
    });
    await new Promise((r) => setTimeout(r, 5));
    const other = db
      .insertInto('t')
      .values({ id: 2, v: 'other' })
      .execute()
      .then(() => log.push('other written'));
    await Promise.all([manual, other]);
    expect(log).toEqual(['manual commits', 'other written']);
    expect(await count()).toBe(2);
  });

  it("our own commits leave PRAGMA data_version alone; another connection's commit changes it", async () => {
    const version = async () => Number((await sql<{ data_version: number }>`PRAGMA data_version`.execute(db)).rows[0]!.data_version);
    const v0 = await version();
    await db.insertInto('t').values({ id: 1, v: 'ours' }).execute();
    expect(await version()).toBe(v0);
    const other = new Database(path);
    other.prepare(`insert into t (id, v) values (2, 'theirs')`).run();
    other.close();
    expect(await version()).not.toBe(v0);
  });

  it('after destroy a query fails in plain words', async () => {
    await db.destroy();
    await expect(db.insertInto('t').values({ id: 1, v: 'late' }).execute()).rejects.toThrow(/closed|destroyed/i);
  });

  it('an in-memory store still works, on one connection', async () => {
    const mem = (await openSqlite(':memory:', { migrate: false })) as Any;
    await sql`create table t (id integer primary key, v text)`.execute(mem);
    await mem.insertInto('t').values({ id: 1, v: 'x' }).execute();
    expect(await count(mem)).toBe(1);
    await mem.destroy();
  });
});

describe('a process that opens a store', () => {
  it('exits when its work is done, even if it never closes the store (the idle writer holds nothing open)', () => {
    const script = `
      import { openSqlite } from ${JSON.stringify(join(import.meta.dirname, '../../src/store/dialects/sqlite.ts'))};
      import { sql } from 'kysely';
      const db = await openSqlite(${JSON.stringify(join(dir, 'exit.db'))}, { migrate: false });
      await sql\`create table x (a)\`.execute(db);
      await sql\`insert into x values (1)\`.execute(db);
      console.log('done');
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('done');
    expect(r.status).toBe(0);
    const check = new Database(join(dir, 'exit.db'), { readonly: true });
    expect(check.prepare('select count(*) as n from x').get()).toEqual({ n: 1 });
    check.close();
  });
});
