// The HTTP API: fastify with zod schemas (validated requests, shaped responses), an OpenAPI
// 3 document generated from them at /openapi.json and a docs page at /docs, bearer-token
// auth bound to one workspace, and rate limiting per token. Routes are thin: validate,
// call the same functions as the CLI, shape the answer.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { rateLimitKey, registerAuth } from './auth.js';
import type { ApiDeps } from './context.js';
import { documentCommonAnswers, registerErrorHandling } from './errors.js';
import { openApiOptions } from './openapi.js';
import { connectionRoutes } from './routes/connections.js';
import { directoryRoutes } from './routes/directory.js';
import { oauthCallbackRoutes, oauthStartRoutes } from './routes/oauth.js';
import { microsoftOauthCallbackRoutes, microsoftOauthStartRoutes } from './routes/oauth-microsoft.js';
import { googlePushRoutes } from './routes/google-push.js';
import { microsoftNotificationRoutes } from './routes/microsoft-notifications.js';
import { endUserRoutes } from './routes/end-users.js';
import { actionRoutes } from './routes/actions.js';
import { systemRoutes } from './routes/system.js';
import { troubleshootRoutes } from './routes/troubleshoot.js';
import { findRoutes } from './routes/find.js';
import { webhookRoutes } from './routes/webhooks.js';
import { alertRoutes } from './routes/alerts.js';
import { sourceRoutes } from './routes/sources.js';
import { workspaceRoutes } from './routes/workspace.js';
import { webSupportRoutes } from './routes/web-support.js';
import { signInRoutes } from './routes/sign-in.js';
import { overviewRoutes } from './routes/overviews.js';
import { registerWebApp } from './web-static.js';
import { noFraming, registerSecurityHeaders } from './security-headers.js';

export type { ApiDeps } from './context.js';

/** systemOnly: /healthz and /metrics alone (a worker process's port). */
export async function buildApp(
  deps: ApiDeps & { logger?: FastifyBaseLogger; systemOnly?: boolean; webRoot?: string | false },
): Promise<FastifyInstance> {
  // Typed as a plain FastifyInstance: route modules take that, whatever the logger's class.
  // The logger is the service's (pino, redacting secrets); without one, nothing is logged.
  const app: FastifyInstance = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: 32 * 1024 * 1024, // CSV imports
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  registerSecurityHeaders(app);

  await app.register(swagger, openApiOptions(deps.config));
  app.addHook('onRoute', (route) => {
    // The docs page and its assets are public like the document they show.
    if (route.url.startsWith('/docs')) route.config = { ...route.config, public: true, rateLimit: false } as typeof route.config;
    documentCommonAnswers(route.schema, route.config?.role);
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
      // The service's clock on every API answer: the web app reads relative times from it, so
      // a service run at another date (`serve --now`, the demo) reads the same in the browser.
      v1.addHook('onSend', async (_req, reply) => {
        reply.header('x-touchpoint-now', deps.clock.now().toISOString());
      });
      await workspaceRoutes(v1, deps);
      await directoryRoutes(v1, deps);
      await endUserRoutes(v1, deps);
      await actionRoutes(v1, deps);
      await connectionRoutes(v1, deps);
      await troubleshootRoutes(v1, deps);
      await findRoutes(v1, deps);
      await webhookRoutes(v1, deps);
      await alertRoutes(v1, deps);
      await sourceRoutes(v1, deps);
      await webSupportRoutes(v1, deps);
      await signInRoutes(v1, deps);
      await overviewRoutes(v1, deps);
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
