// What every route needs: the service's dependencies, and the request's Ctx (store,
// the token's workspace, the clock, the actor for the audit log).
import type { FastifyRequest } from 'fastify';
import type { JobQueue } from '../queue/types.js';
import type { Store } from '../store/db.js';
import type { Config } from '../config/schema.js';
import type { SecretKey, Secrets } from '../secrets/secrets.js';
import type { Ctx } from '../store/context.js';
import type { Clock } from '../domain/clock.js';
import type { ServiceMetrics } from '../service/metrics.js';
import type { Timing } from '../service/scheduler.js';
import { auth } from './auth.js';
import type { AppDeps } from '../app/deps.js';
import { requestSync } from '../service/scheduler.js';
import { ErrorBody } from './schemas.js';

export interface ApiDeps {
  db: Store;
  queue: JobQueue;
  clock: Clock;
  metrics: ServiceMetrics;
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
  /** The scheduler's timing (a lowered sync interval reschedules pending syncs with it). */
  timing?: Timing;
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
    requestSync: async (connectionId, reason) =>
      (await requestSync(deps.queue, ctx.ws.id, connectionId, reason)).queued ? 'queued' : 'already_queued',
  };
}

/** Error responses of a route, for the OpenAPI document. */
export function errors(...codes: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries([401, 429, ...codes].map((c) => [c, ErrorBody]));
}
