// API tokens: create (shown once; optionally expiring; a CSM token optionally bound to its own
// teammate), list (never the values), revoke. Admins only; each change is audited, without
// the token's value.
import { createToken, expiryFrom, listTokens, revokeToken, ROLES, type Role, type TokenRecord } from '../store/tokens.js';
import { requireTeammate, type AppDeps } from './deps.js';
import { audit } from './audit.js';
import { AppError, invalid } from './errors.js';
import { requireAdmin } from './roles.js';

export interface CreateTokenInput {
  name: string;
  role: string;
  /** A duration like 90d, 12h, 2w, 30m; absent: never expires. */
  expires?: string;
  /** The teammate (address) whose own connections a CSM token may connect, re-authorize and disconnect. */
  teammate?: string;
}

export async function createApiToken(deps: AppDeps, input: CreateTokenInput): Promise<{ token: string; record: TokenRecord }> {
  requireAdmin(deps, 'create API tokens');
  const name = input.name.trim();
  if (!name) throw invalid('name', 'must not be empty');
  if (!ROLES.includes(input.role as Role)) throw invalid('role', `"${input.role}" must be admin or csm`);
  let expiresAt: Date | null = null;
  if (input.expires !== undefined) {
    try {
      expiresAt = expiryFrom(input.expires, deps.now);
    } catch (err) {
      throw invalid('expires', (err as Error).message);
    }
  }
  const teammate = input.teammate === undefined ? null : (await requireTeammate(deps, input.teammate)).email;
  const made = await createToken(deps.db, deps.ws.id, { name, role: input.role as Role, expiresAt, teammate }, deps.now);
  await audit(deps, 'token.create', made.record.id, { name, role: made.record.role, expiresAt: made.record.expiresAt, teammate });
  return made;
}

export async function listApiTokens(deps: AppDeps): Promise<TokenRecord[]> {
  requireAdmin(deps, 'list API tokens');
  return listTokens(deps.db, deps.ws.id);
}

export async function revokeApiToken(deps: AppDeps, input: { tokenId: string }): Promise<void> {
  requireAdmin(deps, 'revoke API tokens');
  const token = (await listTokens(deps.db, deps.ws.id)).find((t) => t.id === input.tokenId);
  if (!token || !(await revokeToken(deps.db, deps.ws.id, input.tokenId, deps.now)))
    throw new AppError('not_found', `no live token "${input.tokenId}"`);
  await audit(deps, 'token.revoke', token.id, { name: token.name, role: token.role });
}
