// Routes the web app needs beyond the CLI's: one email's content (for the timeline; the
// browser sanitizes the HTML and shows it in a sandboxed frame), and a connection's
// Disconnect (its stored password or token is deleted) / Re-authorize buttons. Thin like the others.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getEmail } from '../../store/emails.js';
import { auth } from '../auth.js';
import { appDeps, errors, type ApiDeps } from '../context.js';
import { fieldsIn } from '../errors.js';
import { disconnect } from '../../app/disconnect.js';
import { reauthorize } from '../../app/reauthorize.js';
import { notFound } from '../../app/errors.js';
import { ConnectionParams, Id } from '../schemas.js';
import { ConnectionHealth, Reauthorize } from '../connection-schemas.js';
import { healthOf } from './connections.js';

const Party = z.object({ address: z.string(), name: z.string().optional() }).passthrough();
export const EmailContent = z.object({
  id: z.string(),
  messageId: z.string().nullable(),
  at: z.string(),
  outcome: z.string(),
  subject: z.string().nullable(),
  participants: z.object({ from: z.array(Party), to: z.array(Party), cc: z.array(Party), bcc: z.array(Party) }).nullable(),
  bodyText: z.string().nullable(),
  bodyHtml: z
    .string()
    .nullable()
    .describe('as received: untrusted HTML; sanitize before showing (the web app uses DOMPurify in a sandboxed frame)'),
});

export async function webSupportRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/emails/:emailId',
    {
      schema: {
        operationId: 'getEmail',
        tags: ['activities'],
        summary: "One email's content (linked mail only keeps subject, participants and body)",
        params: z.object({ emailId: Id }),
        response: { 200: EmailContent, ...errors(404) },
      },
    },
    async (req) => {
      const e = await getEmail(deps.db, auth(req).workspace.id, req.params.emailId);
      if (!e) throw notFound('email');
      return {
        id: e.id,
        messageId: e.messageId,
        at: e.at.toISOString(),
        outcome: e.outcome,
        subject: e.subject,
        participants: e.participants as z.infer<typeof EmailContent>['participants'],
        bodyText: e.bodyText,
        bodyHtml: e.bodyHtml,
      };
    },
  );

  r.post(
    '/connections/:connectionId/disconnect',
    {
      // Roles in the use case: an admin any connection, a CSM its own teammate's (app/roles.ts).
      schema: {
        operationId: 'disconnect',
        tags: ['connections'],
        summary: 'Disconnect: nothing syncs any more; what was logged stays',
        params: ConnectionParams,
        response: { 200: ConnectionHealth, ...errors(403, 404) },
      },
    },
    async (req) => {
      const d = appDeps(req, deps);
      const conn = await disconnect(d, { connectionId: req.params.connectionId });
      return healthOf(d, conn.id);
    },
  );

  r.post(
    '/connections/:connectionId/reauthorize',
    {
      // Roles in the use case: an admin any connection, a CSM its own teammate's (app/roles.ts).
      schema: {
        operationId: 'reauthorize',
        tags: ['connections'],
        summary:
          'Re-authorize: a new password for IMAP/CalDAV (checked against the server first: 422 and nothing changed if refused), none for a ' +
          'folder; authorized-since stays, so the gap is caught up',
        params: ConnectionParams,
        body: Reauthorize,
        response: { 200: ConnectionHealth, ...errors(400, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      const d = appDeps(req, deps);
      const conn = await fieldsIn(
        'body',
        reauthorize(d, { connectionId: req.params.connectionId, ...(req.body.secret ? { secret: req.body.secret } : {}) }),
      );
      return healthOf(d, conn.id);
    },
  );
}
