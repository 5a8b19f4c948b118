// What every sync, directory change and troubleshooter call needs: the store, the
// workspace and the clock, passed in (never read inside a rule).
import { createHmac } from 'node:crypto';
import type { Decision } from '../domain/decision.js';
import type { Store } from './db.js';
import type { WorkspaceRecord } from './workspaces.js';
import { DirectoryIndex } from '../directory/index.js';
import { loadDirectory } from './directory.js';

export interface Ctx {
  db: Store;
  ws: WorkspaceRecord;
  now: Date;
  /** Who is acting, for the audit log ("cli", an API token's name, "sync"). */
  actor: string;
  /** Told of every email/meeting decided while syncing (metrics); never changes a decision. */
  onDecision?: (kind: 'email' | 'meeting', decision: Decision) => void;
}

/** HMAC of a normalized address with the workspace's key: lets not-linked mail be found
 * again when an end user is added, without keeping the address itself. */
export function hashAddress(ctx: Pick<Ctx, 'ws'>, normalized: string): string {
  return createHmac('sha256', ctx.ws.hashKey).update(normalized).digest('hex').slice(0, 32);
}

export async function loadDirectoryIndex(ctx: Ctx): Promise<DirectoryIndex> {
  return new DirectoryIndex(await loadDirectory(ctx.db, ctx.ws.id, ctx.ws.internalDomains));
}
