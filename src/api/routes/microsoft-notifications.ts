// Microsoft Graph change notifications: POST /push/microsoft/{workspaceId}/{connectionId},
// the notificationUrl (and lifecycleNotificationUrl) of that connection's subscriptions.
// Public (Graph carries no API token): the validation handshake echoes `validationToken`;
// every notification's clientState is compared in constant time with the one stored
// (encrypted) for its subscription, and a request with none right is refused with 403.
// A valid notification only queues a sync of the connection (never trusted as data);
// lifecycle events reauthorizationRequired / subscriptionRemoved also flag the
// subscription so that the sync renews or recreates it; `missed` is caught up by that sync.
// Kept out of the OpenAPI document: it is Microsoft's endpoint, not an API for clients.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { handleGraphWebhook } from '../../providers/microsoft/notifications.js';
import { clientStates, flagForRenewal, readPushState } from '../../providers/microsoft/subscriptions.js';
import { getConnection, updateConnection } from '../../store/connections.js';
import type { ApiDeps } from '../context.js';

const Params = z.object({ workspaceId: z.string().max(100), connectionId: z.string().max(100) });

export async function microsoftNotificationRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/push/microsoft/:workspaceId/:connectionId',
    {
      config: { public: true },
      schema: { hide: true, params: Params },
    },
    async (req, reply) => {
      const query = new URLSearchParams(req.query as Record<string, string>);
      // The handshake comes before anything is stored for the subscription: answer it as is.
      if (query.has('validationToken')) {
        const a = handleGraphWebhook(query, req.body, () => null);
        if (a.status === 200) return reply.code(200).type('text/plain').send(a.body);
      }
      const { workspaceId, connectionId } = req.params;
      const conn = deps.secretKey ? await getConnection(deps.db, workspaceId, connectionId).catch(() => undefined) : undefined;
      // A disconnected connection has no subscriptions to trust (Disconnect deleted them; one it could not delete is refused here).
      const push = conn?.provider === 'graph' && conn.status !== 'disconnected' ? readPushState(conn.config) : undefined;
      const states = deps.secretKey ? clientStates(push, deps.secretKey) : new Map<string, string>();
      const answer = handleGraphWebhook(query, req.body, (id) => states.get(id) ?? null);
      if (answer.status === 200) return reply.code(200).type('text/plain').send(answer.body);
      if (answer.status !== 202)
        return reply.code(answer.status).send({ error: answer.status === 403 ? 'forbidden' : 'bad_request', message: answer.body });
      if (!conn || answer.accepted.length === 0) return reply.code(202).send();
      let flagged = false;
      for (const n of answer.accepted) {
        if (n.lifecycleEvent === 'reauthorizationRequired' || n.lifecycleEvent === 'subscriptionRemoved')
          flagged = flagForRenewal(push, n.subscriptionId!) || flagged;
      }
      if (flagged) await updateConnection(deps.db, workspaceId, conn.id, { config: { ...conn.config, push } });
      await deps.service.requestSync(workspaceId, conn.id, 'push');
      req.log.info({ connection: conn.id, notifications: answer.accepted.length, rejected: answer.rejected }, 'microsoft notification');
      return reply.code(202).send();
    },
  );
}
