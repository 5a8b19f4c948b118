// One-time sign-in links: an admin (or the operator: `touchpoint sign-in-link`, `serve
// --sign-in-link`, `npm start`) makes a link that carries a short-lived, single-use code; the
// browser trades the code once for a session token that expires. A long-lived token never
// travels in a URL, and a link that leaked (a chat log, a screenshot) is useless once used or
// after a few minutes.
import type { Store } from '../store/db.js';
import { claimSignInCode, createSignInCode, recordSessionToken } from '../store/sign-in-codes.js';
import { createToken, expiryFrom, ROLES, type Role, type TokenRecord } from '../store/tokens.js';
import { getWorkspace, type WorkspaceRecord } from '../store/workspaces.js';
import { audit } from './audit.js';
import { requireTeammate, type AppDeps } from './deps.js';
import { AppError, invalid } from './errors.js';
import { requireAdmin } from './roles.js';

/** A link is for opening now, not for keeping: at most a day. */
const MAX_LINK_MS = 24 * 3_600_000;
const MAX_SESSION_MS = 30 * 24 * 3_600_000;
export const DEFAULT_LINK_EXPIRY = '15m';
export const DEFAULT_SESSION = '12h';

export interface SignInLinkInput {
  /** admin (default) or csm. */
  role?: string;
  /** The session token's name: who signs in (the audit log's actor). */
  name?: string;
  /** A CSM session's own teammate (as token create --teammate). */
  teammate?: string;
  /** How long the link may wait to be opened, like 15m (default) or 2h; at most a day. */
  expires?: string;
  /** How long the browser stays signed in once it used the link, like 12h (default); at most 30 days. */
  session?: string;
}

export interface SignInLink {
  code: string;
  role: Role;
  name: string;
  expiresAt: string;
  sessionMinutes: number;
}

function duration(field: string, text: string, now: Date, max: number): number {
  let ms: number;
  try {
    ms = expiryFrom(text, now).getTime() - now.getTime();
  } catch (err) {
    throw invalid(field, (err as Error).message);
  }
  if (ms > max) throw invalid(field, `"${text}" is too long: at most ${max / 3_600_000} hours`);
  return ms;
}

export async function createSignInLink(deps: AppDeps, input: SignInLinkInput = {}): Promise<SignInLink> {
  requireAdmin(deps, 'make sign-in links');
  const role = input.role ?? 'admin';
  if (!ROLES.includes(role as Role)) throw invalid('role', `"${role}" must be admin or csm`);
  const name = (input.name ?? 'sign-in link').trim();
  if (!name) throw invalid('name', 'must not be empty');
  const linkMs = duration('expires', input.expires ?? DEFAULT_LINK_EXPIRY, deps.now, MAX_LINK_MS);
  const sessionMinutes = Math.max(1, Math.round(duration('session', input.session ?? DEFAULT_SESSION, deps.now, MAX_SESSION_MS) / 60_000));
  const teammate = input.teammate === undefined ? null : (await requireTeammate(deps, input.teammate)).email;
  const expiresAt = new Date(deps.now.getTime() + linkMs).toISOString();
  const code = await createSignInCode(
    deps.db,
    { workspaceId: deps.ws.id, name, role: role as Role, teammate, sessionMinutes, expiresAt },
    deps.now,
  );
  await audit(deps, 'signin_link.create', name, { role, teammate, expiresAt, sessionMinutes });
  return { code, role: role as Role, name, expiresAt, sessionMinutes };
}

const REFUSED = {
  unknown: 'this sign-in link is not valid',
  used: 'this sign-in link was already used (each link signs in one browser, once)',
  expired: 'this sign-in link has expired',
} as const;

/**
 * The browser's side: the code for a session token, once. Public (the browser has no token
 * yet), so it is given the store, the clock and the client address rather than a workspace.
 */
export async function redeemSignInLink(
  deps: { db: Store; now: Date; origin: string },
  code: string,
): Promise<{ token: string; record: TokenRecord; workspace: WorkspaceRecord }> {
  const claimed = code.startsWith('tps_') ? await claimSignInCode(deps.db, code, deps.now) : ({ ok: false, reason: 'unknown' } as const);
  if (!claimed.ok)
    throw new AppError('unauthorized', `${REFUSED[claimed.reason]}: make a new one (touchpoint sign-in-link) or sign in with an API token`);
  const c = claimed.code;
  const workspace = await getWorkspace(deps.db, c.workspaceId);
  if (!workspace) throw new AppError('unauthorized', REFUSED.unknown);
  const expiresAt = new Date(deps.now.getTime() + c.sessionMinutes * 60_000);
  const made = await createToken(deps.db, workspace.id, { name: c.name, role: c.role, expiresAt, teammate: c.teammate }, deps.now);
  await recordSessionToken(deps.db, code, made.record.id);
  await audit(
    { db: deps.db, ws: workspace, now: deps.now, actor: `sign-in link:${c.name}`, origin: deps.origin },
    'signin_link.redeem',
    made.record.id,
    {
      name: c.name,
      role: c.role,
      expiresAt: made.record.expiresAt,
    },
  );
  return { ...made, workspace };
}
