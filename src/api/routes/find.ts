// "Where is my email?" over HTTP: the find use case (src/app/find.ts) behind two GET routes
// whose query parameters are named as the CLI's flags.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { findEmails, findMeetings } from '../../app/find.js';
import { liveFind } from '../../app/live-find.js';
import type { AppDeps } from '../../app/deps.js';
import { appDeps, errors, type ApiDeps } from '../context.js';
import { fieldsIn } from '../errors.js';
import { FindEmailQuery, FindMeetingQuery, FindResult } from '../find-schemas.js';

/** The request's deps with the live lookup at the provider; a CSM's own mailbox shows its subjects. */
function withLive(d: AppDeps) {
  return { ...d, live: liveFind(d, d.caller?.teammate ? { viewer: d.caller.teammate } : {}) };
}

/** Absent parameters left out, so the use case sees only what was asked. */
const given = <T extends Record<string, unknown>>(q: T) => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as T;

export async function findRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/find/email',
    {
      schema: {
        operationId: 'findEmail',
        tags: ['troubleshoot'],
        summary:
          'Find emails by sender, recipient, subject words and day; each candidate explained (why not logged, where it is, what to do)',
        querystring: FindEmailQuery,
        response: { 200: FindResult, ...errors(400, 404) },
      },
    },
    async (req) => fieldsIn('query', findEmails(withLive(appDeps(req, deps)), given(req.query))),
  );

  r.get(
    '/find/meeting',
    {
      schema: {
        operationId: 'findMeeting',
        tags: ['troubleshoot'],
        summary: 'Find meeting occurrences by title words, attendee and day; each candidate explained',
        querystring: FindMeetingQuery,
        response: { 200: FindResult, ...errors(400, 404) },
      },
    },
    async (req) => fieldsIn('query', findMeetings(withLive(appDeps(req, deps)), given(req.query))),
  );
}
