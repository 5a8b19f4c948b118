// connect imap, reauthorize (the use cases in src/app). Passwords and tokens are read from an environment variable
// named on the command line (never the secret itself: command lines show up in `ps` and
// shell history), checked against the server, and stored encrypted (secrets/secrets.ts).
import { type Command, Option } from 'commander';
import { connectImap } from '../app/connect.js';
import { reauthorize } from '../app/reauthorize.js';
import type { ImapLogin } from '../app/verify-credentials.js';
import { DEFAULT_PAGE_SIZE, type ImapOAuthProvider } from '../providers/imap/config.js';
import { isValidAddress } from '../directory/address.js';
import { describeFolders } from '../providers/folder-selection.js';
import { decryptSecret } from '../secrets/secrets.js';
import type { Env } from '../config/load.js';
import { asFlags, parseDate, secretKey, UserError, withContext, type GlobalOptions } from './context.js';

const collect = (v: string, prev: string[]) => [...prev, v];

interface SecretOptions {
  passwordEnv?: string;
  xoauth2TokenEnv?: string;
  googleTokenEnv?: string;
  microsoftTokenEnv?: string;
}

/** The secret from the named variable, with which kind it is. */
function readSecret(o: SecretOptions, env: Env): { kind: 'password' | 'xoauth2'; oauth?: ImapOAuthProvider; value: string } {
  const given = [
    ['--password-env', o.passwordEnv],
    ['--xoauth2-token-env', o.xoauth2TokenEnv],
    ['--google-token-env', o.googleTokenEnv],
    ['--microsoft-token-env', o.microsoftTokenEnv],
  ].filter(([, v]) => v);
  if (given.length !== 1)
    throw new UserError(
      'give exactly one of --password-env <VAR>, --xoauth2-token-env <VAR>, --google-token-env <VAR> or --microsoft-token-env <VAR>',
    );
  const [flag, name] = given[0] as [string, string];
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new UserError(`${flag} takes the NAME of an environment variable, not the secret itself`);
  const value = env[name];
  if (!value) throw new UserError(`${flag}: the environment variable ${name} is not set or is empty`);
  if (o.googleTokenEnv) return { kind: 'xoauth2', oauth: 'google', value };
  if (o.microsoftTokenEnv) return { kind: 'xoauth2', oauth: 'microsoft', value };
  return { kind: o.passwordEnv ? 'password' : 'xoauth2', value };
}

/**
 * The login of the CLI's OAuth flags: a Google or Microsoft refresh token becomes a fresh
 * access token (Microsoft may rotate the refresh token on this first use: keep the new one).
 */
const oauthLogin =
  (g: GlobalOptions): ImapLogin =>
  async (cfg, secret) => {
    if (cfg.oauth === 'google') return { login: await googleAccessToken(secret, g), keep: secret };
    if (cfg.oauth !== 'microsoft') return { login: secret, keep: secret };
    let keep = secret;
    const login = await microsoftAccessToken(secret, g, (rotated) => {
      keep = rotated;
    });
    return { login, keep };
  };

/** An Outlook IMAP access token from a Microsoft refresh token (the login check of --microsoft-token-env). */
async function microsoftAccessToken(refreshToken: string, g: GlobalOptions, rotated: (plain: string) => void): Promise<string> {
  const { MicrosoftTokens } = await import('../providers/microsoft/auth.js');
  const { IMAP_SCOPES, microsoftSettings } = await import('../providers/microsoft/settings.js');
  const t = new MicrosoftTokens(
    microsoftSettings(g.config.microsoft),
    refreshToken,
    { secrets: g.secrets, save: async (enc) => rotated(decryptSecret(enc, secretKey(g))) },
    Date.now,
    IMAP_SCOPES,
  );
  return t.token();
}

/** An access token from a Google refresh token (the login check of --google-token-env). */
async function googleAccessToken(refreshToken: string, g: GlobalOptions): Promise<string> {
  const { GoogleTokens, googleSettings } = await import('../providers/google/auth.js');
  const t = new GoogleTokens(googleSettings(g.config.google), refreshToken);
  await t.ensureFresh();
  return t.client.credentials.access_token!;
}

export function registerImapCommands(program: Command, g: () => GlobalOptions): void {
  const connect = program.commands.find((c) => c.name() === 'connect') ?? program.command('connect');
  connect
    .command('imap')
    .description('an IMAP mailbox (INBOX and Sent by default); the secret is read from an environment variable')
    .requiredOption('--teammate <addr>', 'the teammate whose mailbox this is')
    .requiredOption('--host <host>', 'IMAP server host name')
    .option('--port <port>', 'IMAP port (default 993 with --tls, else 143)')
    .option('--tls', 'implicit TLS (the default on port 993)')
    .option('--starttls', 'plain connection upgraded with STARTTLS, required (the default on other ports)')
    .option('--plain', 'no TLS at all: only for a test server on this machine')
    .requiredOption('--user <user>', 'IMAP user name')
    .option('--password-env <VAR>', 'name of the environment variable holding the password')
    .option('--xoauth2-token-env <VAR>', 'name of the environment variable holding an XOAUTH2 access token (Gmail, Outlook)')
    .option(
      '--google-token-env <VAR>',
      'name of the environment variable holding a Google OAuth refresh token: XOAUTH2 with a fresh access token at each login (Gmail IMAP)',
    )
    .option(
      '--microsoft-token-env <VAR>',
      'name of the environment variable holding a Microsoft OAuth refresh token (consented to IMAP.AccessAsUser.All): XOAUTH2 with a fresh ' +
        'access token at each login (Outlook IMAP)',
    )
    .requiredOption('--authorized-at <iso>', 'when the teammate authorized it; earlier mail is historic')
    .option(
      '--folders <list>',
      'only these folders, comma-separated paths or special-use names (default: every folder but Junk, Trash, Drafts)',
    )
    .option('--include-folder <folder>', 'also sync this folder, even Junk (repeat for more)', collect, [])
    .option('--exclude-folder <folder>', 'never sync this folder; wins over --include-folder (repeat for more)', collect, [])
    .addOption(new Option('--page-size <n>', 'messages per page').default(String(DEFAULT_PAGE_SIZE)).hideHelp())
    .option('--no-verify', 'save without logging in first')
    .action(
      async (
        o: SecretOptions & {
          teammate: string;
          host: string;
          port?: string;
          tls?: boolean;
          starttls?: boolean;
          plain?: boolean;
          user: string;
          authorizedAt: string;
          folders?: string;
          includeFolder: string[];
          excludeFolder: string[];
          pageSize: string;
          verify: boolean;
        },
      ) => {
        if ([o.tls, o.starttls, o.plain].filter(Boolean).length > 1) throw new UserError('give only one of --tls, --starttls, --plain');
        const port = o.port === undefined ? (o.plain || o.starttls ? 143 : 993) : Number(o.port);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError(`--port: "${o.port}" is not a port number`);
        const security = o.tls ? 'tls' : o.starttls ? 'starttls' : o.plain ? 'plain' : port === 993 ? 'tls' : 'starttls';
        const authorizedAt = parseDate(o.authorizedAt, '--authorized-at');
        if (!isValidAddress(o.teammate)) throw new UserError(`"${o.teammate}" is not an email address`);
        const folders = o.folders
          ?.split(',')
          .map((f) => f.trim())
          .filter(Boolean);
        if (folders?.length === 0) throw new UserError('--folders: give at least one folder');
        const pageSize = Number(o.pageSize);
        if (!Number.isInteger(pageSize) || pageSize < 1) throw new UserError('--page-size must be a positive whole number');
        const secret = readSecret(o, g().env);
        const key = secretKey(g());
        await withContext(g(), async (ctx) => {
          const { id, config, teammate } = await asFlags(
            connectImap(
              { ...ctx, secretKey: key },
              {
                teammate: o.teammate,
                host: o.host,
                port,
                security,
                user: o.user,
                auth: secret.kind,
                ...(secret.oauth ? { oauth: secret.oauth } : {}),
                secret: secret.value,
                ...(folders ? { folders } : {}),
                includeFolders: o.includeFolder,
                excludeFolders: o.excludeFolder,
                pageSize,
                authorizedAt,
                verify: o.verify,
                toLogin: oauthLogin(g()),
              },
            ),
            { security: '--plain', includeFolders: '--include-folder', excludeFolders: '--exclude-folder' },
            'fix it, or connect with --no-verify',
          );
          console.log(`Connected IMAP mailbox ${o.user} at ${o.host}:${port} (${security}) for ${teammate}: connection ${id}`);
          console.log(`  folders: ${describeFolders(config.folders)}; mail received before ${authorizedAt.toISOString()} is historic`);
        });
      },
    );

  program
    .command('reauthorize')
    .description('store new credentials for a connection that needs re-authorization; the gap is caught up at the next sync')
    .requiredOption('--connection <id>', 'the connection')
    .option('--password-env <VAR>', 'name of the environment variable holding the new password')
    .option('--xoauth2-token-env <VAR>', 'name of the environment variable holding a new XOAUTH2 access token')
    .option('--google-token-env <VAR>', 'name of the environment variable holding a new Google refresh token (IMAP with Google OAuth)')
    .option(
      '--microsoft-token-env <VAR>',
      'name of the environment variable holding a new Microsoft refresh token (IMAP with Microsoft OAuth)',
    )
    .option('--no-verify', 'save without logging in first')
    .action(async (o: SecretOptions & { connection: string; verify: boolean }) => {
      const secret = readSecret(o, g().env);
      const key = secretKey(g());
      await withContext(g(), async (ctx) => {
        const conn = await reauthorize(
          { ...ctx, secretKey: key },
          {
            connectionId: o.connection,
            secret: secret.value,
            signIn: { auth: secret.kind, ...(secret.oauth ? { oauth: secret.oauth } : {}) },
            providerToken: true,
            verify: o.verify,
            toLogin: oauthLogin(g()),
          },
        );
        console.log(
          `Re-authorized connection ${conn.id} (${conn.ownerAddresses[0] ?? conn.teammateId}); still authorized since ${conn.authorizedAt.toISOString()}.`,
        );
        console.log('  Run "touchpoint sync" (or keep "touchpoint watch" running) to catch up the mail that arrived meanwhile.');
      });
    });
}
