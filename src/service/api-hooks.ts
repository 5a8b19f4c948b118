// What the HTTP API asks of the service (api/context.ts ServiceHooks), built here where the
// queue and the scheduler live: the API sits below the service and is handed these.
import type { ServiceHooks } from '../api/context.js';
import type { JobQueue } from '../queue/types.js';
import type { Store } from '../store/db.js';
import { DEFAULT_TIMING, requestSourceSync, requestSync, rescheduleWorkspace, type Timing } from './scheduler.js';

export function apiServiceHooks(deps: { db: Store; queue: JobQueue; timing?: Timing }): ServiceHooks {
  const timing = deps.timing ?? DEFAULT_TIMING;
  return {
    requestSync: (workspaceId, connectionId, reason) => requestSync(deps.queue, workspaceId, connectionId, reason),
    requestSourceSync: async (workspaceId, sourceId) => ({ queued: (await requestSourceSync(deps.queue, workspaceId, sourceId)) !== null }),
    rescheduleWorkspace: (workspaceId, minutes, now) => rescheduleWorkspace(deps.db, workspaceId, minutes, timing, now),
  };
}
