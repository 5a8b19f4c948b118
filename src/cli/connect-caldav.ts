// touchpoint connect caldav — a teammate's CalDAV calendar. The password comes from an
// environment variable named on the command line (never the password itself: command lines
// show up in `ps` and shell history) and is stored encrypted with TOUCHPOINT_SECRET_KEY.
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { connectCalDav } from '../app/connect.js';
import { AppError } from '../app/errors.js';
import type { Env } from '../config/load.js';
import { asFlags, parseDate, secretKey, UserError, withContext, type GlobalOptions } from './context.js';

interface Opts {
  teammate: string;
  url: string;
  user: string;
  passwordEnv: string;
  authorizedAt: string;
  verify: boolean;
  pageSize?: string;
  caFile?: string;
}

/** The password from the named environment variable, or a one-line error. */
function passwordFromEnv(name: string, env: Env): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new UserError(`--password-env takes the NAME of an environment variable (e.g. CALDAV_PASSWORD), not a password`);
  }
  const v = env[name];
  if (!v) throw new UserError(`--password-env: the environment variable ${name} is not set or empty; export the password in it first`);
  return v;
}

/** The CA certificate file's text, or a one-line error (the use case checks it is PEM). */
function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`--ca-file: cannot read ${path}`);
  }
}

/**
 * The CLI's words for a refused check, as they were before the use-case layer (scripts and
 * the help-center article quote them): a wrong password is said as such; any other failure
 * adds how to store it anyway.
 */
async function inCliWords<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'rejected') throw err;
    const what = err.message.replace(/; nothing was saved$/, '');
    const hint = what.startsWith('could not check') ? '; fix it, or connect with --no-verify' : '';
    throw new AppError(err.code, `${what}. Nothing was stored${hint}.`, err.fields);
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
    .option('--ca-file <path>', "PEM file of a private CA that signed the server's certificate (trusted besides the system's)")
    .addOption(new Option('--page-size <n>', 'events per calendar-multiget request (default 200)').hideHelp())
    .action(async (o: Opts) => {
      const password = passwordFromEnv(o.passwordEnv, g().env);
      const key = secretKey(g());
      const authorizedAt = parseDate(o.authorizedAt, '--authorized-at');
      const pageSize = o.pageSize === undefined ? undefined : Number(o.pageSize);
      if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1))
        throw new UserError('--page-size must be a positive whole number');
      const ca = o.caFile === undefined ? undefined : readCaFile(o.caFile);
      await withContext(g(), async (ctx) => {
        const { id, teammate, calendars } = await inCliWords(
          asFlags(
            connectCalDav(
              { ...ctx, secretKey: key },
              {
                teammate: o.teammate,
                url: o.url,
                user: o.user,
                password,
                authorizedAt,
                verify: o.verify,
                ...(pageSize ? { pageSize } : {}),
                ...(ca ? { ca } : {}),
              },
            ),
          ),
        );
        const found = calendars === null ? 'not checked' : calendars.length ? `calendars: ${calendars.join(', ')}` : 'no calendars yet';
        console.log(`Connected CalDAV calendar for ${teammate}: connection ${id} (${found})`);
      });
    });
}
