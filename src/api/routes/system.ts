// Unauthenticated: liveness/readiness, Prometheus metrics, the OpenAPI document.
// None of them shows a workspace's data.
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../context.js';

export async function systemRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/healthz',
    {
      config: { public: true, rateLimit: false },
      schema: {
        operationId: 'checkHealth',
        tags: ['system'],
        summary: 'Liveness and database reachability',
        security: [],
        response: { 200: z.object({ ok: z.literal(true), queue: z.string() }), 503: z.object({ ok: z.literal(false), error: z.string() }) },
      },
    },
    async (_req, reply) => {
      try {
        await (deps.ping ? deps.ping() : sql`select 1`.execute(deps.db));
        return { ok: true as const, queue: deps.queue.kind };
      } catch (err) {
        return reply.code(503).send({ ok: false as const, error: `database unreachable: ${(err as Error).message}` });
      }
    },
  );

  r.get(
    '/metrics',
    {
      config: { public: true, rateLimit: false },
      schema: {
        operationId: 'getMetrics',
        tags: ['system'],
        summary: 'Prometheus metrics (text exposition format)',
        security: [],
        hide: false,
      },
    },
    async (_req, reply) => {
      const text = await deps.metrics.registry.metrics();
      return reply.type(deps.metrics.registry.contentType).send(text);
    },
  );

  r.get(
    '/openapi.json',
    {
      config: { public: true },
      schema: { hide: true },
    },
    async () => app.swagger(),
  );
}
