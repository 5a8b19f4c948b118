/** Slices of at most `size` items, in order: one `IN (…)` list or multi-row insert per query,
 * within every driver's limit on bound parameters (SQLite's 32,766, PostgreSQL's 65,535). */
export function* chunksOf<T>(xs: readonly T[], size = 500): Generator<T[]> {
  for (let i = 0; i < xs.length; i += size) yield xs.slice(i, i + size);
}
