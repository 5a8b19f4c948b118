// The workspace of the token, its settings, and its API tokens.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createApiToken, listApiTokens, revokeApiToken } from '../../app/api-tokens.js';
import { deleteWorkspaceData, exportWorkspaceData } from '../../app/workspace-data.js';
import { getWorkspace, updateWorkspaceSettings, type WorkspaceRecord } from '../../store/workspaces.js';
import { auth } from '../auth.js';
import { appDeps, errors, type ApiDeps } from '../context.js';
import { fieldsIn } from '../errors.js';
import { CreatedToken, NewToken, Token, Workspace, WorkspacePatch } from '../schemas.js';

const shape = (w: WorkspaceRecord) => ({
  id: w.id,
  slug: w.slug,
  internalDomains: w.internalDomains,
  syncIntervalMinutes: w.syncIntervalMinutes,
});

export async function workspaceRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/workspace',
    {
      schema: {
        operationId: 'getWorkspace',
        tags: ['workspace'],
        summary: "The token's workspace",
        response: { 200: Workspace, ...errors() },
      },
    },
    async (req) => shape(auth(req).workspace),
  );

  r.patch(
    '/workspace',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'updateWorkspaceSettings',
        tags: ['workspace'],
        summary: 'Change the sync interval (minutes, 1–30)',
        body: WorkspacePatch,
        response: { 200: Workspace, ...errors(400, 403) },
      },
    },
    async (req) => {
      const ws = auth(req).workspace;
      await updateWorkspaceSettings(deps.db, ws.id, { syncIntervalMinutes: req.body.syncIntervalMinutes });
      // A lowered interval applies to syncs already scheduled, not only after them.
      await deps.service.rescheduleWorkspace(ws.id, req.body.syncIntervalMinutes, deps.clock.now());
      return shape((await getWorkspace(deps.db, ws.id))!);
    },
  );

  // Export and deletion of the token's own workspace (see `touchpoint workspace export/delete`).
  r.get(
    '/workspace/export',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'exportWorkspace',
        tags: ['workspace'],
        summary: "All of the workspace's data as JSON, every table; credentials, token hashes and the address-hash key left out",
        response: { 200: z.record(z.string(), z.unknown()), ...errors(403) },
      },
    },
    async (req) => ({ ...(await exportWorkspaceData(appDeps(req, deps))) }),
  );

  r.delete(
    '/workspace',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'deleteWorkspace',
        tags: ['workspace'],
        summary: "Delete the token's workspace and every row of it (cannot be undone; confirm with its slug)",
        querystring: z.object({ confirm: z.string().max(200).optional() }),
        response: { 204: z.null(), ...errors(400, 403) },
      },
    },
    async (req, reply) => {
      const d = appDeps(req, deps);
      const counts = await fieldsIn('query', deleteWorkspaceData(d, { confirm: req.query.confirm }));
      // Its audit log went with it: the service's log keeps the record of who deleted it, from where.
      req.log.warn({ workspace: d.ws.slug, actor: d.actor, origin: d.origin, rows: counts }, 'workspace deleted');
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/tokens',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'listTokens',
        tags: ['workspace'],
        summary: 'API tokens (never their values)',
        response: { 200: z.array(Token), ...errors(403) },
      },
    },
    async (req) => listApiTokens(appDeps(req, deps)),
  );

  r.post(
    '/tokens',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'createToken',
        tags: ['workspace'],
        summary: 'Create a token; its value is shown once',
        body: NewToken,
        response: { 201: CreatedToken, ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const { token, record } = await fieldsIn('body', createApiToken(appDeps(req, deps), req.body));
      return reply.code(201).send({ ...record, token });
    },
  );

  r.delete(
    '/tokens/:tokenId',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'revokeToken',
        tags: ['workspace'],
        summary: 'Revoke a token',
        params: z.object({ tokenId: z.string().min(1).max(200) }),
        response: { 204: z.null(), ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      await revokeApiToken(appDeps(req, deps), { tokenId: req.params.tokenId });
      return reply.code(204).send(null);
    },
  );
}
