// Changing which folders a connection syncs: the include/exclude lists stored in the
// connection's config (the rule is src/providers/folder-selection.ts). A newly included folder
// is read at the next sync from the scan window's start; mail already stored from a folder
// excluded later stays (its activities are not undone: see docs/decisions.md). Audited.
import { checkFolderList, readFolderSettings, type FolderSettings } from '../providers/folder-selection.js';
import { recordAudit } from '../store/audit.js';
import { updateConnection } from '../store/connections.js';
import { requireConnection, type AppDeps } from './deps.js';
import { AppError, invalid } from './errors.js';

export interface SetConnectionFoldersInput {
  connectionId: string;
  include: string[];
  exclude: string[];
}

/** Providers whose mail is read folder by folder (Gmail's API reads labels, a local folder its files). */
const FOLDER_PROVIDERS = new Set(['imap', 'graph']);

export async function setConnectionFolders(
  deps: AppDeps,
  input: SetConnectionFoldersInput,
): Promise<{ id: string; folders: FolderSettings }> {
  const conn = await requireConnection(deps, input.connectionId);
  if (!FOLDER_PROVIDERS.has(conn.provider) || !conn.hasMail)
    throw new AppError(
      'conflict',
      `connection ${conn.id} (${conn.provider}) has no mail folders to choose: only IMAP and Microsoft 365 mail do`,
    );
  const lists: Record<'include' | 'exclude', string[]> = { include: [], exclude: [] };
  for (const field of ['include', 'exclude'] as const) {
    const r = checkFolderList(field, input[field]);
    if ('error' in r) throw invalid(field, r.error);
    lists[field] = r.ok;
  }
  const before = readFolderSettings(conn.config);
  const config = { ...conn.config, includeFolders: lists.include, excludeFolders: lists.exclude };
  await updateConnection(deps.db, deps.ws.id, conn.id, { config });
  await recordAudit(deps.db, deps.ws.id, {
    at: deps.now.toISOString(),
    actor: deps.actor,
    action: 'set_connection_folders',
    target: conn.id,
    details: { before: { include: before.include, exclude: before.exclude }, after: lists },
  });
  return { id: conn.id, folders: readFolderSettings(config) };
}
