// Teammates and customer accounts (with their end users and timelines).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isValidAddress, isValidDomain, normalizeDomain } from '../../directory/address.js';
import { addInternalDomain, removeInternalDomain } from '../../app/internal-domains.js';
import { addAccount } from '../../app/accounts.js';
import { fieldsIn } from '../errors.js';
import { addTeammate, getAccount, listAccounts, listEndUsers, listTeammates, teammateByAddress } from '../../store/directory.js';
import { accountTimelinePage, TIMELINE_DEFAULT_LIMIT, TIMELINE_MAX_LIMIT } from '../../app/account-timeline.js';
import { auth } from '../auth.js';
import { appDeps, ctxFor, errors, type ApiDeps } from '../context.js';
import { conflict, invalid, notFound } from '../../app/errors.js';
import {
  Account,
  AccountDetail,
  AccountParams,
  InternalDomainChange,
  NewAccount,
  NewInternalDomain,
  NewTeammate,
  Teammate,
  Timeline,
} from '../schemas.js';
import { endUserView } from './end-users.js';

export async function directoryRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/teammates',
    {
      schema: {
        operationId: 'listTeammates',
        tags: ['directory'],
        summary: 'Teammates (CSMs, admins) and their addresses',
        response: { 200: z.array(Teammate), ...errors() },
      },
    },
    async (req) => (await listTeammates(deps.db, auth(req).workspace.id)).map((t) => ({ ...t, name: t.name ?? null })),
  );

  r.post(
    '/teammates',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'addTeammate',
        tags: ['directory'],
        summary: 'Add a teammate with aliases',
        body: NewTeammate,
        response: { 201: Teammate, ...errors(400, 403, 409) },
      },
    },
    async (req, reply) => {
      const ws = auth(req).workspace.id;
      const { email, aliases, name } = req.body;
      for (const [i, a] of [email, ...aliases].entries()) {
        if (!isValidAddress(a)) throw invalid(i === 0 ? 'body.email' : `body.aliases.${i - 1}`, `"${a}" is not an email address`);
        if (await teammateByAddress(deps.db, ws, a)) throw conflict(`${a} already belongs to a teammate`);
      }
      const t = await addTeammate(deps.db, ws, { email, aliases, ...(name ? { name } : {}) }, deps.clock.now());
      return reply.code(201).send({ ...t, name: t.name ?? null });
    },
  );

  r.get(
    '/accounts',
    {
      schema: {
        operationId: 'listAccounts',
        tags: ['directory'],
        summary: 'Customer accounts',
        response: { 200: z.array(Account), ...errors() },
      },
    },
    async (req) => listAccounts(deps.db, auth(req).workspace.id),
  );

  r.post(
    '/accounts',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'addAccount',
        tags: ['directory'],
        summary: 'Add an account',
        body: NewAccount,
        response: { 201: Account, ...errors(400, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await fieldsIn('body', addAccount(appDeps(req, deps), req.body))),
  );

  r.get(
    '/accounts/:accountId',
    {
      schema: {
        operationId: 'getAccount',
        tags: ['directory'],
        summary: 'An account and its end users',
        params: AccountParams,
        response: { 200: AccountDetail, ...errors(404) },
      },
    },
    async (req) => {
      const ws = auth(req).workspace.id;
      const account = await getAccount(deps.db, ws, req.params.accountId);
      if (!account) throw notFound('account');
      return { account, endUsers: (await listEndUsers(deps.db, ws, { accountId: account.id })).map(endUserView) };
    },
  );

  r.get(
    '/accounts/:accountId/timeline',
    {
      schema: {
        operationId: 'accountTimeline',
        tags: ['activities'],
        summary: "An account's emails and meetings, newest first",
        params: AccountParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(TIMELINE_MAX_LIMIT).default(TIMELINE_DEFAULT_LIMIT),
          before: z.string().max(2000).optional().describe('the `next` of the page before: the items older than it'),
        }),
        response: { 200: Timeline, ...errors(400, 404) },
      },
    },
    async (req) => {
      const page = await fieldsIn('query', accountTimelinePage(appDeps(req, deps), req.params.accountId, req.query));
      const items = page.items.map((it) =>
        it.kind === 'email'
          ? { kind: it.kind, id: it.id, messageId: it.messageId, at: it.at, subject: it.subject, via: it.via }
          : { kind: it.kind, id: it.id, uid: it.uid, occurrence: it.occurrence, at: it.at, title: it.title, via: it.via },
      );
      return { account: page.account, items, ...(page.next ? { next: page.next } : {}) };
    },
  );

  // Internal domains: mail among internal people only is never logged (E6). A change
  // re-decides the past like the blocklist does.
  const domainOf = (raw: string, field: string) => {
    if (!isValidDomain(raw)) throw invalid(field, `"${raw}" is not a domain`);
    return normalizeDomain(raw);
  };

  r.post(
    '/internal-domains',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'addInternalDomain',
        tags: ['workspace'],
        summary: "Add an internal domain (the team's own mail domain); re-decides mail with end users on it",
        body: NewInternalDomain,
        response: { 201: InternalDomainChange, ...errors(400, 403, 409) },
      },
    },
    async (req, reply) => {
      const domain = domainOf(req.body.domain, 'body.domain');
      if (auth(req).workspace.internalDomains.includes(domain)) throw conflict(`${domain} is already an internal domain`);
      return reply.code(201).send(await addInternalDomain(ctxFor(req, deps), domain));
    },
  );

  r.delete(
    '/internal-domains/:domain',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'removeInternalDomain',
        tags: ['workspace'],
        summary: 'Remove an internal domain; re-decides mail with end users on it',
        params: z.object({ domain: z.string().min(1).max(253) }),
        response: { 200: InternalDomainChange, ...errors(400, 403, 404) },
      },
    },
    async (req) => {
      const domain = domainOf(req.params.domain, 'params.domain');
      if (!auth(req).workspace.internalDomains.includes(domain)) throw notFound(`internal domain ${domain}`);
      return removeInternalDomain(ctxFor(req, deps), domain);
    },
  );
}
