// touchpoint — the CLI. Thin: parse, call, print. Global options come before the command.
import { Command, CommanderError, Option } from 'commander';
import { registerAdminCommands } from './admin-commands.js';
import { AppError, EXIT_CODE } from '../app/errors.js';
import { StoreError } from '../store/db.js';
import { ConfigError, type Env, loadConfig } from '../config/load.js';
import { createSecrets } from '../secrets/secrets.js';
import { UserError, type GlobalOptions } from './context.js';
import { registerDirectoryCommands } from './directory-commands.js';
import { registerFindCommands } from './find-commands.js';
import { registerFolderCommands } from './folder-commands.js';
import { registerGoogleCommands } from './google-commands.js';
import { registerImapCommands } from './imap-commands.js';
import { registerMcpCommand } from './mcp-command.js';
import { registerMicrosoftCommands } from './microsoft-commands.js';
import { registerReadCommands } from './read-commands.js';
import { registerServiceCommands } from './service-commands.js';
import { registerSignInLinkCommand } from './getting-started.js';
import { registerSetupCommands } from './setup-commands.js';
import { registerStoreCommands } from './store-commands.js';
import { registerSourceCommands } from './source-commands.js';
import { registerWatchCommand } from './watch-command.js';

const program = new Command('touchpoint')
  .description('Logs customer emails and meetings onto the right account, and explains every decision.')
  .option('--db <path>', 'SQLite database file, or a postgres:// URL (default: $TOUCHPOINT_DB, else ./data/touchpoint.db)')
  .option('--now <iso>', 'the clock, ISO-8601 (default: the real time)')
  .option('--workspace <slug>', 'workspace (default: the first one in the database)')
  .addOption(new Option('--verbose', 'print stack traces of unexpected errors').hideHelp())
  .enablePositionalOptions()
  // Usage mistakes are user errors too: one line on stderr, like every other error.
  .configureOutput({ outputError: (str, write) => write(`touchpoint: ${str.replace(/^error:\s*/i, '').trim()} (see --help)\n`) })
  .exitOverride();

// The one place the environment is read: the Config is parsed once, before the command runs,
// from the flags that are settings (--db; serve/worker's --port, --host, --concurrency; mcp's --token), the
// environment and the defaults, and handed to the command with the key made from it.
const env: Env = process.env;
const SETTING_FLAGS_OF = new Set(['serve', 'worker', 'mcp']);
let loaded: Pick<GlobalOptions, 'db' | 'config' | 'secrets' | 'env'> | undefined;
program.hook('preAction', (_program, action) => {
  const flags = { ...program.opts(), ...(SETTING_FLAGS_OF.has(action.name()) ? action.opts() : {}) };
  try {
    const config = loadConfig({ env, flags });
    loaded = { db: config.db, config, secrets: createSecrets(config.secretKey), env };
  } catch (err) {
    throw err instanceof ConfigError ? new UserError(err.message) : err;
  }
});
const globals = (): GlobalOptions => {
  if (!loaded) throw new Error('a command ran before the configuration was read');
  return { ...program.opts<Omit<GlobalOptions, keyof typeof loaded>>(), ...loaded };
};
registerSetupCommands(program, globals);
registerImapCommands(program, globals);
registerFolderCommands(program, globals);
registerGoogleCommands(program, globals);
registerMicrosoftCommands(program, globals);
registerWatchCommand(program, globals);
registerDirectoryCommands(program, globals);
registerSourceCommands(program, globals);
registerReadCommands(program, globals);
registerFindCommands(program, globals);
registerServiceCommands(program, globals);
registerSignInLinkCommand(program, globals);
registerAdminCommands(program, globals);
registerStoreCommands(program, globals);
registerMcpCommand(program, globals);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander already printed help/version or the usage error.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  const e = err as Error;
  if (e instanceof AppError) {
    // The exit code follows the code alone (app/errors.ts), never the message.
    process.stderr.write(`touchpoint: ${e.message}\n`);
    process.exit(EXIT_CODE[e.code]);
  }
  if (e instanceof StoreError) {
    process.stderr.write(`touchpoint: ${e.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`touchpoint: unexpected error: ${e?.message ?? String(err)}\n`);
  if (program.opts().verbose) process.stderr.write(`${e?.stack ?? ''}\n`);
  process.exit(70);
}
