// What Google's and Microsoft's browser sign-ins share: where the provider sends the browser
// back (only TOUCHPOINT_PUBLIC_URL: never the request's Host header, which a client chooses),
// the checks of a start request, the cookie that binds a state to the browser that started it,
// the single-use check, the deps the grant use case (app/oauth-grant.ts) runs with at a
// callback (as whoever started it), and sending the browser back to the web app.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/schema.js';
import { isValidAddress } from '../../directory/address.js';
import type { Teammate } from '../../domain/directory.js';
import { teammateByAddress } from '../../store/directory.js';
import type { SecretKey } from '../../secrets/secrets.js';
import type { AppDeps } from '../../app/deps.js';
import { authorizeGrantStart } from '../../app/oauth-grant.js';
import { markOAuthStateUsed } from '../../store/oauth-states.js';
import { timingSafeEqual } from 'node:crypto';
import { getWorkspace, type WorkspaceRecord } from '../../store/workspaces.js';
import { GRANT_TTL_MS, GrantError, type GrantStarter, type OAuthProvider } from '../../providers/oauth-state.js';
import { auth } from '../auth.js';
import { appDeps, syncRequester, type ApiDeps } from '../context.js';
import { AppError, invalid } from '../../app/errors.js';

/** TOUCHPOINT_PUBLIC_URL; unset, the browser sign-ins are off (a redirect URI from the Host header could be pointed anywhere). */
export function publicBase(config: Pick<Config, 'publicUrl'>): string {
  if (!config.publicUrl)
    throw new AppError(
      'conflict',
      "the server has no TOUCHPOINT_PUBLIC_URL (the address browsers reach it at, e.g. https://touchpoint.example.com); the server's administrator sets it and restarts, then connecting from the browser works",
    );
  return config.publicUrl.replace(/\/+$/, '');
}

const cookieName = (provider: OAuthProvider) => `tp_oauth_${provider}`;

/**
 * Binds the state to this browser: its nonce as an HttpOnly, SameSite=Lax cookie (Lax: it is
 * sent on the provider's top-level redirect back), only on the callback's path, for as long
 * as the state lives; Secure when the public URL is https.
 */
export function setGrantCookie(reply: FastifyReply, provider: OAuthProvider, nonce: string, config: Pick<Config, 'publicUrl'>): void {
  const secure = config.publicUrl?.startsWith('https:') ? '; Secure' : '';
  void reply.header(
    'set-cookie',
    `${cookieName(provider)}=${nonce}; Path=/oauth/${provider}/; Max-Age=${GRANT_TTL_MS / 1000}; HttpOnly; SameSite=Lax${secure}`,
  );
}

function cookieOf(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/**
 * At the callback: the state must come back to the browser that started it (its cookie holds
 * the state's nonce) and be used once. A link opened elsewhere, or replayed, connects nothing.
 */
export async function claimState(
  req: FastifyRequest,
  reply: FastifyReply,
  deps: ApiDeps,
  provider: OAuthProvider,
  state: { workspaceId: string; nonce: string; expiresAt: number },
  now: Date,
): Promise<void> {
  const cookie = cookieOf(req, cookieName(provider));
  void reply.header('set-cookie', `${cookieName(provider)}=; Path=/oauth/${provider}/; Max-Age=0; HttpOnly; SameSite=Lax`);
  if (!cookie || !safeEqual(cookie, state.nonce))
    throw new GrantError('this sign-in was started in another browser (or its cookie was lost): start connecting again here');
  if (!(await markOAuthStateUsed(deps.db, state.workspaceId, state.nonce, new Date(state.expiresAt), now)))
    throw new GrantError('this sign-in link was already used or expired: start connecting again');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Who is starting a grant, sealed in the state: the callback acts as them. */
export function grantStarter(req: FastifyRequest): GrantStarter {
  const { token } = auth(req);
  return { actor: `api:${token.name}`, role: token.role, teammate: token.teammate };
}

export function keyOr409(deps: ApiDeps): SecretKey {
  if (!deps.secretKey)
    throw new AppError('conflict', 'the server has no TOUCHPOINT_SECRET_KEY to keep refresh tokens encrypted; set it and restart');
  return deps.secretKey;
}

/** "a,b" → the distinct products, each one of `allowed`, or a 400 naming what is wrong. */
export function parseProducts<P extends string>(raw: string, allowed: readonly P[]): P[] {
  const products = [
    ...new Set(
      raw
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    ),
  ];
  const bad = products.filter((p) => !allowed.includes(p as P));
  if (!products.length || bad.length) {
    throw invalid('query.products', `give ${allowed.join(', ')} or both${bad.length ? ` (not ${bad.join(', ')})` : ''}`);
  }
  return products as P[];
}

/** The start request's teammate: a 400 for a malformed address, a 404 for one not in the workspace, a 403 for a colleague of a CSM. */
export async function startTeammate(req: FastifyRequest, deps: ApiDeps, address: string): Promise<Teammate> {
  if (!isValidAddress(address)) throw invalid('query.teammate', `"${address}" is not an email address`);
  return authorizeGrantStart(appDeps(req, deps), { teammate: address });
}

/** The callback's workspace and teammate from the opened state; gone since → a GrantError. */
export async function grantOwner(
  deps: ApiDeps,
  state: { workspaceId: string; teammate: string },
): Promise<{ ws: WorkspaceRecord; teammate: Teammate }> {
  const ws = await getWorkspace(deps.db, state.workspaceId);
  const teammate = ws ? await teammateByAddress(deps.db, ws.id, state.teammate) : undefined;
  if (!ws || !teammate) throw new GrantError(`the teammate ${state.teammate} is no longer in this workspace; nothing was connected`);
  return { ws, teammate };
}

/** What the grant use case is given at a callback: the state's workspace and starter, the key, the clock, the queue. */
export function grantDeps(
  req: FastifyRequest,
  deps: ApiDeps,
  ws: WorkspaceRecord,
  key: SecretKey,
  now: Date,
  startedBy: GrantStarter,
): AppDeps {
  return {
    db: deps.db,
    ws,
    now,
    actor: startedBy.actor,
    origin: req.ip,
    caller: { role: startedBy.role, teammate: startedBy.teammate },
    secretKey: key,
    requestSync: syncRequester(deps.service, ws.id),
  };
}

/** Back to the web app's Sync page, with what happened in plain words. */
export function backToApp(reply: FastifyReply, outcome: { connected?: string[]; error?: string }): FastifyReply {
  const q = new URLSearchParams();
  if (outcome.connected) q.set('connected', outcome.connected.join(','));
  if (outcome.error) q.set('error', outcome.error);
  return reply.redirect(`/#/sync?${q.toString()}`, 303);
}
