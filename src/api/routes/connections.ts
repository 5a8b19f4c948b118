// Connections: health (status, authorizedAt, last success, next due, last error in plain
// words, counts), connecting a folder, an IMAP mailbox or a CalDAV calendar, and "Sync now".
// IMAP and CalDAV credentials are checked against the server first and stored encrypted.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createConnection, getConnection } from '../../store/connections.js';
import { teammateByAddress } from '../../store/directory.js';
import { connectionHealth } from '../../troubleshoot/status.js';
import { requestSync } from '../../service/scheduler.js';
import { auth } from '../auth.js';
import { ctxFor, errors, type ApiDeps } from '../context.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import {
  ConnectionHealth,
  ConnectionParams,
  NewCalDavConnection,
  NewFolderConnection,
  NewImapConnection,
  Status,
  SyncNow,
} from '../schemas.js';
import { DEFAULT_FOLDERS, DEFAULT_PAGE_SIZE, readImapConfig } from '../../providers/imap/config.js';
import { encodeCalDavSecret } from '../../providers/caldav/config.js';
import { encryptSecret, type SecretKey } from '../../secrets/secrets.js';
import type { NewConnection } from '../../store/connections.js';
import type { Ctx } from '../../store/context.js';
import { checkCalDavUrl, checkImapSecurity, verifyCalDav, verifyImapLogin } from '../verify-credentials.js';

/** The key that encrypts stored passwords, or a 409 saying how to configure it. */
export function requireSecretKey(deps: ApiDeps): SecretKey {
  if (!deps.secretKey)
    throw new ApiError(
      409,
      'conflict',
      'the server has no TOUCHPOINT_SECRET_KEY to keep passwords encrypted; an admin sets it (32+ characters) and restarts the service',
    );
  return deps.secretKey;
}

async function teammateId(deps: ApiDeps, ctx: Ctx, address: string): Promise<string> {
  const t = await teammateByAddress(deps.db, ctx.ws.id, address);
  if (!t) throw notFound(`teammate ${address}`);
  return t.id;
}

/** Saves a verified connection, starts its first sync at once, answers its health. */
type Health = Awaited<ReturnType<typeof connectionHealth>>['connections'][number];

async function saveAndStart(deps: ApiDeps, ctx: Ctx, c: NewConnection): Promise<Health> {
  const id = await createConnection(deps.db, ctx.ws.id, c, ctx.now);
  // New connections are due at once: start the first sync now rather than at the next tick.
  await requestSync(deps.queue, ctx.ws.id, id, 'schedule');
  return (await connectionHealth(ctx)).connections.find((x) => x.id === id)!;
}

export async function connectionRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/connections',
    {
      schema: {
        tags: ['connections'],
        summary: 'Connection health: status, last success, next due, last error, counts by reason',
        response: { 200: Status, ...errors() },
      },
    },
    async (req) => connectionHealth(ctxFor(req, deps)),
  );

  r.get(
    '/connections/:connectionId',
    {
      schema: {
        tags: ['connections'],
        summary: "One connection's health",
        params: ConnectionParams,
        response: { 200: ConnectionHealth, ...errors(404) },
      },
    },
    async (req) => {
      const ctx = ctxFor(req, deps);
      if (!(await getConnection(deps.db, ctx.ws.id, req.params.connectionId))) throw notFound('connection');
      const c = (await connectionHealth(ctx)).connections.find((x) => x.id === req.params.connectionId);
      if (!c) throw notFound('connection');
      return c;
    },
  );

  r.post(
    '/connections/folder',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['connections'],
        summary: "Connect a teammate's local folder of mail (.eml / Maildir) and/or calendars (.ics) on the server",
        body: NewFolderConnection,
        response: { 201: ConnectionHealth, ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const ctx = ctxFor(req, deps);
      const { mail, calendar, teammate, authorizedAt } = req.body;
      if (!mail && !calendar) throw badRequest('body.mail', 'give mail, calendar, or both');
      if (mail && !existsSync(mail)) throw badRequest('body.mail', `folder ${mail} does not exist on the server`);
      if (calendar && !existsSync(calendar)) throw badRequest('body.calendar', `folder ${calendar} does not exist on the server`);
      const t = await teammateByAddress(deps.db, ctx.ws.id, teammate);
      if (!t) throw notFound(`teammate ${teammate}`);
      const config: Record<string, string> = {};
      if (mail) config.mail = resolve(mail);
      if (calendar) config.calendar = resolve(calendar);
      return reply.code(201).send(
        await saveAndStart(deps, ctx, {
          teammateId: t.id,
          provider: 'folder',
          config,
          hasMail: !!mail,
          hasCalendar: !!calendar,
          authorizedAt: new Date(authorizedAt),
        }),
      );
    },
  );

  r.post(
    '/connections/imap',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['connections'],
        summary:
          "Connect a teammate's IMAP mailbox: signs in once first (422 and nothing saved if that fails); the password is stored encrypted",
        body: NewImapConnection,
        response: { 201: ConnectionHealth, ...errors(400, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const ctx = ctxFor(req, deps);
      const b = req.body;
      const key = requireSecretKey(deps);
      const port = b.port ?? (b.security === 'tls' ? 993 : 143);
      const raw = {
        host: b.host,
        port,
        security: b.security,
        user: b.user,
        auth: 'password',
        folders: b.folders ?? DEFAULT_FOLDERS,
        pageSize: DEFAULT_PAGE_SIZE,
      };
      const cfg = readImapConfig(raw);
      checkImapSecurity(cfg);
      const tid = await teammateId(deps, ctx, b.teammate);
      await verifyImapLogin(cfg, b.password);
      return reply.code(201).send(
        await saveAndStart(deps, ctx, {
          teammateId: tid,
          provider: 'imap',
          config: raw,
          secretEnc: encryptSecret(b.password, key),
          hasMail: true,
          hasCalendar: false,
          authorizedAt: new Date(b.authorizedAt),
        }),
      );
    },
  );

  r.post(
    '/connections/caldav',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['connections'],
        summary:
          "Connect a teammate's CalDAV calendars: lists them once first (422 and nothing saved if that fails); the password is stored encrypted",
        body: NewCalDavConnection,
        response: { 201: ConnectionHealth, ...errors(400, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const ctx = ctxFor(req, deps);
      const b = req.body;
      const key = requireSecretKey(deps);
      const url = checkCalDavUrl(b.url, 'body.url');
      const tid = await teammateId(deps, ctx, b.teammate);
      await verifyCalDav(url, b.user, b.password);
      return reply.code(201).send(
        await saveAndStart(deps, ctx, {
          teammateId: tid,
          provider: 'caldav',
          config: { url, user: b.user },
          secretEnc: encodeCalDavSecret(b.password, key),
          hasMail: false,
          hasCalendar: true,
          authorizedAt: new Date(b.authorizedAt),
        }),
      );
    },
  );

  r.post(
    '/connections/:connectionId/sync',
    {
      schema: {
        tags: ['connections'],
        summary: 'Sync now: starts a sync at once; while one runs, exactly one follow-up is queued (repeated calls are deduplicated)',
        params: ConnectionParams,
        response: { 202: SyncNow, ...errors(404, 409) },
      },
    },
    async (req, reply) => {
      const ws = auth(req).workspace;
      const conn = await getConnection(deps.db, ws.id, req.params.connectionId);
      if (!conn) throw notFound('connection');
      if (conn.status === 'needs_reauth' || conn.status === 'disconnected') {
        throw new ApiError(
          409,
          'conflict',
          `the connection ${conn.status === 'needs_reauth' ? 'needs re-authorization' : 'is disconnected'}: nothing syncs until it is re-authorized`,
        );
      }
      const { queued } = await requestSync(deps.queue, ws.id, conn.id);
      return reply.code(202).send({ connectionId: conn.id, status: queued ? 'queued' : 'already_queued' });
    },
  );
}
