// API tokens: per workspace, with a role. Only the SHA-256 of a token is stored; the token
// is printed once when created. Tokens are long random strings, so a plain (unsalted) hash
// is enough: there is nothing to guess by brute force.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Store } from './db.js';

export type Role = 'admin' | 'csm';
export const ROLES: readonly Role[] = ['admin', 'csm'];

export interface TokenRecord {
  id: string;
  workspaceId: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** "tp_" + 32 random bytes (base64url): recognisable in a secret scanner, 256 bits of entropy. */
export function newTokenValue(): string {
  return `tp_${randomBytes(32).toString('base64url')}`;
}

export async function createToken(
  db: Store,
  ws: string,
  t: { name: string; role: Role },
  now: Date,
): Promise<{ token: string; record: TokenRecord }> {
  const token = newTokenValue();
  const record: TokenRecord = {
    id: randomUUID(),
    workspaceId: ws,
    name: t.name,
    role: t.role,
    createdAt: now.toISOString(),
    revokedAt: null,
  };
  await db
    .insertInto('api_tokens')
    .values({
      id: record.id,
      workspace_id: ws,
      name: t.name,
      role: t.role,
      token_hash: hashToken(token),
      created_at: record.createdAt,
      revoked_at: null,
    })
    .execute();
  return { token, record };
}

/** The live token with this value, or undefined (unknown or revoked). */
export async function findToken(db: Store, token: string): Promise<TokenRecord | undefined> {
  const r = await db
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return r
    ? { id: r.id, workspaceId: r.workspace_id, name: r.name, role: r.role, createdAt: r.created_at, revokedAt: r.revoked_at }
    : undefined;
}

export async function listTokens(db: Store, ws: string): Promise<TokenRecord[]> {
  const rows = await db.selectFrom('api_tokens').selectAll().where('workspace_id', '=', ws).orderBy('created_at').execute();
  return rows.map((r) => ({
    id: r.id,
    workspaceId: r.workspace_id,
    name: r.name,
    role: r.role,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }));
}

export async function revokeToken(db: Store, ws: string, id: string, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now.toISOString() })
    .where('workspace_id', '=', ws)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
