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
  return likePattern(column, containsPattern(text));
}

/** The LIKE pattern of "contains `text`" (escaped), for likePattern. */
export function containsPattern(text: string): string {
  return `%${escapeLike(text)}%`;
}

/** `column like pattern` with the escape named: a pattern made apart from the statement (a reused one: store/reusable-query.ts). */
export function likePattern(column: string, pattern: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(column)} like ${pattern} escape '\\'`;
}
