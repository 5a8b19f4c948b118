// touchpoint connect caldav — a teammate's CalDAV calendar. The password comes from an
// environment variable named on the command line (never the password itself: command lines
// show up in `ps` and shell history) and is stored encrypted with TOUCHPOINT_SECRET_KEY.
import { Option, type Command } from 'commander';
import { CalDavCalendarSource } from '../providers/caldav/caldav-calendar-source.js';
import { encodeCalDavSecret } from '../providers/caldav/config.js';
import { SourceError } from '../providers/types.js';
import { createConnection } from '../store/connections.js';
import { teammateByAddress } from '../store/directory.js';
import type { Env } from '../config/load.js';
import { parseDate, secretKey, UserError, withContext, type GlobalOptions } from './context.js';

interface Opts {
  teammate: string;
  url: string;
  user: string;
  passwordEnv: string;
  authorizedAt: string;
  verify: boolean;
  pageSize?: string;
}

export function checkCalDavUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UserError(`--url: "${raw}" is not a URL (e.g. https://caldav.example.com/)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new UserError(`--url: "${raw}" must start with https:// (or http:// for a server on this machine)`);
  if (u.username || u.password) throw new UserError('--url must not contain a user name or password; use --user and --password-env');
  // Basic authentication sends the password with every request: in clear text over http.
  const loopback = u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\./.test(u.hostname);
  if (u.protocol === 'http:' && !loopback) {
    throw new UserError(
      `--url: use https:// — over http:// the password would cross the network in clear text (http is accepted only for a server on this machine)`,
    );
  }
  return u.href;
}

/** The password from the named environment variable, or a one-line error. */
export function passwordFromEnv(name: string, env: Env): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new UserError(`--password-env takes the NAME of an environment variable (e.g. CALDAV_PASSWORD), not a password`);
  }
  const v = env[name];
  if (!v) throw new UserError(`--password-env: the environment variable ${name} is not set or empty; export the password in it first`);
  return v;
}

/** Asks the server for the calendars: proves the URL and password before anything is stored. */
async function verify(url: string, user: string, password: string): Promise<string[]> {
  try {
    const cals = await new CalDavCalendarSource({ url, user, password, timeoutMs: 30_000 }).calendars();
    return cals.map((c) => c.displayName);
  } catch (err) {
    if (!(err instanceof SourceError)) throw err;
    const then = 'Nothing was stored';
    if (err.code === 'AUTH_FAILED') throw new UserError(`the CalDAV server rejected the user name or password for ${user}. ${then}.`);
    throw new UserError(`could not check the CalDAV account: ${err.message}. ${then}; fix it, or connect with --no-verify.`);
  }
}

export function registerConnectCalDav(connect: Command, g: () => GlobalOptions): void {
  connect
    .command('caldav')
    .description('a CalDAV calendar (Radicale, Nextcloud, Fastmail, iCloud, …); its calendars are found from the URL')
    .requiredOption('--teammate <addr>', 'the teammate whose calendar this is')
    .requiredOption('--url <url>', 'the CalDAV server (or calendar home) URL')
    .requiredOption('--user <name>', 'user name on the CalDAV server')
    .requiredOption('--password-env <VAR>', 'name of the environment variable holding the password')
    .requiredOption('--authorized-at <iso>', 'when the teammate authorized it; earlier meetings are historic')
    .option('--no-verify', 'store it without checking the URL and password against the server now')
    .addOption(new Option('--page-size <n>', 'events per calendar-multiget request (default 200)').hideHelp())
    .action(async (o: Opts) => {
      const url = checkCalDavUrl(o.url);
      if (!o.user.trim()) throw new UserError('--user must not be empty');
      const password = passwordFromEnv(o.passwordEnv, g().env);
      const key = secretKey(g());
      const authorizedAt = parseDate(o.authorizedAt, '--authorized-at');
      const pageSize = o.pageSize === undefined ? undefined : Number(o.pageSize);
      if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1))
        throw new UserError('--page-size must be a positive whole number');
      await withContext(g(), async (ctx) => {
        const t = await teammateByAddress(ctx.db, ctx.ws.id, o.teammate);
        if (!t) throw new UserError(`no teammate with address ${o.teammate}: add it with "touchpoint teammate add --email ${o.teammate}"`);
        const calendars = o.verify ? await verify(url, o.user, password) : null;
        const id = await createConnection(
          ctx.db,
          ctx.ws.id,
          {
            teammateId: t.id,
            provider: 'caldav',
            config: { url, user: o.user, ...(pageSize ? { pageSize } : {}) },
            secretEnc: encodeCalDavSecret(password, key),
            hasMail: false,
            hasCalendar: true,
            authorizedAt,
          },
          ctx.now,
        );
        const found = calendars === null ? 'not checked' : calendars.length ? `calendars: ${calendars.join(', ')}` : 'no calendars yet';
        console.log(`Connected CalDAV calendar for ${t.email}: connection ${id} (${found})`);
      });
    });
}
