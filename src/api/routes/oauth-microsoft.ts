// "Connect Microsoft 365" from the browser, like Google's (./oauth.ts): GET
// /v1/oauth/microsoft/start (with the user's API token) answers msal's consent URL; Microsoft
// sends the browser back to the public GET /oauth/microsoft/callback, which redeems the code
// with the PKCE verifier from the sealed state, stores the refresh token encrypted and creates
// the teammate's `graph` connection (mail and calendar, one consent), or re-authorizes their
// existing one (authorizedAt kept, so the outage is caught up), queues a sync, and sends the
// browser back to the web app's Sync page.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { connectOrReauthorizeGrant } from '../../app/oauth-grant.js';
import { z } from 'zod';
import {
  finishMicrosoftGrant,
  microsoftConsentErrorWords,
  openMicrosoftGrantState,
  startMicrosoftGrant,
  type MicrosoftProduct,
} from '../../providers/microsoft/oauth-flow.js';
import type { Config } from '../../config/schema.js';
import { microsoftSettings } from '../../providers/microsoft/settings.js';
import { GrantError, newGrantNonce } from '../../providers/oauth-state.js';
import { SourceError } from '../../providers/types.js';
import { auth } from '../auth.js';
import { errors, publicErrors, type ApiDeps } from '../context.js';
import { AppError } from '../../app/errors.js';
import {
  backToApp,
  claimState,
  grantDeps,
  grantOwner,
  grantStarter,
  keyOr409,
  parseProducts,
  publicBase,
  setGrantCookie,
  startTeammate,
} from './oauth-grants.js';

const StartQuery = z.object({
  teammate: z.string().describe("the teammate whose Microsoft 365 account is being connected (one of the workspace's teammates)"),
  products: z
    .string()
    .default('mail,calendar')
    .describe(
      'mail, calendar or both (comma-separated): what a new connection syncs (the consent covers both; a re-authorization keeps what the connection had)',
    ),
});

function settingsOr409(config: Config) {
  try {
    return microsoftSettings(config.microsoft);
  } catch (err) {
    if (err instanceof SourceError)
      throw new AppError(
        'conflict',
        `${err.message} (the server's administrator registers the Entra ID app; see docs/providers/microsoft.md)`,
      );
    throw err;
  }
}

export async function microsoftOauthStartRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/oauth/microsoft/start',
    {
      schema: {
        operationId: 'startMicrosoftGrant',
        tags: ['connections'],
        summary:
          'Connect Microsoft 365: the consent URL to send the browser to (authorization code + PKCE; Mail.Read, Calendars.Read, offline_access)',
        querystring: StartQuery,
        response: { 200: z.object({ url: z.string(), redirectUri: z.string() }), ...errors(400, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const ws = auth(req).workspace;
      const products = parseProducts<MicrosoftProduct>(req.query.products, ['mail', 'calendar']);
      const teammate = await startTeammate(req, deps, req.query.teammate);
      const settings = settingsOr409(deps.config);
      const key = keyOr409(deps);
      const nonce = newGrantNonce();
      const redirectUri = `${publicBase(deps.config)}/oauth/microsoft/callback`;
      const { url } = await startMicrosoftGrant(settings, key, {
        workspaceId: ws.id,
        teammate: teammate.email,
        products,
        redirectUri,
        now: deps.clock.now(),
        nonce,
        startedBy: grantStarter(req),
      });
      setGrantCookie(reply, 'microsoft', nonce, deps.config);
      return { url, redirectUri };
    },
  );
}

const CallbackQuery = z
  .object({
    code: z.string().optional(),
    state: z.string().optional(),
    error: z.string().optional(),
    error_description: z.string().optional(),
  })
  .passthrough();

export async function microsoftOauthCallbackRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/oauth/microsoft/callback',
    {
      config: { public: true },
      schema: {
        operationId: 'finishMicrosoftGrant',
        tags: ['callbacks'],
        summary: "Microsoft's redirect after consent (public; the browser comes here from Microsoft)",
        querystring: CallbackQuery,
        security: [],
        response: {
          303: z.null().describe('back to the web app (/#/sync) with connected=<ids> or error=<what went wrong, in plain words>'),
          ...publicErrors(),
        },
      },
    },
    async (req, reply) => {
      const { code, state: sealed, error } = req.query;
      if (error) return backToApp(reply, { error: microsoftConsentErrorWords(error, req.query.error_description) });
      if (!code || !sealed) return backToApp(reply, { error: 'the sign-in came back without a code: start connecting again' });
      const now = deps.clock.now();
      try {
        const key = keyOr409(deps);
        const settings = settingsOr409(deps.config);
        const state = openMicrosoftGrantState(sealed, key, now);
        await claimState(req, reply, deps, 'microsoft', state, now);
        const { ws, teammate } = await grantOwner(deps, state);
        const { refreshToken } = await finishMicrosoftGrant(settings, state, code);
        const kind = {
          provider: 'graph' as const,
          hasMail: state.products.includes('mail'),
          hasCalendar: state.products.includes('calendar'),
        };
        const id = await connectOrReauthorizeGrant(grantDeps(req, deps, ws, key, now, state.startedBy), {
          teammate,
          connection: kind,
          refreshToken,
        });
        req.log.info({ workspace: ws.slug, connections: [id] }, 'microsoft grant completed');
        return backToApp(reply, { connected: [id] });
      } catch (err) {
        if (err instanceof GrantError || err instanceof SourceError || err instanceof AppError)
          return backToApp(reply, { error: err.message });
        throw err;
      }
    },
  );
}
