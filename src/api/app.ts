// The HTTP API: fastify with zod schemas (validated requests, shaped responses), an OpenAPI
// 3 document generated from them at /openapi.json and a docs page at /docs, bearer-token
// auth bound to one workspace, and rate limiting per token. Routes are thin: validate,
// call the same functions as the CLI, shape the answer.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from '../service/logger.js';
import { createLogger } from '../service/logger.js';
import { rateLimitKey, registerAuth } from './auth.js';
import type { ApiDeps } from './context.js';
import { registerErrorHandling } from './errors.js';
import { connectionRoutes } from './routes/connections.js';
import { directoryRoutes } from './routes/directory.js';
import { oauthCallbackRoutes, oauthStartRoutes } from './routes/oauth.js';
import { microsoftOauthCallbackRoutes, microsoftOauthStartRoutes } from './routes/oauth-microsoft.js';
import { googlePushRoutes } from './routes/google-push.js';
import { microsoftNotificationRoutes } from './routes/microsoft-notifications.js';
import { endUserRoutes } from './routes/end-users.js';
import { systemRoutes } from './routes/system.js';
import { troubleshootRoutes } from './routes/troubleshoot.js';
import { findRoutes } from './routes/find.js';
import { webhookRoutes } from './routes/webhooks.js';
import { workspaceRoutes } from './routes/workspace.js';
import { webSupportRoutes } from './routes/web-support.js';
import { registerWebApp } from './web-static.js';
import { noFraming, registerSecurityHeaders } from './security-headers.js';

export type { ApiDeps } from './context.js';

const DESCRIPTION = `Touchpoint logs customer emails and meetings onto the right account timeline and explains every decision.

Authenticate with a workspace API token: \`Authorization: Bearer <token>\` (create one with \`touchpoint token create --role admin --name <name>\`).
Every request sees only the token's workspace; ids of another workspace are answered 404. Roles: **admin** (everything) and **csm** (read, \
explain, search, Sync now).
Errors are \`{ error, message, fields? }\`; invalid input is a 400 naming each field.`;

/** systemOnly: /healthz and /metrics alone (a worker process's port). */
export async function buildApp(
  deps: ApiDeps & { logger?: Logger; systemOnly?: boolean; webRoot?: string | false },
): Promise<FastifyInstance> {
  // Typed as a plain FastifyInstance: route modules take that, whatever the logger's class.
  const app: FastifyInstance = Fastify({
    loggerInstance: (deps.logger ?? createLogger({ level: 'silent' })) as FastifyBaseLogger,
    bodyLimit: 32 * 1024 * 1024, // CSV imports
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  registerSecurityHeaders(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Touchpoint API', version: '1', description: DESCRIPTION },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'a workspace API token (tp_…)' } } },
      security: [{ bearerAuth: [] }],
      tags: ['workspace', 'directory', 'activities', 'connections', 'troubleshoot', 'webhooks', 'system'].map((name) => ({ name })),
    },
    transform: jsonSchemaTransform,
  });
  app.addHook('onRoute', (route) => {
    // The docs page and its assets are public like the document they show.
    if (route.url.startsWith('/docs')) route.config = { ...route.config, public: true, rateLimit: false } as typeof route.config;
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { url: '/openapi.json' },
    staticCSP: true,
    transformStaticCSP: noFraming,
  });

  const limit = deps.rateLimit ?? { max: 600, timeWindowMs: 60_000 };
  await app.register(rateLimit, {
    global: true,
    max: limit.max,
    timeWindow: limit.timeWindowMs,
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      error: 'rate_limited',
      message: `rate limit: ${ctx.max} requests per ${ctx.after}; retry later`,
    }),
  });
  registerAuth(app, deps.db, { clock: deps.clock, ...(deps.authFailureLimit ? { failureLimit: deps.authFailureLimit } : {}) });

  await app.register(async (root) => systemRoutes(root, deps));
  if (deps.systemOnly) return app;
  await app.register(
    async (v1) => {
      await workspaceRoutes(v1, deps);
      await directoryRoutes(v1, deps);
      await endUserRoutes(v1, deps);
      await connectionRoutes(v1, deps);
      await troubleshootRoutes(v1, deps);
      await findRoutes(v1, deps);
      await webhookRoutes(v1, deps);
      await webSupportRoutes(v1, deps);
      await oauthStartRoutes(v1, deps);
      await microsoftOauthStartRoutes(v1, deps);
    },
    { prefix: '/v1' },
  );
  await app.register(async (root) => oauthCallbackRoutes(root, deps));
  await app.register(async (root) => microsoftOauthCallbackRoutes(root, deps));
  await app.register(async (root) => googlePushRoutes(root, deps));
  await app.register(async (root) => microsoftNotificationRoutes(root, deps));
  // The web app at / when it is built (web/dist); `touchpoint serve` says so when it is not.
  if (deps.webRoot !== false) await registerWebApp(app, deps.webRoot);
  return app;
}
