// "Connect Google" from the browser: GET /v1/oauth/google/start (with the user's API token)
// answers the consent URL; Google sends the browser back to GET /oauth/google/callback
// (public: the browser carries no token there, the sealed `state` says which workspace and
// teammate), which exchanges the code, stores the refresh token encrypted and creates the
// Gmail / Google Calendar connections, or re-authorizes the teammate's existing ones
// (authorizedAt kept, so the outage is caught up, not historic). Then back to the web app.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { connectOrReauthorizeGrant, type GrantedConnection } from '../../app/oauth-grant.js';
import { z } from 'zod';
import type { Config } from '../../config/schema.js';
import { googleSettings } from '../../providers/google/auth.js';
import {
  consentErrorWords,
  finishGoogleGrant,
  GrantError,
  openGrantState,
  startGoogleGrant,
  type GoogleProduct,
} from '../../providers/google/oauth-flow.js';
import { newGrantNonce } from '../../providers/oauth-state.js';
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

const PROVIDER: Record<GoogleProduct, GrantedConnection> = {
  gmail: { provider: 'gmail', hasMail: true, hasCalendar: false },
  calendar: { provider: 'google_calendar', hasMail: false, hasCalendar: true },
};

const StartQuery = z.object({
  teammate: z.string().describe("the teammate whose Google account is being connected (one of the workspace's teammates)"),
  products: z.string().default('gmail,calendar').describe('gmail, calendar, or both (comma-separated)'),
});

/** The public address Google sends the browser back to; must be registered with the OAuth client. */
export function googleRedirectUri(config: Config): string {
  return `${publicBase(config)}/oauth/google/callback`;
}

function settingsOr409(config: Config) {
  try {
    return googleSettings(config.google);
  } catch (err) {
    if (err instanceof SourceError)
      throw new AppError('conflict', `${err.message} (the server's administrator registers the OAuth app; see docs/providers/google.md)`);
    throw err;
  }
}

export async function oauthStartRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/oauth/google/start',
    {
      schema: {
        operationId: 'startGoogleGrant',
        tags: ['connections'],
        summary: 'Connect Google: the consent URL to send the browser to (authorization code + PKCE, read-only scopes)',
        querystring: StartQuery,
        response: { 200: z.object({ url: z.string(), redirectUri: z.string() }), ...errors(400, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const ws = auth(req).workspace;
      const products = parseProducts<GoogleProduct>(req.query.products, ['gmail', 'calendar']);
      const teammate = await startTeammate(req, deps, req.query.teammate);
      const settings = settingsOr409(deps.config);
      const key = keyOr409(deps);
      const nonce = newGrantNonce();
      const redirectUri = googleRedirectUri(deps.config);
      const { url } = await startGoogleGrant(settings, key, {
        workspaceId: ws.id,
        teammate: teammate.email,
        products,
        redirectUri,
        now: deps.clock.now(),
        nonce,
        startedBy: grantStarter(req),
      });
      setGrantCookie(reply, 'google', nonce, deps.config);
      return { url, redirectUri };
    },
  );
}

const CallbackQuery = z.object({ code: z.string().optional(), state: z.string().optional(), error: z.string().optional() }).passthrough();

export async function oauthCallbackRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/oauth/google/callback',
    {
      config: { public: true },
      schema: {
        operationId: 'finishGoogleGrant',
        tags: ['callbacks'],
        summary: "Google's redirect after consent (public; the browser comes here from Google)",
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
      if (error) return backToApp(reply, { error: consentErrorWords(error) });
      if (!code || !sealed) return backToApp(reply, { error: 'the sign-in came back without a code: start connecting again' });
      const now = deps.clock.now();
      try {
        const key = keyOr409(deps);
        const settings = settingsOr409(deps.config);
        const state = openGrantState(sealed, key, now);
        await claimState(req, reply, deps, 'google', state, now);
        const { ws, teammate } = await grantOwner(deps, state);
        const { refreshToken } = await finishGoogleGrant(settings, state, code);
        const done: string[] = [];
        for (const product of state.products)
          done.push(
            await connectOrReauthorizeGrant(grantDeps(req, deps, ws, key, now, state.startedBy), {
              teammate,
              connection: PROVIDER[product],
              refreshToken,
            }),
          );
        req.log.info({ workspace: ws.slug, connections: done }, 'google grant completed');
        return backToApp(reply, { connected: done });
      } catch (err) {
        if (err instanceof GrantError || err instanceof SourceError || err instanceof AppError)
          return backToApp(reply, { error: err.message });
        throw err;
      }
    },
  );
}
