// Disconnect: nothing syncs any more and the stored password or token is deleted; what was
// logged stays on the timelines. Push subscriptions are stopped first, while the token to
// do it with is still there (best effort, bounded: providers/registry.ts).
import { stopPush } from '../providers/registry.js';
import type { ConnectionRecord } from '../store/connections.js';
import { connectorDeps } from '../store/context.js';
import { updateConnection } from '../store/connections.js';
import { requireConnection, type AppDeps } from './deps.js';
import { audit } from './audit.js';
import { requireOwnOrAdmin } from './roles.js';

export async function disconnect(deps: AppDeps, input: { connectionId: string }): Promise<ConnectionRecord> {
  const conn = await requireConnection(deps, input.connectionId);
  await requireOwnOrAdmin(deps, conn.teammateId, 'disconnect a connection');
  await stopPush({ ...conn, ...connectorDeps(deps) });
  await updateConnection(deps.db, deps.ws.id, conn.id, {
    status: 'disconnected',
    statusReason: `disconnected by ${deps.actor}`,
    nextSyncAt: null,
    secretEnc: null,
  });
  await audit(deps, 'connection.disconnect', conn.id, { provider: conn.provider });
  return conn;
}
