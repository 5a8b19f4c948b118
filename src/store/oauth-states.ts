// OAuth states are single-use: the callback records the nonce sealed in the state before it
// redeems the code, and a second callback with the same state finds it recorded. Rows are
// kept only until the state would have expired anyway (then the state itself is refused).
import type { Store } from './db.js';

/** Records the state's nonce as used; false when it was used already (a replayed callback). */
export async function markOAuthStateUsed(db: Store, ws: string, nonce: string, expiresAt: Date, now: Date): Promise<boolean> {
  await db.deleteFrom('oauth_states_used').where('workspace_id', '=', ws).where('expires_at', '<', now.toISOString()).execute();
  const rows = await db
    .insertInto('oauth_states_used')
    .values({ workspace_id: ws, nonce, expires_at: expiresAt.toISOString() })
    .onConflict((oc) => oc.column('nonce').doNothing())
    .returning('nonce')
    .execute();
  return rows.length === 1;
}
