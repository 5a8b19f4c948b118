// What every route needs: the service's dependencies, and the request's Ctx (store,
// the token's workspace, the clock, the actor for the audit log).
import type { FastifyRequest } from 'fastify';
import type { JobQueue } from '../queue/types.js';
import type { Store } from '../store/db.js';
import type { Config } from '../config/schema.js';
import type { SecretKey, Secrets } from '../secrets/secrets.js';
import type { Ctx } from '../store/context.js';
import type { Clock } from '../domain/clock.js';
import { auth } from './auth.js';
import type { AppDeps, SyncRequested } from '../app/deps.js';
import { ErrorBody } from './schemas.js';

/**
 * What the API asks of the running service, handed in by whoever starts it (the service's
 * runtime, tests): the API sits below the service and never imports it.
 */
export interface ServiceHooks {
  /** Queue a sync of one connection now; queued false when one was already waiting (deduplicated). */
  requestSync(workspaceId: string, connectionId: string, reason: 'schedule' | 'sync_now' | 'push'): Promise<{ queued: boolean }>;
  /** Queue a sync of one directory source now (deduplicated like a connection's). */
  requestSourceSync(workspaceId: string, sourceId: string): Promise<{ queued: boolean }>;
  /** The workspace's interval changed: pull in syncs scheduled with the old one. */
  rescheduleWorkspace(workspaceId: string, intervalMinutes: number, now: Date): Promise<unknown>;
}

/** The metrics registry /metrics shows (prom-client's Registry fits). */
export interface MetricsRegistry {
  registry: { metrics(): Promise<string>; contentType: string };
}

export interface ApiDeps {
  db: Store;
  queue: JobQueue;
  clock: Clock;
  metrics: MetricsRegistry;
  service: ServiceHooks;
  /** Encrypts webhook secrets; null when TOUCHPOINT_SECRET_KEY is not set. */
  secretKey: SecretKey | null;
  /** The Config read once at start-up: provider settings, the public URL, the Gmail push token. */
  config: Config;
  /** The process's key (from the Config), handed to connectors (Disconnect stops push with it). */
  secrets: Secrets;
  /** Requests per token (or per client address without one) per window. */
  rateLimit?: { max: number; timeWindowMs: number };
  /** Failed authentications per client address per window (default 20 a minute). */
  authFailureLimit?: { max: number; windowMs: number };
  /** Whether the database answers (healthz). */
  ping?: () => Promise<void>;
}

export function ctxFor(req: FastifyRequest, deps: ApiDeps): Ctx {
  const { workspace, token } = auth(req);
  return {
    db: deps.db,
    ws: workspace,
    now: deps.clock.now(),
    actor: `api:${token.name}`,
    origin: req.ip,
    connectors: { secrets: deps.secrets, settings: deps.config },
  };
}

/** What a use case is given for this request: its Ctx, the secret key, and the service's queue to start syncs on. */
export function appDeps(req: FastifyRequest, deps: ApiDeps): AppDeps {
  const ctx = ctxFor(req, deps);
  const { token } = auth(req);
  return {
    ...ctx,
    caller: { role: token.role, teammate: token.teammate },
    secretKey: deps.secretKey,
    requestSync: syncRequester(deps.service, ctx.ws.id),
    requestSourceSync: async (sourceId) =>
      (await deps.service.requestSourceSync(ctx.ws.id, sourceId)).queued ? 'queued' : 'already_queued',
  };
}

/** A use case's requestSync for one workspace, over the service's. */
export function syncRequester(service: ServiceHooks, workspaceId: string): NonNullable<AppDeps['requestSync']> {
  return async (connectionId, reason): Promise<SyncRequested> =>
    (await service.requestSync(workspaceId, connectionId, reason)).queued ? 'queued' : 'already_queued';
}

/**
 * Error answers of an authenticated route, for the OpenAPI document: every one can answer
 * 401 (no or a bad token), 429 (the rate limit) and 500; `codes` adds the route's own.
 */
export function errors(...codes: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries([...new Set([401, 429, ...codes, 500])].sort().map((c) => [c, ErrorBody]));
}

/** Error answers of a public route (a provider's or the browser's callback): rate-limited per client address, no token. */
export function publicErrors(...codes: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries([...new Set([429, ...codes, 500])].sort().map((c) => [c, ErrorBody]));
}
