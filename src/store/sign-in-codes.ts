// One-time sign-in codes (migration 013): made for a workspace and a role, stored as their
// SHA-256 only, used at most once before they expire. Using one is a single conditional
// UPDATE, so two browsers racing with the same link cannot both win.
import { randomBytes } from 'node:crypto';
import type { Store } from './db.js';
import type { Role } from './tokens.js';
import { hashToken } from './tokens.js';

export interface SignInCode {
  workspaceId: string;
  name: string;
  role: Role;
  teammate: string | null;
  sessionMinutes: number;
  expiresAt: string;
}

/** "tps_" + 32 random bytes (base64url): as unguessable as a token, recognisable in a log. */
function newCode(): string {
  return `tps_${randomBytes(32).toString('base64url')}`;
}

export async function createSignInCode(db: Store, c: SignInCode, now: Date): Promise<string> {
  const code = newCode();
  // Codes past their expiry are of no use to anyone: cleared as new ones are made.
  await db.deleteFrom('sign_in_codes').where('workspace_id', '=', c.workspaceId).where('expires_at', '<', now.toISOString()).execute();
  await db
    .insertInto('sign_in_codes')
    .values({
      code_hash: hashToken(code),
      workspace_id: c.workspaceId,
      name: c.name,
      role: c.role,
      teammate: c.teammate,
      session_minutes: c.sessionMinutes,
      created_at: now.toISOString(),
      expires_at: c.expiresAt,
      used_at: null,
      token_id: null,
    })
    .execute();
  return code;
}

export type ClaimResult = { ok: true; code: SignInCode } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

/** Marks the code used now, if it is known, unused and unexpired; says which it was otherwise. */
export async function claimSignInCode(db: Store, code: string, now: Date): Promise<ClaimResult> {
  const hash = hashToken(code);
  const at = now.toISOString();
  const claimed = await db
    .updateTable('sign_in_codes')
    .set({ used_at: at })
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .executeTakeFirst();
  const row = await db.selectFrom('sign_in_codes').selectAll().where('code_hash', '=', hash).executeTakeFirst();
  if (!row) return { ok: false, reason: 'unknown' };
  if (Number(claimed.numUpdatedRows) !== 1) return { ok: false, reason: row.used_at !== null ? 'used' : 'expired' };
  return {
    ok: true,
    code: {
      workspaceId: row.workspace_id,
      name: row.name,
      role: row.role,
      teammate: row.teammate,
      sessionMinutes: Number(row.session_minutes),
      expiresAt: row.expires_at,
    },
  };
}

/** Records the session token a used code became (for the audit trail of who signed in how). */
export async function recordSessionToken(db: Store, code: string, tokenId: string): Promise<void> {
  await db.updateTable('sign_in_codes').set({ token_id: tokenId }).where('code_hash', '=', hashToken(code)).execute();
}
