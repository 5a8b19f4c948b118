// What a newcomer must do before anyone can sign in to a database, for `touchpoint serve` to
// say on start instead of starting silently: create a workspace, then an admin token. The
// operator's own check (the CLI on the server): it only counts, per workspace.
import type { Store } from '../store/db.js';
import { isExpired, listTokens } from '../store/tokens.js';
import { findWorkspace } from '../store/workspaces.js';

export type SignInReadiness =
  | { kind: 'no_workspace' }
  | { kind: 'no_token'; workspace: string }
  | { kind: 'ready'; workspace: string; liveTokens: number };

/** The workspace (the CLI's default: the first) and whether it has a token that can sign in now. */
export async function signInReadiness(db: Store, now: Date, slug?: string): Promise<SignInReadiness> {
  const ws = await findWorkspace(db, slug);
  if (!ws) return { kind: 'no_workspace' };
  const live = (await listTokens(db, ws.id)).filter((t) => t.revokedAt === null && !isExpired(t, now)).length;
  return live === 0 ? { kind: 'no_token', workspace: ws.slug } : { kind: 'ready', workspace: ws.slug, liveTokens: live };
}
