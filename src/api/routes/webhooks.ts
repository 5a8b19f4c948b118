// The workspace's outbound webhook: where activity.linked / activity.unlinked /
// connection.needs_reauth events go, signed with HMAC-SHA256. The secret is shown once.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readWebhook, removeWebhook, setWebhook, webhookDeliveries } from '../../app/webhooks.js';
import { appDeps, errors, type ApiDeps } from '../context.js';
import { fieldsIn } from '../errors.js';
import { Delivery, Webhook, WebhookPut, WebhookSaved } from '../schemas.js';

export async function webhookRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/webhook',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'getWebhook',
        tags: ['webhooks'],
        summary: "The workspace's webhook (never its secret)",
        response: { 200: Webhook, ...errors(403, 404) },
      },
    },
    async (req) => readWebhook(appDeps(req, deps)),
  );

  r.put(
    '/webhook',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'saveWebhook',
        tags: ['webhooks'],
        summary:
          'Set the webhook; without a secret one is made up and returned once. The URL must reach a public internet address (422 refused_by_policy otherwise)',
        body: WebhookPut,
        response: { 200: WebhookSaved, ...errors(400, 403, 409, 422) },
      },
    },
    async (req) => fieldsIn('body', setWebhook(appDeps(req, deps), req.body)),
  );

  r.delete(
    '/webhook',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'deleteWebhook',
        tags: ['webhooks'],
        summary: 'Remove the webhook',
        response: { 204: z.null(), ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      await removeWebhook(appDeps(req, deps));
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/webhook/deliveries',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'listWebhookDeliveries',
        tags: ['webhooks'],
        summary: 'Recent events and their delivery state',
        response: { 200: z.array(Delivery), ...errors(403) },
      },
    },
    async (req) => webhookDeliveries(appDeps(req, deps)),
  );
}
