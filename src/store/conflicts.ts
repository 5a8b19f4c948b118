// Write conflicts between concurrent syncs. Two workers storing the same message (one email
// seen by two mailboxes) or the same meeting (one event in two calendars) race on its
// unique key: the loser's transaction fails with a unique violation, or two pages that touch
// the same rows in a different order deadlock. Running the page again is correct — it then
// finds the other worker's row and adds its sighting — because every write is idempotent.
const CONFLICT_CODES = new Set([
  '23505', // unique_violation (PostgreSQL)
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  'SQLITE_BUSY', // another process holds the write lock past busy_timeout
]);

export function isWriteConflict(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && CONFLICT_CODES.has(code);
}

/** Run `fn` (a whole transaction) again when it lost a write race, a few times, with a short random pause. */
export async function retryOnConflict<T>(fn: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isWriteConflict(err)) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}
