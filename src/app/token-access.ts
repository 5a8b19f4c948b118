// Who a workspace API token lets in, for a face that is not HTTP (the MCP server): the token's
// workspace, refused in plain words when the token is unknown, revoked or expired, or belongs
// to another workspace than the one asked for. The API checks the same per request (api/auth.ts).
import type { Store } from '../store/db.js';
import { findToken, isExpired, type TokenRecord } from '../store/tokens.js';
import { getWorkspace, type WorkspaceRecord } from '../store/workspaces.js';
import { AppError } from './errors.js';

export interface TokenAccessInput {
  token: string;
  /** The workspace the caller means (its slug); the token must be one of its own. */
  workspace?: string;
}

export async function tokenAccess(
  deps: { db: Store; now: Date },
  input: TokenAccessInput,
): Promise<{ workspace: WorkspaceRecord; token: TokenRecord }> {
  const record = await findToken(deps.db, input.token.trim());
  const workspace = record ? await getWorkspace(deps.db, record.workspaceId) : undefined;
  if (!record || !workspace) throw new AppError('unauthorized', 'unknown or revoked API token (touchpoint token create makes one)');
  if (isExpired(record, deps.now))
    throw new AppError('unauthorized', 'this API token has expired; create a new one (touchpoint token create)');
  // Said without naming the token's own workspace: the caller may not know it exists.
  if (input.workspace !== undefined && input.workspace !== workspace.slug)
    throw new AppError('forbidden', `this API token is not one of workspace "${input.workspace}"`);
  return { workspace, token: record };
}
