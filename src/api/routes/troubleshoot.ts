// The troubleshooter over HTTP: explain (why / why not), global search, directory hygiene,
// the support bundle, and the audit log.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAuditLog } from '../../app/undo.js';
import { explainEmail, explainMeeting } from '../../app/explain.js';
import { search } from '../../app/search.js';
import { directoryHygiene } from '../../troubleshoot/hygiene.js';
import { supportBundle } from '../../troubleshoot/support-bundle.js';
import { auth } from '../auth.js';
import { ctxFor, errors, type ApiDeps } from '../context.js';
import { fieldsIn } from '../errors.js';
import { invalid } from '../../app/errors.js';
import {
  AuditListEntry,
  AuditQuery,
  ExplainEmailQuery,
  ExplainMeetingQuery,
  Explanation,
  Hygiene,
  HygieneQuery,
  SearchQuery,
  SearchResult,
} from '../schemas.js';
import { SupportBundle, SupportBundleQuery } from '../connection-schemas.js';

export async function troubleshootRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/explain/email',
    {
      schema: {
        operationId: 'explainEmail',
        tags: ['troubleshoot'],
        summary: 'Why was this email logged, or why not? Every E check with its data, hints and remedies',
        querystring: ExplainEmailQuery,
        response: { 200: Explanation, ...errors(400) },
      },
    },
    async (req) => fieldsIn('query', explainEmail(ctxFor(req, deps), { messageId: req.query.messageId })),
  );

  r.get(
    '/explain/meeting',
    {
      schema: {
        operationId: 'explainMeeting',
        tags: ['troubleshoot'],
        summary: 'Why was this meeting (occurrence) logged, or why not? Every M check',
        querystring: ExplainMeetingQuery,
        response: { 200: Explanation, ...errors(400) },
      },
    },
    async (req) => {
      const { uid, occurrence } = req.query;
      return fieldsIn('query', explainMeeting(ctxFor(req, deps), { uid, ...(occurrence ? { occurrence: new Date(occurrence) } : {}) }));
    },
  );

  r.get(
    '/search',
    {
      schema: {
        operationId: 'search',
        tags: ['troubleshoot'],
        summary: 'An address or part of one: accounts where it is an end user, teammates using it, recent activities',
        querystring: SearchQuery,
        response: { 200: SearchResult, ...errors(400) },
      },
    },
    async (req) => fieldsIn('query', search(ctxFor(req, deps), { q: req.query.q })),
  );

  r.get(
    '/hygiene',
    {
      schema: {
        operationId: 'directoryHygiene',
        tags: ['troubleshoot'],
        summary: 'End users that will cause surprises',
        querystring: HygieneQuery,
        response: { 200: Hygiene, ...errors(400) },
      },
    },
    async (req) => directoryHygiene(ctxFor(req, deps), { minAccounts: req.query.minAccounts }),
  );

  r.get(
    '/support-bundle',
    {
      schema: {
        operationId: 'supportBundle',
        tags: ['troubleshoot'],
        summary: 'One JSON to attach when writing to support: the explanation, connection health and audit entries; no secrets',
        querystring: SupportBundleQuery,
        response: { 200: SupportBundle, ...errors(400) },
      },
    },
    async (req, reply) => {
      const { messageId, uid, occurrence } = req.query;
      if (!messageId === !uid) throw invalid('query.messageId', 'give messageId (an email) or uid (a meeting), not both');
      const bundle = await supportBundle(
        ctxFor(req, deps),
        messageId ? { messageId } : { uid: uid!, ...(occurrence ? { occurrence: new Date(occurrence) } : {}) },
      );
      void reply.header('content-disposition', `attachment; filename="touchpoint-support-${auth(req).workspace.slug}.json"`);
      return bundle;
    },
  );

  r.get(
    '/audit',
    {
      schema: {
        operationId: 'listAudit',
        tags: ['troubleshoot'],
        summary:
          'Every change: who, when, what, from where; directory changes with what they linked and unlinked (newest first); ' +
          'undoable: POST /v1/audit/{id}/undo can undo it',
        querystring: AuditQuery,
        response: { 200: z.array(AuditListEntry), ...errors(400) },
      },
    },
    async (req) => listAuditLog(ctxFor(req, deps), req.query.limit),
  );
}
