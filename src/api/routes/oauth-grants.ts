// What Google's and Microsoft's browser sign-ins share: where the provider sends the browser
// back, the checks of a start request, and what a completed grant does — create the
// teammate's connection or re-authorize the one they have (authorized_at kept by rule E2, not historic, so
// the outage is caught up), queue a sync at once, and send the browser back to the web app.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/schema.js';
import { isValidAddress } from '../../directory/address.js';
import type { Provider } from '../../domain/connection.js';
import { createConnection, listConnections, updateConnection } from '../../store/connections.js';
import type { Teammate } from '../../domain/directory.js';
import { teammateByAddress } from '../../store/directory.js';
import { encryptSecret, type SecretKey } from '../../secrets/secrets.js';
import { getWorkspace, type WorkspaceRecord } from '../../store/workspaces.js';
import { requestSync } from '../../service/scheduler.js';
import { GrantError } from '../../providers/oauth-state.js';
import type { ApiDeps } from '../context.js';
import { ApiError } from '../errors.js';

/** TOUCHPOINT_PUBLIC_URL, else the address this request came to. */
export function publicBase(req: FastifyRequest, config: Pick<Config, 'publicUrl'>): string {
  return config.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
}

export function keyOr409(deps: ApiDeps): SecretKey {
  if (!deps.secretKey)
    throw new ApiError(409, 'conflict', 'the server has no TOUCHPOINT_SECRET_KEY to keep refresh tokens encrypted; set it and restart');
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
    throw new ApiError(400, 'bad_request', `products: give ${allowed.join(', ')} or both${bad.length ? ` (not ${bad.join(', ')})` : ''}`);
  }
  return products as P[];
}

/** The start request's teammate, or a 400 in plain words. */
export async function startTeammate(deps: ApiDeps, ws: WorkspaceRecord, address: string): Promise<Teammate> {
  if (!isValidAddress(address)) throw new ApiError(400, 'bad_request', `teammate: "${address}" is not an email address`);
  const teammate = await teammateByAddress(deps.db, ws.id, address);
  if (!teammate) throw new ApiError(400, 'bad_request', `teammate: no teammate with address ${address}`);
  return teammate;
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

export interface GrantedConnection {
  provider: Provider;
  hasMail: boolean;
  hasCalendar: boolean;
}

/**
 * Stores the refresh token (encrypted) on the teammate's connection of this provider —
 * re-authorizing it — or on a new one authorized now; queues a sync. Returns its id.
 */
export async function connectOrReauthorize(
  deps: ApiDeps,
  key: SecretKey,
  ws: WorkspaceRecord,
  teammate: Teammate,
  kind: GrantedConnection,
  refreshToken: string,
  now: Date,
): Promise<string> {
  const secretEnc = encryptSecret(refreshToken, key);
  const prior = (await listConnections(deps.db, ws.id)).find(
    (c) => c.provider === kind.provider && c.teammateId === teammate.id && c.status !== 'disconnected',
  );
  let id: string;
  if (prior) {
    await updateConnection(deps.db, ws.id, prior.id, { secretEnc, status: 'active', statusReason: null, lastError: null, nextSyncAt: now });
    id = prior.id;
  } else {
    id = await createConnection(
      deps.db,
      ws.id,
      {
        teammateId: teammate.id,
        provider: kind.provider,
        config: {},
        secretEnc,
        hasMail: kind.hasMail,
        hasCalendar: kind.hasCalendar,
        authorizedAt: now,
      },
      now,
    );
  }
  await requestSync(deps.queue, ws.id, id, 'sync_now');
  return id;
}

/** Back to the web app's Sync page, with what happened in plain words. */
export function backToApp(reply: FastifyReply, outcome: { connected?: string[]; error?: string }): FastifyReply {
  const q = new URLSearchParams();
  if (outcome.connected) q.set('connected', outcome.connected.join(','));
  if (outcome.error) q.set('error', outcome.error);
  return reply.redirect(`/#/sync?${q.toString()}`, 303);
}
