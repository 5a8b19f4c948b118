import { createRequire } from 'node:module';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PG_ADMIN_URL } from '../../test/support/databases.js';
import { textArrayLiteral } from './bulk-insert.js';

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
