// The browser's half of a one-time sign-in link (app/sign-in-links.ts): the web app reads the
// code from the link's fragment (#signin=…, never sent to the server in a request line) and
// posts it here once, for a session token. Public: the browser has no token yet.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { redeemSignInLink } from '../../app/sign-in-links.js';
import { publicErrors, type ApiDeps } from '../context.js';

const SignInBody = z.object({ code: z.string().min(1).max(200).describe('the code from a one-time sign-in link (#signin=…)') });
const Session = z.object({
  token: z.string().describe('an API token for this browser session; keep it out of URLs'),
  role: z.enum(['admin', 'csm']),
  name: z.string(),
  expiresAt: z.string().nullable(),
  workspace: z.string().describe("the workspace's slug"),
});

export async function signInRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/sign-in',
    {
      config: { public: true },
      schema: {
        operationId: 'redeemSignInLink',
        tags: ['workspace'],
        summary: "A one-time sign-in link's code for a session token (once; the link expires in minutes)",
        security: [],
        body: SignInBody,
        response: { 200: Session, ...publicErrors(400, 401) },
      },
    },
    async (req) => {
      const s = await redeemSignInLink({ db: deps.db, now: deps.clock.now(), origin: req.ip }, req.body.code);
      return { token: s.token, role: s.record.role, name: s.record.name, expiresAt: s.record.expiresAt, workspace: s.workspace.slug };
    },
  );
}
