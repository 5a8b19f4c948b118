// What Google's and Microsoft's browser sign-ins share: where the provider sends the browser
// back, the checks of a start request, the deps the grant use case (app/oauth-grant.ts) runs
// with at a callback, and sending the browser back to the web app.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/schema.js';
import { isValidAddress } from '../../directory/address.js';
import type { Teammate } from '../../domain/directory.js';
import { teammateByAddress } from '../../store/directory.js';
import type { SecretKey } from '../../secrets/secrets.js';
import { requireTeammate, type AppDeps } from '../../app/deps.js';
import { getWorkspace, type WorkspaceRecord } from '../../store/workspaces.js';
import { GrantError } from '../../providers/oauth-state.js';
import { syncRequester, type ApiDeps } from '../context.js';
import { AppError, invalid } from '../../app/errors.js';

/** TOUCHPOINT_PUBLIC_URL, else the address this request came to. */
export function publicBase(req: FastifyRequest, config: Pick<Config, 'publicUrl'>): string {
  return config.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
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

/** The start request's teammate: a 400 for a malformed address, a 404 for one not in the workspace. */
export async function startTeammate(deps: ApiDeps, ws: WorkspaceRecord, address: string): Promise<Teammate> {
  if (!isValidAddress(address)) throw invalid('query.teammate', `"${address}" is not an email address`);
  return requireTeammate({ db: deps.db, ws, now: deps.clock.now(), actor: 'api' }, address);
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

/** What the grant use case is given at a callback: the state's workspace, the key, the clock, the queue. */
export function grantDeps(deps: ApiDeps, ws: WorkspaceRecord, key: SecretKey, now: Date, actor: string): AppDeps {
  return {
    db: deps.db,
    ws,
    now,
    actor,
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
