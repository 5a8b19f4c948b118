// Disconnect: nothing syncs any more and the stored password or token is deleted; what was
// logged stays on the timelines. Push subscriptions are stopped first, while the token to
// do it with is still there (best effort, bounded: providers/registry.ts). Emails a directory
// change left waiting whose last readable copy was here are given up in the same transaction.
import { stopPush } from '../providers/registry.js';
import type { ConnectionRecord } from '../store/connections.js';
import { connectorDeps } from '../store/context.js';
import { updateConnection } from '../store/connections.js';
import { giveUpUnreadable } from '../sync/deferred-redecide.js';
import { requireConnection, type AppDeps } from './deps.js';
import { audit } from './audit.js';
import { requireOwnOrAdmin } from './roles.js';

export async function disconnect(deps: AppDeps, input: { connectionId: string }): Promise<ConnectionRecord> {
  const conn = await requireConnection(deps, input.connectionId);
  await requireOwnOrAdmin(deps, conn.teammateId, 'disconnect a connection');
  await stopPush({ ...conn, ...connectorDeps(deps) });
  await deps.db.transaction().execute(async (trx) => {
    const tdeps = { ...deps, db: trx };
    await updateConnection(trx, deps.ws.id, conn.id, {
      status: 'disconnected',
      statusReason: `disconnected by ${deps.actor}`,
      nextSyncAt: null,
      secretEnc: null,
    });
    // Waiting emails this was the last readable copy of will never be re-read: given up now, not in 7 days.
    await giveUpUnreadable(tdeps, conn.id);
    await audit(tdeps, 'connection.disconnect', conn.id, { provider: conn.provider });
  });
  return conn;
}
