// Imported end users come back: deleting one that a sync source (CSV, a CRM) created is undone
// by that source's next import unless the deletion suppresses it. Said where it matters: when
// the user deletes (app/directory-changes.ts) and when the troubleshooter suggests a deletion.
import type { EndUser } from '../domain/directory.js';

/** "Will be recreated by <source>": said at the moment of deletion (the article's warning). */
export function recreationWarning(u: Pick<EndUser, 'source' | 'email'>): string | undefined {
  if (u.source === 'manual') return undefined;
  return `${u.email} came from ${u.source}: its next import will recreate it unless you delete with --suppress or remove it at ${u.source}.`;
}
