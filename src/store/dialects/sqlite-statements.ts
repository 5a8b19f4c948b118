// The prepared-statement cache of a better-sqlite3 connection, used by both of a file store's
// connections: the main thread's reader and the writer thread's (sqlite-writer-thread.ts).
// The writer thread is started from source text, so this function is self-contained: it
// reads nothing but its parameters (no imports, no names from this module).
import type Database from 'better-sqlite3';

export interface StatementMarkers {
  /** dialect.ts EACH_ROW: a one-row statement run once per row of its parameters. */
  eachRow: string;
  /** dialect.ts ROWS_AS_ARRAYS: a read whose rows come back as arrays. */
  rowsAsArrays: string;
}

export interface StatementCache {
  prepare(sql: string): Database.Statement;
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements can be reused, and preparing
 * the multi-row inserts of a page was ~12 % of a CalDAV sync's time (bench/README.md). Kept
 * by SQL text, least recently used out. Nothing here streams (iterate), so a statement is
 * never busy when it is reused.
 */
export function statementCache(sqlite: Database.Database, markers: StatementMarkers, max: number): StatementCache {
  /**
   * The statement that runs `one` once per row; its parameters are the rows themselves (arrays),
   * so a page is neither flattened into one list nor sliced back into rows (both were ~10 % of
   * bench:store's CPU). Kysely only calls `reader` and `run`.
   */
  function eachRow(one: Database.Statement): Database.Statement {
    const run = (rows: unknown[][]) => {
      let changes = 0;
      // Indexed: `for…of` here left an iterator result per row for the GC (bench:store's heap profile).
      for (let i = 0; i < rows.length; i++) changes += one.run(rows[i]).changes;
      return { changes, lastInsertRowid: 0 };
    };
    return { reader: false, readonly: false, run } as unknown as Database.Statement;
  }
  const cache = new Map<string, Database.Statement>();
  return {
    prepare(sql) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = sql.startsWith(markers.eachRow) ? eachRow(sqlite.prepare(sql)) : sqlite.prepare(sql);
        // A page of hundreds of rows: an object per row was ≈ 30 % of a 500-item timeline page.
        if (sql.startsWith(markers.rowsAsArrays)) stmt.raw(true);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}
