// The workspace's outbound webhook: where activity.linked / activity.unlinked /
// connection.needs_reauth events go, signed with HMAC-SHA256. The secret is shown once.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { encryptSecret } from '../../secrets/secrets.js';
import { deleteWebhook, getWebhook, listOutbox, putWebhook } from '../../store/webhooks.js';
import { auth } from '../auth.js';
import { errors, type ApiDeps } from '../context.js';
import { AppError, notFound } from '../../app/errors.js';
import { checkWebhookUrl } from '../../app/webhook-url-policy.js';
import { outboundPolicyFor } from '../../net/outbound-policy.js';
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
    async (req) => {
      const hook = await getWebhook(deps.db, auth(req).workspace.id);
      if (!hook) throw notFound('webhook');
      return { url: hook.url, events: hook.events, enabled: hook.enabled };
    },
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
    async (req) => {
      if (!deps.secretKey)
        throw new AppError('conflict', 'the server has no TOUCHPOINT_SECRET_KEY to keep webhook secrets encrypted; set it and restart');
      const made = req.body.secret ? undefined : randomBytes(32).toString('base64url');
      const secret = req.body.secret ?? made!;
      const { url, events, enabled } = req.body;
      await fieldsIn('body', checkWebhookUrl(outboundPolicyFor(deps.config), url));
      await putWebhook(
        deps.db,
        auth(req).workspace.id,
        { url, events, enabled, secretEnc: encryptSecret(secret, deps.secretKey) },
        deps.clock.now(),
      );
      return { url, events, enabled, ...(made ? { secret: made } : {}) };
    },
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
      if (!(await deleteWebhook(deps.db, auth(req).workspace.id))) throw notFound('webhook');
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
    async (req) =>
      (await listOutbox(deps.db, auth(req).workspace.id)).map(({ id, event, state, attempts, lastError, createdAt }) => ({
        id,
        event,
        state,
        attempts,
        lastError,
        createdAt,
      })),
  );
}
