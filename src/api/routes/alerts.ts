// Alerts over HTTP: what the web app's banner shows (broken connections with their fix; for
// admins, the workspace alert) and an admin's choice of the daily digest.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAlerts, setDigestOptIn } from '../../app/alerts.js';
import { appDeps, errors, type ApiDeps } from '../context.js';
import { fieldsIn } from '../errors.js';
import { Address } from '../schemas.js';

const ConnectionAlert = z.object({
  connectionId: z.string(),
  provider: z.string(),
  mailbox: z.string().describe('the mailbox or calendar, by its owner address'),
  since: z.string().nullable().describe('when it broke (ISO-8601 UTC); null when it broke before alerts were recorded'),
  reason: z.string().describe('what the provider said'),
  fix: z.string().describe('the fix in plain words, with the link to the page that has the Re-authorize button'),
});

const Alerts = z.object({
  connections: z.array(ConnectionAlert).describe("the caller's own connections that need re-authorization (admins: every one)"),
  workspace: z
    .object({
      broken: z.number().int(),
      total: z.number().int(),
      percent: z.number().int(),
      thresholdPercent: z.number().int().describe('TOUCHPOINT_ALERT_BROKEN_PERCENT'),
      alert: z.string().nullable().describe('set when more than the threshold share of connections is broken'),
    })
    .nullable()
    .describe('admins only: the share of broken connections'),
});

const DigestChoice = z.object({
  address: Address.describe('where the daily digest goes'),
  daily: z.boolean().describe('true: send it once a day; false: stop'),
});

export async function alertRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const settings = { publicUrl: deps.config.publicUrl, brokenPercent: deps.config.alerts.brokenPercent };

  r.get(
    '/alerts',
    {
      schema: {
        operationId: 'listAlerts',
        tags: ['connections'],
        summary: 'Connections that need re-authorization, with the fix in plain words; for admins, the workspace alert',
        response: { 200: Alerts, ...errors() },
      },
    },
    async (req) => listAlerts(appDeps(req, deps), settings),
  );

  r.put(
    '/alerts/digest',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'setDigestOptIn',
        tags: ['connections'],
        summary: 'Send (or stop) the daily digest of broken connections to an address (needs TOUCHPOINT_SMTP_HOST to go out)',
        body: DigestChoice,
        response: { 200: DigestChoice, ...errors(400, 403) },
      },
    },
    async (req) => fieldsIn('body', setDigestOptIn(appDeps(req, deps), req.body)),
  );
}
