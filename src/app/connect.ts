// Connecting a teammate's mailbox or calendar: IMAP, CalDAV or a local folder. The secret is
// checked against the server first (unless the caller says not to), the transport must pass
// the connection policy, the secret is stored encrypted, and the first sync is asked for at
// once. Returns the new connection's id.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isPemCertificate } from '../net/certificate-problem.js';
import { encodeCalDavSecret } from '../providers/caldav/config.js';
import { checkFolderList } from '../providers/folder-selection.js';
import { DEFAULT_PAGE_SIZE, readImapConfig, type ImapConfig, type ImapOAuthProvider } from '../providers/imap/config.js';
import { encryptSecret } from '../secrets/secrets.js';
import { createConnection, type NewConnection } from '../store/connections.js';
import { connectorDeps } from '../store/context.js';
import { confinedFolder, workspaceFolder } from './folder-root.js';
import { checkCalDavUrl, checkImapTransport, checkServerAddress, checkServerUrl, outboundOf } from './connection-policy.js';
import { requireSecretKey, requireTeammate, type AppDeps } from './deps.js';
import { audit } from './audit.js';
import { requireAdmin, requireOwnOrAdmin } from './roles.js';
import { invalid } from './errors.js';
import { verifyCalDav, verifyImapLogin, type ImapLogin } from './verify-credentials.js';

async function save(deps: AppDeps, c: NewConnection): Promise<string> {
  const id = await createConnection(deps.db, deps.ws.id, c, deps.now);
  // New connections are due at once: start the first sync now rather than at the next tick.
  await deps.requestSync?.(id, 'schedule');
  return id;
}

export interface ConnectImapInput {
  teammate: string;
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'plain';
  user: string;
  auth: 'password' | 'xoauth2';
  oauth?: ImapOAuthProvider;
  secret: string;
  /** Only these folders (the older explicit list); unset: every folder but Junk, Trash, Drafts. */
  folders?: string[];
  /** Folders synced even when skipped by default (Junk …). */
  includeFolders?: string[];
  /** Folders never synced; wins over include. */
  excludeFolders?: string[];
  pageSize?: number;
  authorizedAt: Date;
  /** Log in once before saving (default). */
  verify?: boolean;
  /** How an OAuth refresh token becomes a login (the CLI's --google/--microsoft-token-env). */
  toLogin?: ImapLogin;
}

export async function connectImap(deps: AppDeps, input: ConnectImapInput): Promise<{ id: string; config: ImapConfig; teammate: string }> {
  const key = requireSecretKey(deps);
  const folders = checkedFolders(input);
  const raw = {
    host: input.host,
    port: input.port,
    security: input.security,
    user: input.user,
    auth: input.auth,
    ...(input.oauth ? { oauth: input.oauth } : {}),
    ...folders,
    pageSize: input.pageSize ?? DEFAULT_PAGE_SIZE,
  };
  const cfg = readImapConfig(raw);
  checkImapTransport(cfg);
  const outbound = outboundOf(deps);
  await checkServerAddress(outbound, 'host', cfg.host, cfg.port);
  const t = await requireTeammate(deps, input.teammate);
  await requireOwnOrAdmin(deps, t.id, 'connect a mailbox');
  const stored = input.verify === false ? input.secret : await verifyImapLogin(cfg, input.secret, outbound, input.toLogin);
  const id = await save(deps, {
    teammateId: t.id,
    provider: 'imap',
    config: raw,
    secretEnc: encryptSecret(stored, key),
    hasMail: true,
    hasCalendar: false,
    authorizedAt: input.authorizedAt,
  });
  await audit(deps, 'connection.connect', id, { provider: 'imap', teammate: t.email, host: cfg.host, user: cfg.user });
  return { id, config: cfg, teammate: t.email };
}

/** The folder settings as stored, each list checked (a bad entry names its field and index). */
function checkedFolders(input: ConnectImapInput): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (input.folders && !input.folders.length) throw invalid('folders', 'give at least one folder, or leave it out for every folder');
  for (const field of ['folders', 'includeFolders', 'excludeFolders'] as const) {
    const list = input[field];
    if (!list?.length) continue;
    const r = checkFolderList(field, list);
    if ('error' in r) throw invalid(field, r.error);
    out[field] = r.ok;
  }
  return out;
}

export interface ConnectCalDavInput {
  teammate: string;
  url: string;
  user: string;
  password: string;
  authorizedAt: Date;
  pageSize?: number;
  verify?: boolean;
  /** PEM certificate(s) of a private CA that signed the server's certificate (kept with the connection). */
  ca?: string;
}

/** `calendars` is null when not verified. */
export async function connectCalDav(
  deps: AppDeps,
  input: ConnectCalDavInput,
): Promise<{ id: string; teammate: string; calendars: string[] | null }> {
  const key = requireSecretKey(deps);
  const url = checkCalDavUrl(input.url);
  if (!input.user.trim()) throw invalid('user', 'must not be empty');
  if (input.ca !== undefined && !isPemCertificate(input.ca)) throw invalid('ca', 'is not a PEM certificate (-----BEGIN CERTIFICATE-----)');
  const outbound = outboundOf(deps);
  await checkServerUrl(outbound, url);
  const t = await requireTeammate(deps, input.teammate);
  await requireOwnOrAdmin(deps, t.id, 'connect a calendar');
  const calendars = input.verify === false ? null : await verifyCalDav(url, input.user, input.password, outbound, input.ca);
  const id = await save(deps, {
    teammateId: t.id,
    provider: 'caldav',
    config: { url, user: input.user, ...(input.pageSize ? { pageSize: input.pageSize } : {}), ...(input.ca ? { ca: input.ca } : {}) },
    secretEnc: encodeCalDavSecret(input.password, key),
    hasMail: false,
    hasCalendar: true,
    authorizedAt: input.authorizedAt,
  });
  await audit(deps, 'connection.connect', id, { provider: 'caldav', teammate: t.email, host: new URL(url).host, user: input.user });
  return { id, teammate: t.email, calendars };
}

export interface ConnectFolderInput {
  teammate: string;
  /** A folder of .eml files or a Maildir, on this machine. */
  mail?: string;
  /** A folder of .ics files, on this machine. */
  calendar?: string;
  authorizedAt: Date;
  /**
   * The operator on their own machine (the CLI): any path on it. Otherwise (the API) only
   * folders inside the workspace's folder under TOUCHPOINT_FOLDER_ROOT (folder-root.ts).
   */
  anyPath?: boolean;
}

export async function connectFolder(deps: AppDeps, input: ConnectFolderInput): Promise<{ id: string; teammate: string }> {
  // A folder is on the server's own disk: an admin's (or the operator's) decision, never a CSM's.
  requireAdmin(deps, 'connect a folder on the server');
  if (!input.mail && !input.calendar) throw invalid('mail', 'give mail, calendar, or both');
  const config = input.anyPath ? operatorFolders(input) : await workspaceFolders(deps, input);
  const t = await requireTeammate(deps, input.teammate);
  const id = await save(deps, {
    teammateId: t.id,
    provider: 'folder',
    config,
    hasMail: !!input.mail,
    hasCalendar: !!input.calendar,
    authorizedAt: input.authorizedAt,
  });
  await audit(deps, 'connection.connect', id, { provider: 'folder', teammate: t.email });
  return { id, teammate: t.email };
}

/** The CLI's folders: any existing directory, said plainly when it is not one. */
function operatorFolders(input: ConnectFolderInput): Record<string, string> {
  const config: Record<string, string> = {};
  for (const field of ['mail', 'calendar'] as const) {
    const d = input[field];
    if (!d) continue;
    if (!existsSync(d)) throw invalid(field, `folder ${d} does not exist`);
    if (!statSync(d).isDirectory()) throw invalid(field, `${d} is not a folder: give the directory that holds the .eml / .ics files`);
    config[field] = resolve(d);
  }
  return config;
}

/** The API's folders: real paths inside the workspace's folder, which the scanner keeps them to (`within`). */
async function workspaceFolders(deps: AppDeps, input: ConnectFolderInput): Promise<Record<string, string>> {
  const within = await workspaceFolder(connectorDeps(deps).settings.folderRoot, deps.ws.slug, input.mail ? 'mail' : 'calendar');
  const config: Record<string, string> = { within };
  for (const field of ['mail', 'calendar'] as const) {
    const d = input[field];
    if (d) config[field] = await confinedFolder(within, d, field, deps.ws.slug);
  }
  return config;
}
