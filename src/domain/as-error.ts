/** What was thrown, as an Error (a per-item outcome is an Error, whatever a library threw). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
