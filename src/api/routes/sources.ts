// Directory sources over HTTP: the same use cases as `touchpoint source …`.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { connectSource, disconnectSource, listDirectorySources, requestSourceSyncNow } from '../../app/sources.js';
import { appDeps, errors, type ApiDeps } from '../context.js';
import { fieldsIn } from '../errors.js';
import {
  DisconnectSourceQuery,
  NewSource,
  SourceConnected,
  SourceDisconnected,
  SourceParams,
  SourceSchema,
  SourceSyncRequested,
} from '../source-schemas.js';

export async function sourceRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/sources',
    {
      schema: {
        operationId: 'listSources',
        tags: ['sources'],
        summary: 'Directory sources with their health: status, last and next sync, counts, skipped records, problems in plain words',
        response: { 200: z.array(SourceSchema), ...errors() },
      },
    },
    async (req) => listDirectorySources(appDeps(req, deps)),
  );

  r.post(
    '/sources',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'connectSource',
        tags: ['sources'],
        summary:
          'Connect a directory source (HubSpot, Salesforce, Zendesk); connecting a kind again re-authorizes it. Its first sync starts at once',
        body: NewSource,
        response: { 201: SourceConnected, ...errors(400, 403, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await fieldsIn('body', connectSource(appDeps(req, deps), req.body))),
  );

  r.post(
    '/sources/sync',
    {
      schema: {
        operationId: 'syncAllSourcesNow',
        tags: ['sources'],
        summary:
          'Sync now, every source (`touchpoint source sync` without --source): each is queued at once; one needing re-authorization is left out',
        response: { 202: z.array(SourceSyncRequested), ...errors(404, 503) },
      },
    },
    async (req, reply) => reply.code(202).send(await requestSourceSyncNow(appDeps(req, deps), {})),
  );

  r.post(
    '/sources/:sourceId/sync',
    {
      schema: {
        operationId: 'syncSourceNow',
        tags: ['sources'],
        summary: 'Sync now: queue a sync of the source at once (deduplicated while one waits)',
        params: SourceParams,
        response: { 202: SourceSyncRequested, ...errors(404, 409, 503) },
      },
    },
    async (req, reply) => {
      const [one] = await requestSourceSyncNow(appDeps(req, deps), { sourceId: req.params.sourceId });
      return reply.code(202).send(one!);
    },
  );

  r.delete(
    '/sources/:sourceId',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'disconnectSource',
        tags: ['sources'],
        summary: 'Disconnect a source: its secret is deleted; its end users are kept or removed (their past mail re-decided)',
        params: SourceParams,
        querystring: DisconnectSourceQuery,
        response: { 200: SourceDisconnected, ...errors(400, 403, 404) },
      },
    },
    async (req) => disconnectSource(appDeps(req, deps), { sourceId: req.params.sourceId, users: req.query.users }),
  );
}
