import { createRequire } from 'node:module';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestStore, PG_ADMIN_URL } from '../../test/support/databases.js';
import { insertAll, insertRows, textArrayLiteral, type BulkRow } from './bulk-insert.js';

// Values a page can hold: JSON with quotes and backslashes, NULLs, empty strings, the array
// syntax's own characters, the word NULL as text, non-ASCII and surrogate pairs, newlines.
const VALUES: (string | null)[] = [
  'plain',
  '{"detail":"a \\"quoted\\" word","path":"C:\\\\dir"}',
  null,
  '',
  '{a,b}',
  'NULL',
  'Grüße 📧 "x"',
  'line one\nline two\ttab',
  ' leading and trailing ',
  '\\',
  '"',
];

describe('textArrayLiteral', () => {
  it('sends what pg sends for the same array: PostgreSQL reads back every value as given', async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      const rows = VALUES.map((v) => [v]);
      const ours = await client.query<{ a: (string | null)[] }>('SELECT $1::text[] AS a', [textArrayLiteral(rows, 0)]);
      const theirs = await client.query<{ a: (string | null)[] }>('SELECT $1::text[] AS a', [VALUES]);
      expect(ours.rows[0]!.a).toEqual(VALUES);
      expect(ours.rows[0]!.a).toEqual(theirs.rows[0]!.a);
      const empty = await client.query<{ a: string[] }>('SELECT $1::text[] AS a', [textArrayLiteral([], 0)]);
      expect(empty.rows[0]!.a).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it("gives the very bytes of pg's own array literal when values repeat (escaped once, kept for the column)", () => {
    // pg's serialiser of a JS array parameter (lib/utils.js prepareValue → arrayString).
    const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue: (v: unknown) => string };
    const shared = '{"kind":"email","checks":[{"code":"E3_NO_END_USER","detail":""}],"path":"C:\\x"}';
    // Values to escape that JSON.stringify would escape differently: control characters, surrogates.
    const odd = ['"a"\nb', '\u0001"\\', 'lone "\ud800" half', '"\udc00', '"\u001f\u007f\u2028"'];
    const column = [shared, 'plain', shared, null, `${shared}`, '"', shared, '"', ...odd, ...VALUES, ...odd, shared];
    expect(
      textArrayLiteral(
        column.map((v) => [v]),
        0,
      ),
    ).toBe(prepareValue(column));
    expect(
      textArrayLiteral(
        VALUES.map((v) => [v]),
        0,
      ),
    ).toBe(prepareValue(VALUES));
  });
});

describe('shared columns (each distinct value sent once on PostgreSQL)', () => {
  it('stores every row as given, alone and in one statement with another insert', async () => {
    const { db, close } = await openTestStore('postgres', 'bulk-shared');
    try {
      await sql`CREATE TABLE t1 (n text, a text, b text)`.execute(db);
      await sql`CREATE TABLE t2 (n text, b text)`.execute(db);
      const shared = '{"code":"E3_NO_END_USER","detail":"a \\"q\\" b"}';
      const rows: BulkRow[] = VALUES.flatMap((v, i) => [
        [String(i), v, shared],
        [`${i}b`, 'x', v],
        [`${i}c`, v, null],
      ]);
      expect(await insertRows(db, 't1', ['n', 'a', 'b'], rows, '', ['a', 'b'])).toBe(rows.length);
      const byName = (r: { n: string }[]) => [...r].sort((x, y) => (x.n < y.n ? -1 : 1));
      const want = byName(rows.map(([n, a, b]) => ({ n: n!, a, b })));
      expect(byName((await sql<{ n: string; a: string | null; b: string | null }>`SELECT * FROM t1`.execute(db)).rows)).toEqual(want);
      await sql`DELETE FROM t1`.execute(db);
      const two: BulkRow[] = rows.map(([n, , b]) => [n!, b!]);
      await insertAll(db, [
        { table: 't1', columns: ['n', 'a', 'b'], rows, shared: ['b'] },
        { table: 't2', columns: ['n', 'b'], rows: two, shared: ['b'] },
      ]);
      expect(byName((await sql<{ n: string; a: string | null; b: string | null }>`SELECT * FROM t1`.execute(db)).rows)).toEqual(want);
      expect(byName((await sql<{ n: string; b: string | null }>`SELECT * FROM t2`.execute(db)).rows)).toEqual(
        byName(two.map(([n, b]) => ({ n: n!, b }))),
      );
    } finally {
      await close();
    }
  });
});
