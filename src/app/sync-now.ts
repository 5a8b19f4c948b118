// "Sync now": asks the running service for a sync of one connection at once; while one is
// waiting, a second request is deduplicated.
import { assertSyncable, requireConnection, type AppDeps, type SyncRequested } from './deps.js';
import { AppError } from './errors.js';
import { audit } from './audit.js';

export async function syncNow(deps: AppDeps, input: { connectionId: string }): Promise<{ connectionId: string; status: SyncRequested }> {
  const conn = await requireConnection(deps, input.connectionId);
  assertSyncable(conn);
  if (!deps.requestSync) throw new AppError('unavailable', 'no running service to start the sync');
  const status = await deps.requestSync(conn.id, 'sync_now');
  // Any role may ask (a CSM sees a colleague's account too); asking changes no setting, but it is recorded.
  await audit(deps, 'connection.sync_now', conn.id, { status });
  return { connectionId: conn.id, status };
}
