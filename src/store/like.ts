// "Contains" searches that behave the same on SQLite and PostgreSQL. SQLite's LIKE has no
// escape character unless one is named (so "a\_b" looked for a backslash), and it ignores
// ASCII case where PostgreSQL's does not: name the escape, and lower both sides when asked.
import { sql, type RawBuilder, type SqlBool } from 'kysely';

export function escapeLike(s: string): string {
  return s.replace(/[%_\\]/g, '\\$&');
}

export function containsText(column: string, text: string, opts: { caseInsensitive?: boolean } = {}): RawBuilder<SqlBool> {
  if (opts.caseInsensitive) {
    return sql<SqlBool>`lower(${sql.ref(column)}) like ${`%${escapeLike(text.toLowerCase())}%`} escape '\\'`;
  }
  return sql<SqlBool>`${sql.ref(column)} like ${`%${escapeLike(text)}%`} escape '\\'`;
}
