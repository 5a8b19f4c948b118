// connect microsoft (one `graph` connection: the mailbox's Inbox and Sent Items and its
// calendar, under one consent) and `authorize microsoft` (prints the consent URL of the real
// flow, with PKCE). The refresh token is read from an environment variable named on the
// command line and stored encrypted; client id and secret come from
// TOUCHPOINT_MICROSOFT_CLIENT_ID / TOUCHPOINT_MICROSOFT_CLIENT_SECRET.
import type { Command } from 'commander';
import { SourceError } from '../providers/types.js';
import { isValidAddress } from '../directory/address.js';
import { createConnection } from '../store/connections.js';
import { teammateByAddress } from '../store/directory.js';
import { encryptSecret } from '../secrets/secrets.js';
import { parseDate, providerSettings, secretKey, UserError, withContext, type GlobalOptions } from './context.js';

const settingsOrUserError = (g: GlobalOptions) =>
  providerSettings(async () => (await import('../providers/microsoft/settings.js')).microsoftSettings(g.config.microsoft));

export function registerMicrosoftCommands(program: Command, g: () => GlobalOptions): void {
  const connect = program.commands.find((c) => c.name() === 'connect') ?? program.command('connect');
  connect
    .command('microsoft')
    .description('a Microsoft 365 mailbox and calendar over Microsoft Graph; the refresh token is read from an environment variable')
    .requiredOption('--teammate <addr>', 'the teammate whose mailbox this is')
    .requiredOption('--token-env <VAR>', 'name of the environment variable holding the OAuth refresh token')
    .requiredOption('--authorized-at <iso>', 'when the teammate granted access (mail and meetings before are historic)')
    .option('--page-size <n>', 'items per Graph page (odata.maxpagesize)')
    .option('--no-verify', 'save without refreshing the token first')
    .action(async (o: { teammate: string; tokenEnv: string; authorizedAt: string; pageSize?: string; verify: boolean }) => {
      const authorizedAt = parseDate(o.authorizedAt, '--authorized-at');
      if (!isValidAddress(o.teammate)) throw new UserError(`"${o.teammate}" is not an email address`);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.tokenEnv))
        throw new UserError('--token-env takes the NAME of an environment variable, not the token itself');
      const token = g().env[o.tokenEnv];
      if (!token) throw new UserError(`--token-env: the environment variable ${o.tokenEnv} is not set or is empty`);
      const pageSize = o.pageSize === undefined ? undefined : Number(o.pageSize);
      if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000))
        throw new UserError('--page-size must be a whole number from 1 to 1000');
      const key = secretKey(g());
      const settings = await settingsOrUserError(g());
      let secret = token;
      if (o.verify) {
        const { MicrosoftTokens } = await import('../providers/microsoft/auth.js');
        try {
          // Microsoft may rotate the refresh token on this first use: keep the one it gave back.
          const save = async (enc: string) => {
            secret = enc;
          };
          await new MicrosoftTokens(settings, token, { secrets: g().secrets, save }).token();
        } catch (err) {
          if (err instanceof SourceError) throw new UserError(`${err.message}; nothing was saved`);
          throw err;
        }
      }
      await withContext(g(), async (ctx) => {
        const t = await teammateByAddress(ctx.db, ctx.ws.id, o.teammate);
        if (!t) throw new UserError(`no teammate with address ${o.teammate}: add it with "touchpoint teammate add --email ${o.teammate}"`);
        const id = await createConnection(
          ctx.db,
          ctx.ws.id,
          {
            teammateId: t.id,
            provider: 'graph',
            config: pageSize ? { pageSize } : {},
            secretEnc: secret === token ? encryptSecret(token, key) : secret,
            hasMail: true,
            hasCalendar: true,
            authorizedAt,
          },
          ctx.now,
        );
        console.log(`Connected Microsoft 365 (mail and calendar) for ${t.email}: connection ${id}`);
        console.log(`  mail received and meetings before ${authorizedAt.toISOString()} are historic`);
      });
    });

  const authorize =
    program.commands.find((c) => c.name() === 'authorize') ??
    program.command('authorize').description('print the consent URL of a provider (the real OAuth flow)');
  authorize
    .command('microsoft')
    .description(
      'print the Microsoft consent URL (authorization code + PKCE; Mail.Read Calendars.Read offline_access) and the code verifier',
    )
    .requiredOption('--redirect-uri <url>', 'the redirect URL registered for the Entra ID app')
    .option(
      '--imap',
      'ask for Outlook IMAP instead (https://outlook.office.com/IMAP.AccessAsUser.All offline_access), for connect imap --microsoft-token-env',
    )
    .action(async (o: { redirectUri: string; imap?: boolean }) => {
      try {
        new URL(o.redirectUri);
      } catch {
        throw new UserError(`--redirect-uri: "${o.redirectUri}" is not a URL`);
      }
      const { authorizeUrl } = await import('../providers/microsoft/auth.js');
      const { IMAP_CONSENT_SCOPES } = await import('../providers/microsoft/settings.js');
      const { url, codeVerifier } = await authorizeUrl(
        await settingsOrUserError(g()),
        o.redirectUri,
        undefined,
        undefined,
        ...(o.imap ? [IMAP_CONSENT_SCOPES] : []),
      );
      console.log(url);
      console.log(`code verifier (keep it for the token exchange): ${codeVerifier}`);
    });
}
