// Google's push notifications. Public routes (Google carries no API token), each checked
// by its own secret, and each only queues a sync of the connection it names: a
// notification's content is never trusted as data.
//
// - POST /push/google/gmail?token=…: a Cloud Pub/Sub push (envelope with base64 JSON
//   {emailAddress, historyId}). The push subscription's URL carries TOUCHPOINT_GOOGLE_PUSH_TOKEN,
//   compared in constant time. Unknown mailboxes are acknowledged (204) so Pub/Sub stops
//   retrying them.
// - POST /push/google/calendar: an events.watch channel notification (X-Goog-* headers);
//   the channel token is compared with the stored hash in constant time. 'sync' (the
//   channel's first message) needs nothing.
//
// These are the only look-ups across workspaces: a notification names a mailbox or a
// channel, never a workspace; the connection found decides the workspace.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { channelTokenMatches, type PushState } from '../../providers/google/push.js';
import { sameSecret } from '../../providers/microsoft/notifications.js';
import type { Store } from '../../store/db.js';
import { publicErrors, type ApiDeps } from '../context.js';
import { AppError } from '../../app/errors.js';

interface Watched {
  id: string;
  workspaceId: string;
  push: PushState;
}

async function watchedConnections(db: Store, provider: 'gmail' | 'google_calendar'): Promise<Watched[]> {
  const rows = await db
    .selectFrom('connections')
    .select(['id', 'workspace_id', 'config'])
    .where('provider', '=', provider)
    .where('status', '=', 'active')
    .execute();
  return rows.flatMap((r) => {
    const push = (JSON.parse(r.config) as { push?: PushState }).push;
    return push ? [{ id: r.id, workspaceId: r.workspace_id, push }] : [];
  });
}

const PubSubPush = z.object({
  message: z.object({ data: z.string(), messageId: z.string().optional(), publishTime: z.string().optional() }),
  subscription: z.string().optional(),
});

export async function googlePushRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/push/google/gmail',
    {
      config: { public: true },
      schema: {
        operationId: 'receiveGmailPush',
        tags: ['callbacks'],
        summary: 'Gmail push (Cloud Pub/Sub push subscription); queues a sync of that mailbox',
        querystring: z.object({ token: z.string().optional() }),
        body: PubSubPush,
        security: [],
        response: {
          204: z.null().describe('acknowledged (also for a mailbox nobody watches, so that Pub/Sub stops retrying it)'),
          ...publicErrors(400, 403, 404),
        },
      },
    },
    async (req, reply) => {
      const expected = deps.config.google.pushToken;
      if (!expected) throw new AppError('not_found', 'Gmail push is not configured on this server (TOUCHPOINT_GOOGLE_PUSH_TOKEN)');
      if (!sameSecret(req.query.token, expected)) throw new AppError('forbidden', 'wrong or missing push token');
      let note: { emailAddress?: unknown };
      try {
        note = JSON.parse(Buffer.from(req.body.message.data, 'base64').toString('utf8')) as { emailAddress?: unknown };
      } catch {
        throw new AppError('invalid', 'message.data is not base64-encoded JSON');
      }
      if (typeof note.emailAddress !== 'string') throw new AppError('invalid', 'message.data has no emailAddress');
      const address = note.emailAddress.toLowerCase();
      const hits = (await watchedConnections(deps.db, 'gmail')).filter((c) => c.push.kind === 'gmail' && c.push.emailAddress === address);
      for (const c of hits) await deps.service.requestSync(c.workspaceId, c.id, 'push');
      req.log.info({ connections: hits.map((c) => c.id) }, 'gmail push');
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/push/google/calendar',
    {
      config: { public: true },
      schema: {
        operationId: 'receiveGoogleCalendarPush',
        tags: ['callbacks'],
        summary: 'Google Calendar channel notification (events.watch); queues a sync of that calendar',
        security: [],
        response: { 204: z.null().describe('acknowledged'), ...publicErrors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const h = (name: string) => {
        const v = req.headers[name];
        return typeof v === 'string' ? v : undefined;
      };
      const channelId = h('x-goog-channel-id');
      const state = h('x-goog-resource-state');
      if (!channelId || !state)
        throw new AppError('invalid', 'not a Google channel notification (X-Goog-Channel-ID and X-Goog-Resource-State are required)');
      const hit = (await watchedConnections(deps.db, 'google_calendar')).find(
        (c) => c.push.kind === 'calendar' && c.push.channelId === channelId,
      );
      // A channel's first message ("sync") comes as it is created, and may come before the sync
      // that asked for it has stored it: acknowledged, as it asks for nothing.
      if (!hit && state === 'sync') {
        req.log.info({ channel: channelId }, 'calendar push: sync message of a channel not stored yet');
        return reply.code(204).send(null);
      }
      // An unknown (stopped, replaced) channel: refusing it is what makes Google give up on it.
      if (hit?.push.kind !== 'calendar') throw new AppError('not_found', 'no such channel');
      if (!channelTokenMatches(h('x-goog-channel-token'), hit.push)) throw new AppError('forbidden', 'wrong channel token');
      if (state !== 'sync') await deps.service.requestSync(hit.workspaceId, hit.id, 'push');
      req.log.info({ connection: hit.id, state }, 'calendar push');
      return reply.code(204).send(null);
    },
  );
}
