// Overviews the web app reads: accounts with counts and last activity (the Accounts page), and
// what a connection skipped for one reason (a skip count on the Sync page, opened). Thin.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accountOverview } from '../../app/account-overview.js';
import { skippedItems } from '../../app/skipped-items.js';
import { ctxFor, errors, type ApiDeps } from '../context.js';
import { fieldsIn } from '../errors.js';
import { ConnectionParams, IsoDate } from '../schemas.js';

const AccountSummary = z.object({
  id: z.string(),
  name: z.string(),
  endUsers: z.number().int(),
  emails: z.number().int().describe('emails logged on its timeline'),
  meetings: z.number().int().describe('meetings logged on its timeline'),
  lastActivityAt: IsoDate.nullable().describe('the newest logged email or meeting; null when nothing is logged yet'),
});

const SkippedQuery = z.object({
  kind: z.enum(['email', 'meeting']),
  reason: z.string().trim().min(1).max(100).optional().describe('a reason code as the counts show it, e.g. E3_NO_END_USER'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

const Skipped = z.object({
  total: z.number().int().describe('how many items have this reason (the list stops at limit)'),
  items: z.array(
    z.object({
      kind: z.enum(['email', 'meeting']),
      id: z.string(),
      ref: z.string().nullable().describe('Message-ID (email) or UID (meeting): explain it with /v1/explain/*'),
      at: IsoDate,
      title: z.string().nullable().describe("a meeting's title; mail that was not logged keeps no subject"),
      folder: z.string().nullable(),
      code: z.string().describe('the failing check it is counted under'),
      why: z.string().describe('why it was not logged, in words'),
    }),
  ),
});

export async function overviewRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/account-summaries',
    {
      schema: {
        operationId: 'listAccountSummaries',
        tags: ['directory'],
        summary: 'Accounts with their end users, logged emails and meetings, and last activity; q narrows by name or id',
        querystring: z.object({ q: z.string().max(500).optional() }),
        response: { 200: z.array(AccountSummary), ...errors(400) },
      },
    },
    async (req) => fieldsIn('query', accountOverview(ctxFor(req, deps), { q: req.query.q ?? '' })),
  );

  r.get(
    '/connections/:connectionId/skipped',
    {
      schema: {
        operationId: 'listSkippedItems',
        tags: ['connections'],
        summary: 'What this connection saw and did not log (one reason, or all), newest first, each with why',
        params: ConnectionParams,
        querystring: SkippedQuery,
        response: { 200: Skipped, ...errors(400, 404) },
      },
    },
    async (req) =>
      fieldsIn(
        'query',
        skippedItems(ctxFor(req, deps), {
          connectionId: req.params.connectionId,
          kind: req.query.kind,
          limit: req.query.limit,
          ...(req.query.reason ? { reason: req.query.reason } : {}),
        }),
      ),
  );
}
