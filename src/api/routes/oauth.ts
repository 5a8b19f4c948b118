// "Connect Google" from the browser: GET /v1/oauth/google/start (with the user's API token)
// answers the consent URL; Google sends the browser back to GET /oauth/google/callback
// (public: the browser carries no token there, the sealed `state` says which workspace and
// teammate), which exchanges the code, stores the refresh token encrypted and creates the
// Gmail / Google Calendar connections, or re-authorizes the teammate's existing ones
// (authorizedAt kept, so the outage is caught up, not historic). Then back to the web app.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { googleSettingsFromEnv } from '../../connectors/google/auth.js';
import { consentErrorWords, finishGoogleGrant, GrantError, openGrantState, startGoogleGrant, type GoogleProduct } from '../../connectors/google/oauth-flow.js';
import { SourceError } from '../../connectors/types.js';
import { isValidAddress } from '../../directory/address.js';
import { createConnection, listConnections, updateConnection } from '../../store/connections.js';
import { teammateByAddress } from '../../store/directory.js';
import { encryptSecret, type SecretKey } from '../../store/secrets.js';
import { getWorkspace } from '../../store/workspaces.js';
import { requestSync } from '../../service/scheduler.js';
import { auth } from '../auth.js';
import { errors, type ApiDeps } from '../context.js';
import { ApiError } from '../errors.js';

const PROVIDER: Record<GoogleProduct, { provider: 'gmail' | 'google_calendar'; mail: boolean; calendar: boolean }> = {
  gmail: { provider: 'gmail', mail: true, calendar: false },
  calendar: { provider: 'google_calendar', mail: false, calendar: true },
};

const StartQuery = z.object({
  teammate: z.string().describe("the teammate whose Google account is being connected (one of the workspace's teammates)"),
  products: z.string().default('gmail,calendar').describe('gmail, calendar, or both (comma-separated)'),
});

/** The public address Google sends the browser back to; must be registered with the OAuth client. */
export function googleRedirectUri(req: FastifyRequest, env: NodeJS.ProcessEnv = process.env): string {
  return `${publicBase(req, env)}/oauth/google/callback`;
}

/** TOUCHPOINT_PUBLIC_URL, else the address this request came to. */
export function publicBase(req: FastifyRequest, env: NodeJS.ProcessEnv = process.env): string {
  return env.TOUCHPOINT_PUBLIC_URL?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
}

function settingsOr409() {
  try {
    return googleSettingsFromEnv();
  } catch (err) {
    if (err instanceof SourceError) throw new ApiError(409, 'conflict', `${err.message} (the server's administrator registers the OAuth app; see the README, "Google")`);
    throw err;
  }
}

export function keyOr409(deps: ApiDeps): SecretKey {
  if (!deps.secretKey) throw new ApiError(409, 'conflict', 'the server has no TOUCHPOINT_SECRET_KEY to keep refresh tokens encrypted; set it and restart');
  return deps.secretKey;
}

export async function oauthStartRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/oauth/google/start', {
    schema: {
      tags: ['connections'],
      summary: 'Connect Google: the consent URL to send the browser to (authorization code + PKCE, read-only scopes)',
      querystring: StartQuery,
      response: { 200: z.object({ url: z.string(), redirectUri: z.string() }), ...errors(400, 409) },
    },
  }, async (req) => {
    const ws = auth(req).workspace;
    const products = [...new Set(req.query.products.split(',').map((p) => p.trim()).filter(Boolean))];
    const bad = products.filter((p) => p !== 'gmail' && p !== 'calendar');
    if (!products.length || bad.length) throw new ApiError(400, 'bad_request', `products: give gmail, calendar or both${bad.length ? ` (not ${bad.join(', ')})` : ''}`);
    if (!isValidAddress(req.query.teammate)) throw new ApiError(400, 'bad_request', `teammate: "${req.query.teammate}" is not an email address`);
    const teammate = await teammateByAddress(deps.db, ws.id, req.query.teammate);
    if (!teammate) throw new ApiError(400, 'bad_request', `teammate: no teammate with address ${req.query.teammate}`);
    const settings = settingsOr409();
    const key = keyOr409(deps);
    const redirectUri = googleRedirectUri(req);
    const { url } = await startGoogleGrant(settings, key, {
      workspaceId: ws.id, teammate: teammate.email, products: products as GoogleProduct[], redirectUri, now: deps.clock.now(),
    });
    return { url, redirectUri };
  });
}

const CallbackQuery = z.object({ code: z.string().optional(), state: z.string().optional(), error: z.string().optional() }).passthrough();

/** Back to the web app's Sync page, with what happened in plain words. */
export function backToApp(reply: FastifyReply, outcome: { connected?: string[]; error?: string }): FastifyReply {
  const q = new URLSearchParams();
  if (outcome.connected) q.set('connected', outcome.connected.join(','));
  if (outcome.error) q.set('error', outcome.error);
  return reply.redirect(`/#/sync?${q.toString()}`, 303);
}

export async function oauthCallbackRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/oauth/google/callback', {
    config: { public: true },
    schema: { tags: ['connections'], summary: "Google's redirect after consent (public; the browser comes here from Google)", querystring: CallbackQuery, security: [] },
  }, async (req, reply) => {
    const { code, state: sealed, error } = req.query;
    if (error) return backToApp(reply, { error: consentErrorWords(error) });
    if (!code || !sealed) return backToApp(reply, { error: 'the sign-in came back without a code: start connecting again' });
    const now = deps.clock.now();
    try {
      const key = keyOr409(deps);
      const settings = settingsOr409();
      const state = openGrantState(sealed, key, now);
      const ws = await getWorkspace(deps.db, state.workspaceId);
      const teammate = ws ? await teammateByAddress(deps.db, ws.id, state.teammate) : undefined;
      if (!ws || !teammate) throw new GrantError(`the teammate ${state.teammate} is no longer in this workspace; nothing was connected`);
      const { refreshToken } = await finishGoogleGrant(settings, state, code);
      const existing = await listConnections(deps.db, ws.id);
      const done: string[] = [];
      for (const product of state.products) {
        const kind = PROVIDER[product];
        const secretEnc = encryptSecret(refreshToken, key);
        const prior = existing.find((c) => c.provider === kind.provider && c.teammateId === teammate.id && c.status !== 'disconnected');
        let id: string;
        if (prior) {
          // Re-authorization: authorized_at stays (SPEC E2), so the outage is caught up.
          await updateConnection(deps.db, ws.id, prior.id, { secretEnc, status: 'active', statusReason: null, lastError: null, nextSyncAt: now });
          id = prior.id;
        } else {
          id = await createConnection(deps.db, ws.id, {
            teammateId: teammate.id, provider: kind.provider, config: {}, secretEnc, hasMail: kind.mail, hasCalendar: kind.calendar, authorizedAt: now,
          }, now);
        }
        await requestSync(deps.queue, ws.id, id, 'sync_now');
        done.push(id);
      }
      req.log.info({ workspace: ws.slug, connections: done }, 'google grant completed');
      return backToApp(reply, { connected: done });
    } catch (err) {
      if (err instanceof GrantError || err instanceof SourceError || err instanceof ApiError) {
        return backToApp(reply, { error: err.message });
      }
      throw err;
    }
  });
}
