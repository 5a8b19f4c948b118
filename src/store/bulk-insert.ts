// Many rows into one table in as few statements as the database allows, with SQL text that is
// built once per shape and reused. A sync page inserts hundreds of rows into four tables; having
// Kysely build and compile a VALUES list of every row each time cost more than the insert
// itself (bench:store), so these statements bypass the query builder:
//   PostgreSQL: INSERT … SELECT * FROM unnest($1::text[], …) — one statement, one parameter per
//               column whatever the row count (the same text every page, so the plan is reused);
//   SQLite:     one prepared one-row statement run for every row, in-process (dialects/sqlite.ts:
//               EACH_ROW), cheaper than a multi-row VALUES list.
// Every column of the tables written this way is text (migration 001), so text arrays suffice.
import { CompiledQuery } from 'kysely';
import type { Store } from './db.js';
import { dialectOf, EACH_ROW } from './dialects/dialect.js';

/** A row's values in the order of the statement's columns. */
export type BulkRow = (string | null)[];

const texts = new Map<string, string>();

/** The SQL text of one shape, built on first use. */
function textOf(key: string, build: () => string): string {
  let t = texts.get(key);
  if (t === undefined) {
    t = build();
    texts.set(key, t);
  }
  return t;
}

export interface BulkInsert {
  table: string;
  columns: readonly string[];
  rows: BulkRow[];
  /** Appended verbatim (e.g. "ON CONFLICT DO NOTHING"); the caller's constant, never user input. */
  onConflict?: string;
}

/**
 * Several inserts at once. On PostgreSQL one statement (each insert a data-modifying WITH
 * clause over its unnest arrays): a page's four tables in one round trip instead of four.
 * On SQLite, in-process, one after the other. No insert may depend on another's rows.
 * A sync's page of new mail does not come here on PostgreSQL (insertNewEmailsUnlessStored):
 * for its ~1 MB of arrays the one statement cost the server more CPU than one per table.
 */
export async function insertAll(db: Store, inserts: BulkInsert[]): Promise<void> {
  if (dialectOf(db) !== 'postgres') {
    for (const x of inserts) await insertRows(db, x.table, x.columns, x.rows, x.onConflict);
    return;
  }
  await insertAllPg(db, inserts);
}

/** insertAll on PostgreSQL: the statement's result (its row count is the last insert's). */
function insertAllPg(db: Store, inserts: BulkInsert[]) {
  const key = `pg-all|${shapeOf(inserts)}`;
  const text = textOf(key, () => {
    const parts = pgInserts(inserts);
    const last = parts.pop()!;
    return parts.length ? `WITH ${parts.map((p, i) => `w${i} AS (${p})`).join(', ')} ${last}` : last;
  });
  return db.executeQuery(CompiledQuery.raw(text, pgParams(inserts)));
}

const shapeOf = (inserts: BulkInsert[]) => inserts.map((x) => `${x.table}(${x.columns.join(',')})${x.onConflict ?? ''}`).join('|');

/** Each insert's `INSERT … SELECT FROM unnest` text, its arrays numbered from $1 on. */
function pgInserts(inserts: BulkInsert[]): string[] {
  let n = 0;
  return inserts.map((x) => {
    const arrays = x.columns.map(() => `$${++n}::text[]`).join(', ');
    return `INSERT INTO ${x.table} (${x.columns.join(', ')}) SELECT * FROM unnest(${arrays}) ${x.onConflict ?? ''}`;
  });
}

/** One text array per column of each insert, in pgInserts' order, each already as its array literal. */
function pgParams(inserts: BulkInsert[]): string[] {
  return inserts.flatMap((x) => x.columns.map((_, c) => textArrayLiteral(x.rows, c)));
}

const NEEDS_ESCAPE = /["\\]/;
const ESCAPES = /["\\]/g;
/** What JSON.stringify escapes besides `"` and `\\`: control characters and (lone) surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what this looks for
const JSON_ONLY_ESCAPES = /[\u0000-\u001f\ud800-\udfff]/;

/**
 * `v` quoted as an array element: `"` and `\\` escaped. JSON.stringify escapes exactly those two
 * and nothing else in a string without control characters or surrogates — a JSON text (a
 * linked decision, participants) never has any — and does it ≈ 2× faster than the regex replace.
 */
function quoted(v: string): string {
  return JSON_ONLY_ESCAPES.test(v) ? `"${v.replace(ESCAPES, '\\$&')}"` : JSON.stringify(v);
}

/**
 * Column `c` of `rows` as the text-array literal `pg` would send for the array itself (its
 * utils.arrayString: every element quoted, backslash and quote escaped, NULL unquoted), so the
 * bytes on the wire are the same. Built here because pg's version runs two regex replaces on
 * every element and a page's ids, hashes and dates have nothing to escape: ≈ half the CPU
 * (20,000 emails' arrays: ≈ 0.25 s against ≈ 0.5 s), and no column arrays allocated first.
 * An element with something to escape is escaped in one pass and kept for the rest of the
 * column: a page's not-linked emails share a few codes-only decision JSONs (one string each,
 * codes-only-decision.ts), ≈ 700 bytes of quotes each, which were escaped again for every
 * email — 20,000 emails' decision column ≈ 0.6–0.9 s CPU against ≈ 0.1–0.15 s now (bench:store, session 23).
 */
export function textArrayLiteral(rows: readonly BulkRow[], c: number): string {
  let s = '{';
  let escaped: Map<string, string> | undefined;
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i]![c];
    if (i > 0) s += ',';
    if (v === null || v === undefined) s += 'NULL';
    else if (NEEDS_ESCAPE.test(v)) {
      escaped ??= new Map();
      let q = escaped.get(v);
      if (q === undefined) {
        q = quoted(v);
        escaped.set(v, q);
      }
      s += q;
    } else s += `"${v}"`;
  }
  return `${s}}`;
}

/**
 * Insert `rows` into `table`; returns how many were inserted (fewer when `onConflict` skips
 * some). `onConflict` is appended verbatim (e.g. "ON CONFLICT DO NOTHING"); table, columns and
 * clause are the caller's constants, never user input.
 */
export async function insertRows(db: Store, table: string, columns: readonly string[], rows: BulkRow[], onConflict = ''): Promise<number> {
  if (rows.length === 0) return 0;
  // PostgreSQL: insertAll's one unnest statement, of this one insert.
  if (dialectOf(db) === 'postgres') return Number((await insertAllPg(db, [{ table, columns, rows, onConflict }])).numAffectedRows ?? 0);
  const head = `INSERT INTO ${table} (${columns.join(', ')})`;
  const text = textOf(
    `sqlite|${head}|${onConflict}`,
    () => `${EACH_ROW}${head} VALUES (${columns.map(() => '?').join(', ')}) ${onConflict}`,
  );
  // The driver's one-row statement sums each row's changes (dialects/sqlite.ts).
  return Number((await db.executeQuery(CompiledQuery.raw(text, rows))).numAffectedRows ?? 0);
}
