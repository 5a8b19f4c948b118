// connect gmail | google-calendar, and `authorize google` (prints the consent URL of the real
// flow). The refresh token is read from an environment variable named on the command line
// (obtained out-of-band, or from an emulator in tests) and stored encrypted; client id and
// secret come from TOUCHPOINT_GOOGLE_CLIENT_ID / TOUCHPOINT_GOOGLE_CLIENT_SECRET.
import type { Command } from 'commander';
import { SourceError } from '../providers/types.js';
import { isValidAddress } from '../directory/address.js';
import { createConnection } from '../store/connections.js';
import { teammateByAddress } from '../store/directory.js';
import { encryptSecret } from '../secrets/secrets.js';
import { parseDate, providerSettings, secretKey, UserError, withContext, type GlobalOptions } from './context.js';

const KINDS = {
  gmail: { provider: 'gmail', label: 'Gmail', mail: true, calendar: false },
  'google-calendar': { provider: 'google_calendar', label: 'Google Calendar', mail: false, calendar: true },
} as const;

const settingsOrUserError = (g: GlobalOptions) =>
  providerSettings(async () => (await import('../providers/google/auth.js')).googleSettings(g.config.google));

export function registerGoogleCommands(program: Command, g: () => GlobalOptions): void {
  const connect = program.commands.find((c) => c.name() === 'connect') ?? program.command('connect');
  for (const [name, kind] of Object.entries(KINDS)) {
    connect
      .command(name)
      .description(`a ${kind.label} account over OAuth; the refresh token is read from an environment variable`)
      .requiredOption('--teammate <addr>', 'the teammate whose account this is')
      .requiredOption('--token-env <VAR>', 'name of the environment variable holding the OAuth refresh token')
      .requiredOption('--authorized-at <iso>', 'when the teammate granted access (mail and meetings before are historic)')
      .option('--page-size <n>', 'items per page')
      .option('--no-verify', 'save without refreshing the token first')
      .action(async (o: { teammate: string; tokenEnv: string; authorizedAt: string; pageSize?: string; verify: boolean }) => {
        const authorizedAt = parseDate(o.authorizedAt, '--authorized-at');
        if (!isValidAddress(o.teammate)) throw new UserError(`"${o.teammate}" is not an email address`);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.tokenEnv))
          throw new UserError('--token-env takes the NAME of an environment variable, not the token itself');
        const token = g().env[o.tokenEnv];
        if (!token) throw new UserError(`--token-env: the environment variable ${o.tokenEnv} is not set or is empty`);
        const pageSize = o.pageSize === undefined ? undefined : Number(o.pageSize);
        if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1))
          throw new UserError('--page-size must be a positive whole number');
        const key = secretKey(g());
        const settings = await settingsOrUserError(g());
        if (o.verify) {
          const { GoogleTokens } = await import('../providers/google/auth.js');
          try {
            await new GoogleTokens(settings, token).ensureFresh();
          } catch (err) {
            if (err instanceof SourceError) throw new UserError(`${err.message}; nothing was saved`);
            throw err;
          }
        }
        await withContext(g(), async (ctx) => {
          const t = await teammateByAddress(ctx.db, ctx.ws.id, o.teammate);
          if (!t)
            throw new UserError(`no teammate with address ${o.teammate}: add it with "touchpoint teammate add --email ${o.teammate}"`);
          const id = await createConnection(
            ctx.db,
            ctx.ws.id,
            {
              teammateId: t.id,
              provider: kind.provider,
              config: pageSize ? { pageSize } : {},
              secretEnc: encryptSecret(token, key),
              hasMail: kind.mail,
              hasCalendar: kind.calendar,
              authorizedAt,
            },
            ctx.now,
          );
          console.log(`Connected ${kind.label} for ${t.email}: connection ${id}`);
          console.log(
            `  ${kind.mail ? 'mail received' : 'meetings'} before ${authorizedAt.toISOString()} ${kind.mail ? 'is' : 'are'} historic`,
          );
        });
      });
  }

  const authorize =
    program.commands.find((c) => c.name() === 'authorize') ??
    program.command('authorize').description('print the consent URL of a provider (the real OAuth flow)');
  authorize
    .command('google')
    .description('print the Google consent URL (authorization code + PKCE) and the code verifier to exchange the code with')
    .requiredOption('--redirect-uri <url>', 'the redirect URL registered for the OAuth client')
    .option('--scopes <list>', 'gmail, calendar, or both', 'gmail,calendar')
    .action(async (o: { redirectUri: string; scopes: string }) => {
      const { authorizeUrl, CALENDAR_SCOPE, GMAIL_SCOPE } = await import('../providers/google/auth.js');
      const want = o.scopes.split(',').map((s) => s.trim());
      const scopes = [...(want.includes('gmail') ? [GMAIL_SCOPE] : []), ...(want.includes('calendar') ? [CALENDAR_SCOPE] : [])];
      if (!scopes.length) throw new UserError('--scopes: give gmail, calendar or both');
      const { url, codeVerifier } = await authorizeUrl(await settingsOrUserError(g()), o.redirectUri, scopes);
      console.log(url);
      console.log(`code verifier (keep it for the token exchange): ${codeVerifier}`);
    });
}
