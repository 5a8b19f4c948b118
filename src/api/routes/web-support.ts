// Routes the web app needs beyond the CLI's: one email's content (for the timeline; the
// browser sanitizes the HTML and shows it in a sandboxed frame), and a connection's
// Disconnect (its stored password or token is deleted) / Re-authorize buttons. Thin like the others.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getConnection, updateConnection } from '../../store/connections.js';
import { getEmail } from '../../store/emails.js';
import { encryptSecret } from '../../secrets/secrets.js';
import { connectionHealth } from '../../troubleshoot/status.js';
import { auth } from '../auth.js';
import { ctxFor, errors, type ApiDeps } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { ConnectionHealth, ConnectionParams, Id, Reauthorize } from '../schemas.js';
import { readImapConfig } from '../../providers/imap/config.js';
import { readCalDavConfig } from '../../providers/caldav/config.js';
import { verifyCalDav, verifyImapLogin } from '../verify-credentials.js';
import { requireSecretKey } from './connections.js';
import { stopPush } from '../../providers/registry.js';

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

  const health = async (req: Parameters<typeof ctxFor>[0], id: string) =>
    (await connectionHealth(ctxFor(req, deps))).connections.find((x) => x.id === id)!;

  r.post(
    '/connections/:connectionId/disconnect',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['connections'],
        summary: 'Disconnect: nothing syncs any more; what was logged stays',
        params: ConnectionParams,
        response: { 200: ConnectionHealth, ...errors(403, 404) },
      },
    },
    async (req) => {
      const ws = auth(req).workspace.id;
      const conn = await getConnection(deps.db, ws, req.params.connectionId);
      if (!conn) throw notFound('connection');
      await stopPush({ ...conn, secrets: deps.secrets, settings: deps.config }); // while the token is still there to do it with; best effort
      await updateConnection(deps.db, ws, conn.id, {
        status: 'disconnected',
        statusReason: 'disconnected by an admin',
        nextSyncAt: null,
        secretEnc: null,
      });
      return health(req, conn.id);
    },
  );

  r.post(
    '/connections/:connectionId/reauthorize',
    {
      config: { role: 'admin' },
      schema: {
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
      const ws = auth(req).workspace.id;
      const conn = await getConnection(deps.db, ws, req.params.connectionId);
      if (!conn) throw notFound('connection');
      let secretEnc: string | undefined;
      if (conn.provider === 'imap' || conn.provider === 'caldav') {
        const secret = req.body.secret;
        if (!secret)
          throw new ApiError(400, 'bad_request', 'give the new password', [
            { field: 'body.secret', message: 'required for this connection' },
          ]);
        const key = requireSecretKey(deps);
        if (conn.provider === 'imap') {
          const cfg = readImapConfig(conn.config);
          if (cfg.auth !== 'password') {
            const flag = cfg.oauth ? `--${cfg.oauth}-token-env` : '--xoauth2-token-env';
            throw new ApiError(
              409,
              'conflict',
              `this mailbox signs in with an OAuth token (XOAUTH2), not a password: re-authorize it on the server with touchpoint reauthorize ${flag} <VAR>`,
            );
          }
          await verifyImapLogin(cfg, secret);
        } else {
          const cfg = readCalDavConfig(conn.config);
          await verifyCalDav(cfg.url, cfg.user, secret);
        }
        secretEnc = encryptSecret(secret, key);
      } else if (conn.provider !== 'folder') {
        throw new ApiError(
          409,
          'conflict',
          `a ${conn.provider} connection is re-authorized by signing in with the provider again (connect it again); a password cannot be typed here`,
        );
      }
      await updateConnection(deps.db, ws, conn.id, {
        status: 'active',
        statusReason: null,
        lastError: null,
        nextSyncAt: deps.clock.now(),
        ...(secretEnc ? { secretEnc } : {}),
      });
      return health(req, conn.id);
    },
  );
}
