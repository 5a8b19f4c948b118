// "Sync now": asks the running service for a sync of one connection at once; while one is
// waiting, a second request is deduplicated.
import { assertSyncable, requireConnection, type AppDeps, type SyncRequested } from './deps.js';
import { AppError } from './errors.js';

export async function syncNow(deps: AppDeps, input: { connectionId: string }): Promise<{ connectionId: string; status: SyncRequested }> {
  const conn = await requireConnection(deps, input.connectionId);
  assertSyncable(conn);
  if (!deps.requestSync) throw new AppError('unavailable', 'no running service to start the sync');
  return { connectionId: conn.id, status: await deps.requestSync(conn.id, 'sync_now') };
}
