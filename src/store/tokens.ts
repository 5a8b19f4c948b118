// API tokens: per workspace, with a role. Only the SHA-256 of a token is stored; the token
// is printed once when created. Tokens are long random strings, so a plain (unsalted) hash
// is enough: there is nothing to guess by brute force. A token may carry an expiry, and
// records when it was last used (at most one write a minute per token).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Store } from './db.js';
import type { ApiTokensTable } from './schema.js';

export type Role = 'admin' | 'csm';
export const ROLES: readonly Role[] = ['admin', 'csm'];

export interface TokenRecord {
  id: string;
  workspaceId: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  /** A CSM token's own teammate (address): whose connections it may connect and re-authorize. */
  teammate: string | null;
}

type Row = Selectable<ApiTokensTable>;

function fromRow(r: Row): TokenRecord {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    name: r.name,
    role: r.role,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    teammate: r.teammate,
  };
}

/** last_used_at is written at most this often per token: a busy token costs no write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "90d", "12h", "2w", "30m" → the instant that long after now; a clear error otherwise. */
export function expiryFrom(text: string, now: Date): Date {
  const m = /^\s*(\d+)\s*([mhdw])\s*$/i.exec(text);
  const ms = m ? Number(m[1]) * (UNITS[(m[2] ?? '').toLowerCase()] ?? 0) : 0;
  if (ms <= 0 || ms > 3650 * UNITS.d!) throw new Error(`"${text}" is not a duration like 90d, 12h, 2w or 30m (at most ten years)`);
  return new Date(now.getTime() + ms);
}

export function isExpired(t: TokenRecord, now: Date): boolean {
  return t.expiresAt !== null && Date.parse(t.expiresAt) <= now.getTime();
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
  t: { name: string; role: Role; expiresAt?: Date | null; teammate?: string | null },
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
    expiresAt: t.expiresAt ? t.expiresAt.toISOString() : null,
    lastUsedAt: null,
    teammate: t.teammate ?? null,
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
      expires_at: record.expiresAt,
      last_used_at: null,
      teammate: record.teammate,
    })
    .execute();
  return { token, record };
}

/** The unrevoked token with this value, or undefined (unknown or revoked). Expiry is the caller's check (isExpired). */
export async function findToken(db: Store, token: string): Promise<TokenRecord | undefined> {
  const r = await db
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return r ? fromRow(r) : undefined;
}

export async function listTokens(db: Store, ws: string): Promise<TokenRecord[]> {
  const rows = await db.selectFrom('api_tokens').selectAll().where('workspace_id', '=', ws).orderBy('created_at').execute();
  return rows.map(fromRow);
}

/**
 * Records that the token authenticated a request now — unless it already did within the last
 * minute (checked here from the record, and again in the UPDATE so processes do not race).
 */
export async function touchToken(db: Store, t: TokenRecord, now: Date): Promise<void> {
  const cutoff = new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString();
  if (t.lastUsedAt !== null && t.lastUsedAt > cutoff) return;
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: now.toISOString() })
    .where('id', '=', t.id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', cutoff)]))
    .execute();
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
