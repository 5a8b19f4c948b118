// Connection health: per connection, status, authorizedAt, last and next sync, counts of
// items seen / linked / skipped by reason, last error in plain words, per-item errors, the
// mail folder settings and completeness per synced folder.
import { readFolderSettings } from '../providers/folder-selection.js';
import type { Ctx } from '../store/context.js';
import { listConnections, listItemErrors } from '../store/connections.js';
import { listFolderCounts, MAX_FOLDER_RESCANS, type FolderCount } from '../store/folder-counts.js';
import { connectionCounts } from '../store/timeline.js';
import { progressWithEta } from '../sync/progress-eta.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "INBOX: 412 at the server since 1 Mar, 412 seen", and what is done about a shortfall. */
export function folderCountWords(c: FolderCount, unreadable = 0): string {
  const day = `${c.since.getUTCDate()} ${MONTHS[c.since.getUTCMonth()]}`;
  const head = `${c.folder}: ${c.atServer} at the server since ${day}, ${c.seen} seen`;
  if (c.seen >= c.atServer) return head;
  const missing = c.atServer - c.seen;
  if (missing <= unreadable) return `${head}; ${missing} could not be read: see the errors below`;
  return c.rescans < MAX_FOLDER_RESCANS
    ? `${head}; ${missing} not seen yet: the next sync re-reads this folder`
    : `${head}; ${missing} still not seen after ${c.rescans} re-scans: see the errors below, or the server may list messages it cannot give`;
}

export async function connectionHealth(ctx: Ctx) {
  const conns = await listConnections(ctx.db, ctx.ws.id);
  const out = [];
  for (const c of conns) {
    const counts = await connectionCounts(ctx.db, ctx.ws.id, c.id);
    const hasFolders = c.hasMail && (c.provider === 'imap' || c.provider === 'graph');
    const errors = await listItemErrors(ctx.db, ctx.ws.id, c.id);
    const folderCounts = (await listFolderCounts(ctx.db, ctx.ws.id, c.id)).map((f) => ({
      folder: f.folder,
      since: f.since.toISOString(),
      atServer: f.atServer,
      seen: f.seen,
      countedAt: f.countedAt.toISOString(),
      rescans: f.rescans,
      summary: folderCountWords(f, errors.length),
    }));
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
      progress: c.progress ? progressWithEta(c.progress, ctx.now) : null,
      counts,
      errors,
      folders: hasFolders ? readFolderSettings(c.config) : null,
      folderCounts,
    });
  }
  return { workspace: ctx.ws.slug, syncIntervalMinutes: ctx.ws.syncIntervalMinutes, connections: out };
}
