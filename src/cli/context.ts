// Shared CLI plumbing: global options, opening the store, user errors.
import { basename, delimiter, dirname, isAbsolute, relative, resolve } from 'node:path';
import { AppError } from '../app/errors.js';
import { SourceError } from '../providers/types.js';
import type { Store } from '../store/db.js';
import type { Env } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { SecretKeyError, type SecretKey, type Secrets } from '../secrets/secrets.js';
import { isPostgresUrl, openStore as openLocation, redactUrl } from '../store/open.js';
import { findWorkspace } from '../store/workspaces.js';
import type { ConnectorDeps, Ctx } from '../store/context.js';

/** A mistake on the command line: the 'invalid' AppError of the CLI's own checks (exit 1). */
export class UserError extends AppError {
  constructor(message: string) {
    super('invalid', message);
  }
}

/** The key for secrets at rest (TOUCHPOINT_SECRET_KEY); missing is one clear line. */
export function secretKey(g: Pick<GlobalOptions, 'secrets'>): SecretKey {
  try {
    return g.secrets.key();
  } catch (err) {
    if (err instanceof SecretKeyError) throw new UserError(err.message);
    throw err;
  }
}

/** A provider's OAuth client settings from the Config; one not set is one clear line. */
export async function providerSettings<T>(load: () => T | Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof SourceError) throw new UserError(err.message);
    throw err;
  }
}

export interface GlobalOptions {
  /** --db, else TOUCHPOINT_DB, else the default (from the Config). */
  db: string;
  now?: string;
  workspace?: string;
  /** Read once by main.ts, flags over environment over defaults. */
  config: Config;
  /** The one key of this process, created from the Config. */
  secrets: Secrets;
  /** The environment, for options that name a variable holding a secret (--password-env, --token-env). */
  env: Env;
}

/** What connectors need (the key, provider settings), from the Config. */
export function connectors(g: Pick<GlobalOptions, 'config' | 'secrets'>): ConnectorDeps {
  return { secrets: g.secrets, settings: g.config };
}

/** --now: the clock for everything time-dependent; default the real time. */
export function parseNow(raw: string | undefined): Date {
  if (raw === undefined) return new Date();
  return parseDate(raw, '--now');
}

export function parseDate(raw: string, what: string): Date {
  const ok = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw.trim());
  const d = new Date(raw.trim());
  if (!ok || Number.isNaN(d.getTime())) throw new UserError(`${what}: "${raw}" is not an ISO-8601 date (e.g. 2026-03-01T09:00:00Z)`);
  return d;
}

/** --db: a SQLite file path or a postgres:// URL (the same store either way). */
export async function openStore(g: GlobalOptions): Promise<Store> {
  return openLocation(g.db, { poolMax: 4 });
}

/** How to name the database in a message: a PostgreSQL URL without its password. */
export function dbLabel(g: GlobalOptions): string {
  return isPostgresUrl(g.db) ? redactUrl(g.db) : g.db;
}

/** The default database (the Config's default for TOUCHPOINT_DB): commands on it need no --db. */
const DEFAULT_DB = './data/touchpoint.db';

/**
 * How this CLI was started, as the user would type it again: touchpoint when its folder is on
 * the PATH (installed), bin/touchpoint from a checkout's root, else its full path.
 */
function binName(path: string | undefined): string {
  const script = process.argv[1];
  if (!script) return 'touchpoint';
  const onPath = (path ?? '').split(delimiter).some((d) => d && resolve(d) === dirname(resolve(script)));
  if (onPath) return basename(script);
  const rel = relative(process.cwd(), script);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : resolve(script);
}

const quoted = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`);

/**
 * A command to copy and run as is, on the same database: `bin/touchpoint --db data/x.db init …`
 * (no --db on the default database; a PostgreSQL URL is named without its password, so the
 * user puts theirs back).
 */
export function commandLine(g: Pick<GlobalOptions, 'db' | 'env'>, ...args: string[]): string {
  const db = g.db === DEFAULT_DB ? [] : ['--db', isPostgresUrl(g.db) ? redactUrl(g.db) : g.db];
  return [binName(g.env.PATH), ...db, ...args].map(quoted).join(' ');
}

/** What to run on a database without a workspace (every command says it, and `serve` on start). */
export function firstWorkspaceCommand(g: Pick<GlobalOptions, 'db' | 'env'>): string {
  return commandLine(g, 'init', '--workspace', 'cs-team', '--internal-domain', 'ourco.com');
}

/** The command's context: store + workspace + clock. Fails clearly before `init`, with the command to run. */
export async function withContext<T>(g: GlobalOptions, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  const now = parseNow(g.now);
  const db = await openStore(g);
  try {
    const ws = await findWorkspace(db, g.workspace);
    if (!ws) {
      throw new UserError(
        g.workspace
          ? `no workspace "${g.workspace}" in ${dbLabel(g)}`
          : `no workspace in ${dbLabel(g)} yet: create one first with "${firstWorkspaceCommand(g)}" (your team's slug and mail domain), or try the demo: npm start`,
      );
    }
    return await fn({ db, ws, now, actor: 'cli', origin: 'cli', connectors: connectors(g) });
  } finally {
    await db.destroy();
  }
}

/**
 * A use case names the fields of its input ("url", "security"); the CLI says which flag that
 * was. Runs `work` and relabels the fields of an AppError it throws (`--<field>` unless `flags`
 * names another flag); a 'rejected' check gets `rejectedHint` (e.g. how to skip the check).
 */
export async function asFlags<T>(work: Promise<T>, flags: Record<string, string> = {}, rejectedHint?: string): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if (err.code === 'rejected' && rejectedHint) throw new AppError(err.code, `${err.message}; ${rejectedHint}`, err.fields);
    if (!err.fields) throw err;
    const fields = err.fields.map((f) => ({
      field: flags[f.field] ?? `--${f.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
      message: f.message,
    }));
    throw new AppError(err.code, fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields);
  }
}
