// A read whose SQL text is the same on every call, built and compiled once per store. Kysely
// builds an operation tree and compiles it to SQL on every call: for the short reads of a
// timeline page, explain and search that was 0.01–0.04 ms a statement, several statements a
// call, against a whole primary-key read of ~0.05 ms (bench:scale). The statement itself is
// already kept prepared by the driver (SQLite: dialects/sqlite.ts; PostgreSQL: one round trip
// either way), so only the building is saved.
//
// The query is built once with a marker in place of each named value, and each call passes
// its own values where the markers were. So `build` must put the values into the query as
// values only (a `where`, a `limit`, a `sql` template's `${…}`), never compute with them,
// branch on them or splice them into SQL text: that is checked when the template is made.
import type { CompiledQuery, Compilable } from 'kysely';
import type { Store } from './db.js';
import { dialectOf, ROWS_AS_ARRAYS } from './dialects/dialect.js';

type Values = Record<string, unknown>;
interface Template {
  compiled: CompiledQuery;
  /** For each parameter of the compiled query: the name of the call's value, or a constant of the build. */
  slots: ({ name: string } | { constant: unknown })[];
}

const MARKER = '\u0000reusable-query:';

/** `build(db, values)` compiled once per store; each call runs it with its own `values`. */
export function reusableQuery<V extends Values, R>(
  build: (db: Store, values: V) => Compilable<R>,
  /** A rewrite of the compiled SQL text, made once (e.g. an index hint). */
  rewrite: (sql: string, db: Store) => string = (sql) => sql,
): (db: Store, values: V) => Promise<R[]> {
  const templates = new WeakMap<Store, Template>();
  return async (db, values) => {
    let t = templates.get(db);
    if (!t) {
      t = template(db, values, build, rewrite);
      templates.set(db, t);
    }
    const parameters = t.slots.map((s) => ('name' in s ? values[s.name] : s.constant));
    return (await db.executeQuery<R>({ ...(t.compiled as CompiledQuery<R>), parameters })).rows;
  };
}

/**
 * `reusableQuery` whose rows are arrays of the selected columns in select order, `T` spelling
 * them out. On SQLite better-sqlite3 then makes no object per row (raw mode); PostgreSQL's
 * rows are taken apart here (a round trip outweighs it). For reads of hundreds of rows.
 */
export function reusableRowsQuery<V extends Values, T extends unknown[]>(
  build: (db: Store, values: V) => Compilable<unknown>,
  rewrite: (sql: string, db: Store) => string = (sql) => sql,
): (db: Store, values: V) => Promise<T[]> {
  const read = reusableQuery(build, (sql, db) => (dialectOf(db) === 'sqlite' ? ROWS_AS_ARRAYS : '') + rewrite(sql, db));
  return async (db, values) => {
    const rows = await read(db, values);
    return (dialectOf(db) === 'sqlite' ? rows : rows.map((r) => Object.values(r as object))) as T[];
  };
}

function template<V extends Values, R>(
  db: Store,
  like: V,
  build: (db: Store, values: V) => Compilable<R>,
  rewrite: (sql: string, db: Store) => string,
): Template {
  const markers = Object.fromEntries(Object.keys(like).map((k) => [k, `${MARKER}${k}`])) as V;
  const compiled = build(db, markers).compile();
  const sql = rewrite(compiled.sql, db);
  if (sql.includes(MARKER)) throw new Error('reusableQuery: a value was written into the SQL text, not passed as a parameter');
  const slots = compiled.parameters.map((p) => {
    if (typeof p !== 'string' || !p.includes(MARKER)) return { constant: p };
    const name = p.slice(MARKER.length);
    if (!p.startsWith(MARKER) || !(name in like)) throw new Error('reusableQuery: a value was changed before it was passed as a parameter');
    return { name };
  });
  const used = new Set(slots.flatMap((s) => ('name' in s ? [s.name] : [])));
  const unused = Object.keys(like).filter((k) => !used.has(k));
  if (unused.length) throw new Error(`reusableQuery: ${unused.join(', ')} never reached the query (computed with, or branched on?)`);
  return { compiled: { ...compiled, sql }, slots };
}
