// End users: add, delete (and suppress), CSV import, and the blocklist. Each change
// re-decides the past at once (app/directory-changes.ts) and answers with what it linked and
// unlinked; deleting a user that came from a source warns that its next import recreates it.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EndUser } from '../../domain/directory.js';
import { isValidAddress } from '../../directory/address.js';
import { addEndUser, addToBlocklist, deleteEndUser, parseBlocklistEntry, removeFromBlocklist } from '../../app/directory-changes.js';
import { importEndUsersCsv } from '../../app/csv-import.js';
import { findEndUser, getAccount, listBlocklist, listEndUsers } from '../../store/directory.js';
import { auth } from '../auth.js';
import { ctxFor, errors, type ApiDeps } from '../context.js';
import { invalid, notFound } from '../../app/errors.js';
import { fieldsIn } from '../errors.js';
import {
  AccountParams,
  Address,
  BlocklistEntry,
  ChangeResult,
  EndUser as EndUserSchema,
  ImportRequest,
  ImportResult,
  NewBlocklistEntry,
  NewEndUser,
} from '../schemas.js';

/** A blocklist entry, normalized, or a 400 naming the field. */
function entryOf(raw: string, field: string): string {
  try {
    return parseBlocklistEntry(raw).entry;
  } catch (err) {
    throw invalid(field, (err as Error).message);
  }
}

export const endUserView = (u: EndUser) => ({
  id: u.id,
  accountId: u.accountId,
  email: u.email,
  name: u.name ?? null,
  source: u.source,
  externalId: u.externalId ?? null,
  sourceUrl: u.sourceUrl ?? null,
  sourceSyncedAt: u.sourceSyncedAt ?? null,
});

export async function endUserRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/accounts/:accountId/end-users',
    {
      schema: {
        operationId: 'listEndUsers',
        tags: ['directory'],
        summary: "An account's end users",
        params: AccountParams,
        response: { 200: z.array(EndUserSchema), ...errors(404) },
      },
    },
    async (req) => {
      const ws = auth(req).workspace.id;
      if (!(await getAccount(deps.db, ws, req.params.accountId))) throw notFound('account');
      return (await listEndUsers(deps.db, ws, { accountId: req.params.accountId })).map(endUserView);
    },
  );

  r.post(
    '/accounts/:accountId/end-users',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'addEndUser',
        tags: ['directory'],
        summary: 'Add an end user; links the mail and meetings already seen with them',
        params: AccountParams,
        body: NewEndUser,
        response: { 201: ChangeResult, ...errors(400, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const ctx = ctxFor(req, deps);
      if (!isValidAddress(req.body.email)) throw invalid('body.email', `"${req.body.email}" is not an email address`);
      if (!(await getAccount(deps.db, ctx.ws.id, req.params.accountId))) throw notFound('account');
      const r2 = await addEndUser(ctx, {
        accountId: req.params.accountId,
        email: req.body.email,
        name: req.body.name,
        source: req.body.source,
        externalId: req.body.externalId,
      });
      return reply.code(201).send(r2);
    },
  );

  r.delete(
    '/accounts/:accountId/end-users/:email',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'deleteEndUser',
        tags: ['directory'],
        summary: 'Delete an end user (suppress=true: and stop its source from recreating it); unlinks what it caused',
        params: AccountParams.extend({ email: Address }),
        querystring: z.object({
          suppress: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true'),
        }),
        response: { 200: ChangeResult, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      const ctx = ctxFor(req, deps);
      if (!(await getAccount(deps.db, ctx.ws.id, req.params.accountId))) throw notFound('account');
      if (!(await findEndUser(deps.db, ctx.ws.id, req.params.accountId, req.params.email))) throw notFound('end user');
      return deleteEndUser(ctx, req.params.accountId, req.params.email, req.query.suppress);
    },
  );

  r.post(
    '/end-users/import',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'importEndUsersCsv',
        tags: ['directory'],
        summary: 'Import end users from CSV text (account_id,email,name,external_id); suppressed rows are skipped and reported',
        body: ImportRequest,
        response: { 200: ImportResult, ...errors(400, 403) },
      },
    },
    async (req) => importEndUsersCsv(ctxFor(req, deps), req.body.csv, req.body.source),
  );

  r.get(
    '/blocklist',
    {
      schema: {
        operationId: 'listBlocklist',
        tags: ['directory'],
        summary: 'Blocklisted domains and addresses',
        response: { 200: z.array(BlocklistEntry), ...errors() },
      },
    },
    async (req) => listBlocklist(deps.db, auth(req).workspace.id),
  );

  r.post(
    '/blocklist',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'addToBlocklist',
        tags: ['directory'],
        summary:
          "Blocklist a domain (and its subdomains) or an address; unlinks what it caused. The domain of any account's end users needs " +
          '`confirm` set to it (typed by the person; previewChange says so first)',
        body: NewBlocklistEntry,
        response: { 201: ChangeResult, ...errors(400, 403, 409) },
      },
    },
    async (req, reply) => {
      const ctx = ctxFor(req, deps);
      entryOf(req.body.entry, 'body.entry');
      return reply.code(201).send(await fieldsIn('body', addToBlocklist(ctx, req.body.entry, { confirm: req.body.confirm })));
    },
  );

  r.delete(
    '/blocklist/:entry',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'removeFromBlocklist',
        tags: ['directory'],
        summary: 'Remove a blocklist entry; links what it had silenced',
        params: z.object({ entry: z.string().min(1).max(320) }),
        response: { 200: ChangeResult, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      const ctx = ctxFor(req, deps);
      const entry = entryOf(req.params.entry, 'params.entry');
      const known = (await listBlocklist(deps.db, ctx.ws.id)).some((e) => e.entry === entry);
      if (!known) throw notFound('blocklist entry');
      return removeFromBlocklist(ctx, req.params.entry);
    },
  );
}
