// Connections: health (status, authorizedAt, last success, next due, last error in plain
// words, counts), connecting a folder, an IMAP mailbox or a CalDAV calendar, and "Sync now".
// Thin: each route validates, calls its use case (src/app) and answers the connection's health.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { connectCalDav, connectFolder, connectImap } from '../../app/connect.js';
import { requireConnection } from '../../app/deps.js';
import { connectionStatus } from '../../app/status.js';
import { setConnectionFolders } from '../../app/set-connection-folders.js';
import { syncNow } from '../../app/sync-now.js';
import type { Ctx } from '../../store/context.js';
import { connectionHealth } from '../../troubleshoot/status.js';
import { appDeps, ctxFor, errors, type ApiDeps } from '../context.js';
import { fieldsIn } from '../errors.js';
import { ConnectionParams } from '../schemas.js';
import {
  ConnectionHealth,
  NewCalDavConnection,
  NewFolderConnection,
  NewImapConnection,
  SetConnectionFolders,
  Status,
  SyncNow,
} from '../connection-schemas.js';

type Health = Awaited<ReturnType<typeof connectionHealth>>['connections'][number];

/** One connection's health, as the connection routes answer it. */
export async function healthOf(ctx: Ctx, id: string): Promise<Health> {
  return (await connectionHealth(ctx)).connections.find((x) => x.id === id)!;
}

export async function connectionRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/connections',
    {
      schema: {
        operationId: 'connectionStatus',
        tags: ['connections'],
        summary: 'Connection health: status, last success, next due, last error, counts by reason',
        response: { 200: Status, ...errors() },
      },
    },
    async (req) => connectionStatus(ctxFor(req, deps)),
  );

  r.get(
    '/connections/:connectionId',
    {
      schema: {
        operationId: 'getConnection',
        tags: ['connections'],
        summary: "One connection's health",
        params: ConnectionParams,
        response: { 200: ConnectionHealth, ...errors(404) },
      },
    },
    async (req) => {
      const ctx = ctxFor(req, deps);
      const conn = await requireConnection(ctx, req.params.connectionId);
      return healthOf(ctx, conn.id);
    },
  );

  r.post(
    '/connections/folder',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'connectFolder',
        tags: ['connections'],
        summary:
          "Connect a teammate's folder of mail (.eml / Maildir) and/or calendars (.ics) on the server, inside the workspace's folder under TOUCHPOINT_FOLDER_ROOT (422 refused_by_policy otherwise, or when no root is set)",
        body: NewFolderConnection,
        response: { 201: ConnectionHealth, ...errors(400, 403, 404, 422) },
      },
    },
    async (req, reply) => {
      const d = appDeps(req, deps);
      const { mail, calendar, teammate, authorizedAt } = req.body;
      const input = { teammate, authorizedAt: new Date(authorizedAt), ...(mail ? { mail } : {}), ...(calendar ? { calendar } : {}) };
      const { id } = await fieldsIn('body', connectFolder(d, input));
      return reply.code(201).send(await healthOf(d, id));
    },
  );

  r.post(
    '/connections/imap',
    {
      // Roles in the use case: an admin for anyone, a CSM for its own teammate (app/roles.ts).
      schema: {
        operationId: 'connectImap',
        tags: ['connections'],
        summary:
          "Connect a teammate's IMAP mailbox: signs in once first (422 and nothing saved if that fails); the password is stored encrypted. Plain IMAP is accepted only for a server on this machine",
        body: NewImapConnection,
        response: { 201: ConnectionHealth, ...errors(400, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const d = appDeps(req, deps);
      const b = req.body;
      const { id } = await fieldsIn(
        'body',
        connectImap(d, {
          teammate: b.teammate,
          host: b.host,
          port: b.port ?? (b.security === 'tls' ? 993 : 143),
          security: b.security,
          user: b.user,
          auth: 'password',
          secret: b.password,
          ...(b.folders ? { folders: b.folders } : {}),
          ...(b.includeFolders ? { includeFolders: b.includeFolders } : {}),
          ...(b.excludeFolders ? { excludeFolders: b.excludeFolders } : {}),
          authorizedAt: new Date(b.authorizedAt),
        }),
      );
      return reply.code(201).send(await healthOf(d, id));
    },
  );

  r.post(
    '/connections/caldav',
    {
      // Roles in the use case: an admin for anyone, a CSM for its own teammate (app/roles.ts).
      schema: {
        operationId: 'connectCalDav',
        tags: ['connections'],
        summary:
          "Connect a teammate's CalDAV calendars: lists them once first (422 and nothing saved if that fails); the password is stored encrypted. http:// is accepted only for a server on this machine",
        body: NewCalDavConnection,
        response: { 201: ConnectionHealth, ...errors(400, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const d = appDeps(req, deps);
      const b = req.body;
      const { id } = await fieldsIn(
        'body',
        connectCalDav(d, { teammate: b.teammate, url: b.url, user: b.user, password: b.password, authorizedAt: new Date(b.authorizedAt) }),
      );
      return reply.code(201).send(await healthOf(d, id));
    },
  );

  r.post(
    '/connections/:connectionId/sync',
    {
      schema: {
        operationId: 'syncNow',
        tags: ['connections'],
        summary: 'Sync now: starts a sync at once; while one runs, exactly one follow-up is queued (repeated calls are deduplicated)',
        params: ConnectionParams,
        response: { 202: SyncNow, ...errors(404, 409, 503) },
      },
    },
    async (req, reply) => reply.code(202).send(await syncNow(appDeps(req, deps), { connectionId: req.params.connectionId })),
  );

  r.patch(
    '/connections/:connectionId/folders',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'setConnectionFolders',
        tags: ['connections'],
        summary:
          'Which mail folders this IMAP or Microsoft 365 connection syncs: every folder but Junk, Trash and Drafts, plus `include`, minus `exclude` (exclude wins). Applies from the next sync; mail already stored stays',
        params: ConnectionParams,
        body: SetConnectionFolders,
        response: { 200: ConnectionHealth, ...errors(400, 403, 404, 409) },
      },
    },
    async (req) => {
      const d = appDeps(req, deps);
      const { id } = await fieldsIn('body', setConnectionFolders(d, { connectionId: req.params.connectionId, ...req.body }));
      return healthOf(d, id);
    },
  );
}
