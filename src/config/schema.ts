// Every setting Touchpoint reads, in one zod schema: its environment variable, its CLI flag
// where one exists, its default, its type and one line saying what it is for. loadConfig
// (./load.ts) parses it once at start-up; scripts/config-table.ts documents it from here.
import { z } from 'zod';

export interface SettingMeta {
  env: string;
  /** The command-line flag that overrides the variable (flags win over the environment). */
  flag?: string;
  /** The default as the docs show it (role- or database-dependent ones in words). */
  default?: string;
  description: string;
  /** Never printed, logged or documented with its value. */
  secret?: boolean;
}

/** The metadata of each leaf of ConfigSchema. */
export const settings = z.registry<SettingMeta>();

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

const text = () => z.string();

/** A comma-separated list; blanks dropped. */
const list = () =>
  z.string().transform((raw) =>
    raw
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

/** A whole number in [min, max]. */
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.string().transform((raw, ctx) => {
    const n = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(n)) {
      ctx.addIssue({ code: 'custom', message: `"${raw}" is not a number` });
      return z.NEVER;
    }
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({
        code: 'custom',
        message: `"${raw}" must be a whole number ${max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`}`,
      });
      return z.NEVER;
    }
    return n;
  });

/** An absolute URL without trailing slashes; https, or http only to a server on loopback (emulators, tests). */
const url = (opts: { httpAnywhere?: boolean } = {}) =>
  z.string().transform((raw, ctx) => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${raw}" is not a URL` });
      return z.NEVER;
    }
    const ok = u.protocol === 'https:' || (u.protocol === 'http:' && (opts.httpAnywhere || LOOPBACK.includes(u.hostname)));
    if (!ok) {
      ctx.addIssue({ code: 'custom', message: `must be https (plain http only to a test server on loopback), not "${raw}"` });
      return z.NEVER;
    }
    return raw.replace(/\/+$/, '');
  });

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const logLevel = () =>
  z.string().transform((raw, ctx) => {
    if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
      ctx.addIssue({ code: 'custom', message: `"${raw}" is not a log level (${LOG_LEVELS.join(', ')})` });
      return z.NEVER;
    }
    return raw as (typeof LOG_LEVELS)[number];
  });

export const MIN_PASSPHRASE = 32;

const passphrase = () =>
  z.string().transform((raw, ctx) => {
    if (raw.length < MIN_PASSPHRASE) {
      ctx.addIssue({ code: 'custom', message: `must be a passphrase of at least ${MIN_PASSPHRASE} characters` });
      return z.NEVER;
    }
    return raw;
  });

/** true/false (also yes/no, 1/0). */
const bool = () =>
  z.string().transform((raw, ctx) => {
    const v = raw.trim().toLowerCase();
    if (['true', 'yes', '1'].includes(v)) return true;
    if (['false', 'no', '0'].includes(v)) return false;
    ctx.addIssue({ code: 'custom', message: `"${raw}" is not true or false` });
    return z.NEVER;
  });

const s = <T extends z.ZodType>(type: T, meta: SettingMeta): T => {
  settings.add(type, meta);
  return type;
};

export const ConfigSchema = z.object({
  db: s(text().default('./data/touchpoint.db'), {
    env: 'TOUCHPOINT_DB',
    flag: '--db',
    default: './data/touchpoint.db',
    description: 'SQLite database file, or a postgres:// URL',
  }),
  secretKey: s(passphrase().optional(), {
    env: 'TOUCHPOINT_SECRET_KEY',
    description: `passphrase (at least ${MIN_PASSPHRASE} characters) that encrypts stored credentials; needed to connect or sync IMAP, CalDAV, Google and Microsoft`,
    secret: true,
  }),
  publicUrl: s(url({ httpAnywhere: true }).optional(), {
    env: 'TOUCHPOINT_PUBLIC_URL',
    description:
      'the address browsers and providers reach the service at: OAuth redirects (unset: Connect Google / Microsoft in the browser is off; `npm start` sets its own), Google Calendar and Microsoft Graph push',
  }),
  outboundAllow: s(list().default([]), {
    env: 'TOUCHPOINT_OUTBOUND_ALLOW',
    default: 'none',
    description:
      'comma-separated hosts and CIDRs (127.0.0.1/32, mail.internal) that webhooks, CalDAV and IMAP may reach although they are not public internet addresses (docs/security.md)',
  }),
  folderRoot: s(text().optional(), {
    env: 'TOUCHPOINT_FOLDER_ROOT',
    default: 'none (folder connections through the API are refused)',
    description:
      'the directory under which folder connections made through the API may read: each workspace only its own subfolder, named by its slug; the CLI keeps full paths (docs/security.md)',
  }),
  folderMaxDepth: s(int(1, 64).default(16), {
    env: 'TOUCHPOINT_FOLDER_MAX_DEPTH',
    default: '16',
    description: 'folder connections: directories nested deeper than this below the connected folder are skipped, with an error',
  }),
  folderMaxFiles: s(int(1).default(100_000), {
    env: 'TOUCHPOINT_FOLDER_MAX_FILES',
    default: '100000',
    description: 'folder connections: files taken per scan; the rest are skipped, with an error',
  }),
  sourceSyncMinutes: s(int(1, 1440).default(15), {
    env: 'TOUCHPOINT_SOURCE_SYNC_MINUTES',
    default: '15',
    description: 'how often each directory source (HubSpot, Salesforce, Zendesk) is synced on the schedule',
  }),
  token: s(text().min(1).optional(), {
    env: 'TOUCHPOINT_TOKEN',
    flag: '--token',
    description: 'touchpoint mcp: the workspace API token the MCP server answers as (it sees that workspace only)',
    secret: true,
  }),
  logLevel: s(logLevel().default('info'), {
    env: 'TOUCHPOINT_LOG_LEVEL',
    default: 'info',
    description: `serve/worker log level (${LOG_LEVELS.join(', ')})`,
  }),
  service: z.object({
    port: s(int(0, 65_535).optional(), {
      env: 'TOUCHPOINT_PORT',
      flag: '--port',
      default: '8080 (serve), none (worker)',
      description: "serve: the API's port; worker: a port for /healthz and /metrics only (0: none)",
    }),
    host: s(text().default('127.0.0.1'), {
      env: 'TOUCHPOINT_HOST',
      flag: '--host',
      default: '127.0.0.1',
      description: 'address serve/worker listen on',
    }),
    concurrency: s(int(1, 64).optional(), {
      env: 'TOUCHPOINT_WORKER_CONCURRENCY',
      flag: '--concurrency',
      default: '2 (SQLite), 4 (PostgreSQL)',
      description: 'syncs run at once by one serve/worker process',
    }),
    rateLimit: s(int(1).default(600), {
      env: 'TOUCHPOINT_RATE_LIMIT',
      default: '600',
      description: 'API requests per token (or per client address without one) per minute',
    }),
    shutdownTimeoutMs: s(int(0).default(30_000), {
      env: 'TOUCHPOINT_SHUTDOWN_TIMEOUT_MS',
      default: '30000',
      description: 'on SIGTERM, how long running syncs may take to finish before their jobs are handed back',
    }),
    tickMs: s(int(1).default(2000), {
      env: 'TOUCHPOINT_TICK_MS',
      default: '2000',
      description: 'how often the scheduler looks for connections due a sync',
    }),
    imapPush: s(bool().default(true), {
      env: 'TOUCHPOINT_IMAP_PUSH',
      default: 'true',
      description:
        'serve: keep an IMAP IDLE session on every active IMAP connection, so new mail is synced within seconds (false: at the sync interval only)',
    }),
    retentionDays: s(int(0).default(30), {
      env: 'TOUCHPOINT_RETENTION_DAYS',
      default: '30',
      description: 'serve purges seen-but-not-linked mail and meetings once a day after this many days',
    }),
    queuePollMs: s(int(1).default(1000), {
      env: 'TOUCHPOINT_QUEUE_POLL_MS',
      default: '1000',
      description: 'PostgreSQL queue: how often an idle worker asks for jobs',
    }),
    reapIntervalMs: s(int(1).default(5000), {
      env: 'TOUCHPOINT_REAP_INTERVAL_MS',
      default: '5000',
      description: 'PostgreSQL queue: how often running jobs whose worker is gone are looked for (and retried at once)',
    }),
    reapAfterMs: s(int(1).default(5000), {
      env: 'TOUCHPOINT_REAP_AFTER_MS',
      default: '5000',
      description: 'PostgreSQL queue: a worker silent this long is dead and its jobs are handed to others',
    }),
    jobTimeoutS: s(int(1).default(3600), {
      env: 'TOUCHPOINT_JOB_TIMEOUT_S',
      default: '3600',
      description: 'PostgreSQL queue: a sync job running longer than this is failed and retried',
    }),
  }),
  alerts: z.object({
    brokenPercent: s(int(1, 100).default(20), {
      env: 'TOUCHPOINT_ALERT_BROKEN_PERCENT',
      default: '20',
      description: "admins see a workspace alert when more than this share (%) of the workspace's connections is broken",
    }),
  }),
  smtp: z.object({
    host: s(text().optional(), {
      env: 'TOUCHPOINT_SMTP_HOST',
      default: 'none (no alert emails; the web app still shows the banner)',
      description: 'SMTP server for alert emails (a teammate whose connection needs re-authorization, the daily digest)',
    }),
    port: s(int(1, 65_535).default(587), { env: 'TOUCHPOINT_SMTP_PORT', default: '587', description: 'port of the SMTP server' }),
    secure: s(bool().default(false), {
      env: 'TOUCHPOINT_SMTP_SECURE',
      default: 'false',
      description: 'true: TLS from the first byte (port 465); false: STARTTLS when the server offers it',
    }),
    user: s(text().optional(), { env: 'TOUCHPOINT_SMTP_USER', description: 'SMTP user name (unset: no authentication)' }),
    password: s(text().optional(), { env: 'TOUCHPOINT_SMTP_PASSWORD', description: 'SMTP password', secret: true }),
    from: s(text().default('Touchpoint <touchpoint@localhost>'), {
      env: 'TOUCHPOINT_SMTP_FROM',
      default: 'Touchpoint <touchpoint@localhost>',
      description: 'the From of alert emails',
    }),
  }),
  google: z.object({
    clientId: s(text().optional(), {
      env: 'TOUCHPOINT_GOOGLE_CLIENT_ID',
      description: 'Google OAuth client id (with its secret: needed for Gmail and Google Calendar connections)',
    }),
    clientSecret: s(text().optional(), {
      env: 'TOUCHPOINT_GOOGLE_CLIENT_SECRET',
      description: 'Google OAuth client secret',
      secret: true,
    }),
    pubsubTopic: s(text().optional(), {
      env: 'TOUCHPOINT_GOOGLE_PUBSUB_TOPIC',
      description: 'Gmail push: projects/<project>/topics/<topic> whose push subscription posts to <public URL>/push/google/gmail',
    }),
    pushToken: s(text().optional(), {
      env: 'TOUCHPOINT_GOOGLE_PUSH_TOKEN',
      description: 'Gmail push: the ?token= the Pub/Sub push subscription sends (unset: Gmail push is off)',
      secret: true,
    }),
    tokenUrl: s(url().optional(), {
      env: 'TOUCHPOINT_GOOGLE_TOKEN_URL',
      description: "Google's token endpoint (emulators and tests only)",
    }),
    authUrl: s(url().optional(), { env: 'TOUCHPOINT_GOOGLE_AUTH_URL', description: "Google's consent page (emulators and tests only)" }),
    rootUrl: s(url().optional(), {
      env: 'TOUCHPOINT_GOOGLE_ROOT_URL',
      description: 'root of the Gmail and Calendar APIs (emulators and tests only)',
    }),
  }),
  microsoft: z.object({
    clientId: s(text().optional(), {
      env: 'TOUCHPOINT_MICROSOFT_CLIENT_ID',
      description: 'Entra ID application (client) id (with its secret: needed for Microsoft 365 connections)',
    }),
    clientSecret: s(text().optional(), {
      env: 'TOUCHPOINT_MICROSOFT_CLIENT_SECRET',
      description: 'Entra ID client secret',
      secret: true,
    }),
    authority: s(url().default('https://login.microsoftonline.com/common'), {
      env: 'TOUCHPOINT_MICROSOFT_AUTHORITY',
      default: 'https://login.microsoftonline.com/common',
      description: 'sign-in authority (a tenant, or common)',
    }),
    graphBaseUrl: s(url().default('https://graph.microsoft.com'), {
      env: 'TOUCHPOINT_GRAPH_BASE_URL',
      default: 'https://graph.microsoft.com',
      description: 'root of Microsoft Graph, without /v1.0',
    }),
  }),
});

export type Config = z.output<typeof ConfigSchema>;
export type GoogleConfig = Config['google'];
export type SmtpConfig = Config['smtp'];
export type MicrosoftConfig = Config['microsoft'];
/** What providers take from the Config: the OAuth apps, their endpoints, the public URL, the outbound allow-list and the folder limits. */
export type ProviderSettings = Pick<
  Config,
  'publicUrl' | 'google' | 'microsoft' | 'outboundAllow' | 'folderRoot' | 'folderMaxDepth' | 'folderMaxFiles' | 'sourceSyncMinutes'
>;

export interface SettingEntry extends SettingMeta {
  /** Where the value lands in Config, e.g. ["service", "port"]. */
  path: string[];
}

/** Every setting with its metadata, in schema order. */
export function settingEntries(schema: z.ZodObject = ConfigSchema, prefix: string[] = []): SettingEntry[] {
  const out: SettingEntry[] = [];
  for (const [key, type] of Object.entries(schema.shape)) {
    if (type instanceof z.ZodObject) {
      out.push(...settingEntries(type, [...prefix, key]));
      continue;
    }
    const meta = settings.get(type as z.ZodType);
    if (!meta) throw new Error(`config setting ${[...prefix, key].join('.')} has no metadata`);
    out.push({ ...meta, path: [...prefix, key] });
  }
  return out;
}
