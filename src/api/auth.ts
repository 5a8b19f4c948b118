// Bearer-token auth: the token's SHA-256 is looked up (store/tokens.ts) and the request is
// bound to that token's workspace. Every route reads the workspace from here, never from
// the request: another workspace's ids simply are not found (404), never its data.
// Routes marked { config: { public: true } } skip it; { config: { role: 'admin' } } need an admin token.
// Failures are counted per client address before the lookup (auth-failures.ts); expired tokens
// are refused; a token's last use is recorded at most once a minute.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import type { Store } from '../store/db.js';
import { findToken, isExpired, type Role, type TokenRecord, touchToken } from '../store/tokens.js';
import { type AuthFailureLimit, AuthFailureLimiter } from './auth-failures.js';
import { getWorkspace, type WorkspaceRecord } from '../store/workspaces.js';
import { AppError } from '../app/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth?: { workspace: WorkspaceRecord; token: TokenRecord };
  }
  interface FastifyContextConfig {
    public?: boolean;
    role?: Role;
  }
}

export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

/** The rate-limit key: the token's hash (never the token), or the client address without one. */
export function rateLimitKey(req: FastifyRequest): string {
  const t = bearerToken(req);
  return t ? `token:${createHash('sha256').update(t).digest('hex')}` : `ip:${req.ip}`;
}

export function registerAuth(app: FastifyInstance, db: Store, opts: { clock: Clock; failureLimit?: AuthFailureLimit }): void {
  const failures = new AuthFailureLimiter(opts.clock, opts.failureLimit);
  app.addHook('onRequest', async (req, reply) => {
    const config = req.routeOptions.config;
    if (config.public || !req.routeOptions.url) return; // public, or no such route (404 handler)
    const retryAfter = failures.retryAfterSeconds(req.ip);
    if (retryAfter > 0) {
      void reply.header('retry-after', String(retryAfter));
      throw new AppError('rate_limited', `too many failed authentications from this address; retry in ${retryAfter} s`);
    }
    const refuse = (message: string): AppError => {
      failures.recordFailure(req.ip);
      return new AppError('unauthorized', message);
    };
    const token = bearerToken(req);
    if (!token) throw refuse('send an API token: Authorization: Bearer <token> (touchpoint token create)');
    const record = await findToken(db, token);
    const workspace = record ? await getWorkspace(db, record.workspaceId) : undefined;
    if (!record || !workspace) throw refuse('unknown or revoked API token');
    const now = opts.clock.now();
    if (isExpired(record, now)) throw refuse('this API token has expired; create a new one (touchpoint token create)');
    if (config.role === 'admin' && record.role !== 'admin') throw new AppError('forbidden', 'this needs an admin token');
    await touchToken(db, record, now);
    req.auth = { workspace, token: record };
    req.log = req.log.child({ workspace: workspace.slug, tokenId: record.id });
  });
}

/** The request's workspace (set by the auth hook). */
export function auth(req: FastifyRequest): { workspace: WorkspaceRecord; token: TokenRecord } {
  if (!req.auth) throw new AppError('unauthorized', 'not authenticated');
  return req.auth;
}
