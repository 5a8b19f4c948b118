// All of a workspace's data: export (every table, secrets left out, the audit log included)
// and delete (every row, cannot be undone, confirmed by naming the workspace). Admins only.
// The export is audited before it is read, so the document carries its own entry; a deletion
// leaves nothing in the workspace to audit, so the service's log records it instead.
import { deleteWorkspace, exportWorkspace, type WorkspaceExport } from '../store/workspace-data.js';
import type { AppDeps } from './deps.js';
import { audit } from './audit.js';
import { invalid } from './errors.js';
import { requireAdmin } from './roles.js';

export async function exportWorkspaceData(deps: AppDeps): Promise<WorkspaceExport> {
  requireAdmin(deps, "export the workspace's data");
  await audit(deps, 'workspace.export', deps.ws.slug);
  return exportWorkspace(deps.db, deps.ws, deps.now);
}

/** Rows deleted per table. `confirm` must be the workspace's slug. */
export async function deleteWorkspaceData(deps: AppDeps, input: { confirm: string | undefined }): Promise<Record<string, number>> {
  requireAdmin(deps, 'delete the workspace');
  if (input.confirm !== deps.ws.slug) throw invalid('confirm', `must be the workspace's slug (${deps.ws.slug}) to delete it`);
  return deleteWorkspace(deps.db, deps.ws.id);
}
