// Connection health: per connection, status, authorizedAt, last and next sync, counts of
// items seen / linked / skipped by reason, last error in plain words, per-item errors.
import type { Ctx } from '../store/context.js';
import { listConnections, listItemErrors } from '../store/connections.js';
import { connectionCounts } from '../store/timeline.js';

export async function connectionHealth(ctx: Ctx) {
  const conns = await listConnections(ctx.db, ctx.ws.id);
  const out = [];
  for (const c of conns) {
    const counts = await connectionCounts(ctx.db, ctx.ws.id, c.id);
    out.push({
      id: c.id,
      teammate: c.ownerAddresses[0] ?? c.teammateId,
      provider: c.provider,
      mail: c.hasMail,
      calendar: c.hasCalendar,
      status: c.status,
      statusReason: c.statusReason ?? null,
      authorizedAt: c.authorizedAt.toISOString(),
      lastSyncAt: c.lastSyncAt?.toISOString() ?? null,
      lastSuccessAt: c.lastSuccessAt?.toISOString() ?? null,
      nextSyncAt: c.nextSyncAt?.toISOString() ?? null,
      lastError: c.lastError,
      progress: c.progress,
      counts,
      errors: await listItemErrors(ctx.db, ctx.ws.id, c.id),
    });
  }
  return { workspace: ctx.ws.slug, syncIntervalMinutes: ctx.ws.syncIntervalMinutes, connections: out };
}
