// What `touchpoint serve` says on start about signing in, so a newcomer is never left with a
// silent server: on an empty database the exact commands to create a workspace and sign in
// (or to try the demo), on a workspace without a token how to get one, and with
// --sign-in-link a one-time link to open. Also `touchpoint sign-in-link`.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { WEB_DIST } from '../api/web-static.js';
import { signInReadiness } from '../app/getting-started.js';
import { createSignInLink, DEFAULT_LINK_EXPIRY, DEFAULT_SESSION, type SignInLink } from '../app/sign-in-links.js';
import type { Store } from '../store/db.js';
import { findWorkspace } from '../store/workspaces.js';
import { asFlags, commandLine, firstWorkspaceCommand, withContext, type GlobalOptions } from './context.js';

/** The address a link points the browser at: the public URL when set, else where serve listens. */
export function linkBase(g: Pick<GlobalOptions, 'config'>, listening?: string): string {
  const base = g.config.publicUrl ?? listening ?? `http://${g.config.service.host}:${g.config.service.port ?? 8080}`;
  return base.replace(/\/+$/, '');
}

export const linkTo = (base: string, link: SignInLink) => `${base}/#signin=${link.code}`;

/** serve's lines about signing in (the first names "web app at", which npm start and the tests wait for). */
export async function howToSignIn(
  g: GlobalOptions,
  db: Store,
  url: string,
  now: Date,
  opts: { link: boolean; clockSet: boolean },
): Promise<string> {
  const say = (...lines: string[]) => `${lines.map((l) => `touchpoint serve: ${l}`).join('\n')}\n`;
  if (!existsSync(`${WEB_DIST}/index.html`))
    return say(`the web app is not built (${WEB_DIST} is missing): run "npm run build:web" and restart to serve it at ${url}/`);
  const base = linkBase(g, url);
  // On a served clock (--now), a link made later by another command would count its minutes
  // on the real clock: only serve's own link (--sign-in-link) or a token is offered then.
  const linkCommand = opts.clockSet
    ? `restart with --sign-in-link for a one-time link`
    : `${commandLine(g, 'sign-in-link', '--url', base)}   (a one-time link that signs a browser in)`;
  const tokenCommand = `${commandLine(g, 'token', 'create', '--role', 'admin', '--name', 'me')}   (a token to paste on the sign-in page)`;
  const state = await signInReadiness(db, now, g.workspace);
  if (state.kind === 'no_workspace')
    return say(
      `web app at ${url}/, but ${g.db} has no workspace yet, so nobody can sign in. In another terminal:`,
      `  1. ${firstWorkspaceCommand(g)}   (your team's slug and mail domain)`,
      `  2. ${linkCommand}`,
      `     or ${tokenCommand}`,
      `  Or try the demo instead: npm start`,
    );
  if (opts.link) {
    const ws = (await findWorkspace(db, state.workspace))!;
    const link = await createSignInLink({ db, ws, now, actor: 'cli', origin: 'cli' }, { name: 'serve --sign-in-link' });
    return say(
      `web app at ${url}/ (workspace ${state.workspace})`,
      `sign in: open ${linkTo(base, link)}   (one browser, once, until ${link.expiresAt}; it signs in as an admin for ${link.sessionMinutes / 60} h)`,
    );
  }
  if (state.kind === 'no_token')
    return say(
      `web app at ${url}/; workspace ${state.workspace} has no API token yet. To sign in, in another terminal:`,
      `  ${linkCommand}`,
      `  or ${tokenCommand}`,
    );
  return say(`web app at ${url}/ (sign in with an API token; a new one: ${tokenCommand.replace(/ {3}\(.*$/, '')})`);
}

export function registerSignInLinkCommand(program: Command, g: () => GlobalOptions): void {
  program
    .command('sign-in-link')
    .description(
      'print a one-time link that signs one browser in to the web app (short-lived; the browser gets a session token that expires)',
    )
    .option('--role <role>', 'admin or csm', 'admin')
    .option('--name <name>', "who signs in (the session token's name in the audit log)", 'sign-in link')
    .option('--teammate <email>', "a CSM session's own teammate (as token create --teammate)")
    .option('--expires <duration>', `how long the link may wait to be opened (at most 24h)`, DEFAULT_LINK_EXPIRY)
    .option('--session <duration>', 'how long the browser stays signed in (at most 30d)', DEFAULT_SESSION)
    .option('--url <url>', 'where browsers reach the running serve (default: TOUCHPOINT_PUBLIC_URL, else http://<host>:<port>)')
    .option('--json', 'print one JSON document')
    .action(
      async (o: { role: string; name: string; teammate?: string; expires: string; session: string; url?: string; json?: boolean }) => {
        await withContext(g(), async (ctx) => {
          const link = await asFlags(
            createSignInLink(ctx, {
              role: o.role,
              name: o.name,
              expires: o.expires,
              session: o.session,
              ...(o.teammate ? { teammate: o.teammate } : {}),
            }),
          );
          const url = linkTo((o.url ?? linkBase(g())).replace(/\/+$/, ''), link);
          if (o.json)
            return console.log(
              JSON.stringify({ url, role: link.role, name: link.name, expiresAt: link.expiresAt, sessionMinutes: link.sessionMinutes }),
            );
          process.stderr.write(
            `A one-time sign-in link for workspace ${ctx.ws.slug} (${link.role}): it works once, until ${link.expiresAt}, and signs the browser in for ${link.sessionMinutes} minutes:\n`,
          );
          console.log(url);
        });
      },
    );
}
