// Connecting a teammate's mailbox or calendar: IMAP, CalDAV or a local folder. The secret is
// checked against the server first (unless the caller says not to), the transport must pass
// the connection policy, the secret is stored encrypted, and the first sync is asked for at
// once. Returns the new connection's id.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { encodeCalDavSecret } from '../providers/caldav/config.js';
import { checkFolderList } from '../providers/folder-selection.js';
import { DEFAULT_PAGE_SIZE, readImapConfig, type ImapConfig, type ImapOAuthProvider } from '../providers/imap/config.js';
import { encryptSecret } from '../secrets/secrets.js';
import { createConnection, type NewConnection } from '../store/connections.js';
import { checkCalDavUrl, checkImapTransport } from './connection-policy.js';
import { requireSecretKey, requireTeammate, type AppDeps } from './deps.js';
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
  const t = await requireTeammate(deps, input.teammate);
  const stored = input.verify === false ? input.secret : await verifyImapLogin(cfg, input.secret, input.toLogin);
  const id = await save(deps, {
    teammateId: t.id,
    provider: 'imap',
    config: raw,
    secretEnc: encryptSecret(stored, key),
    hasMail: true,
    hasCalendar: false,
    authorizedAt: input.authorizedAt,
  });
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
}

/** `calendars` is null when not verified. */
export async function connectCalDav(
  deps: AppDeps,
  input: ConnectCalDavInput,
): Promise<{ id: string; teammate: string; calendars: string[] | null }> {
  const key = requireSecretKey(deps);
  const url = checkCalDavUrl(input.url);
  if (!input.user.trim()) throw invalid('user', 'must not be empty');
  const t = await requireTeammate(deps, input.teammate);
  const calendars = input.verify === false ? null : await verifyCalDav(url, input.user, input.password);
  const id = await save(deps, {
    teammateId: t.id,
    provider: 'caldav',
    config: { url, user: input.user, ...(input.pageSize ? { pageSize: input.pageSize } : {}) },
    secretEnc: encodeCalDavSecret(input.password, key),
    hasMail: false,
    hasCalendar: true,
    authorizedAt: input.authorizedAt,
  });
  return { id, teammate: t.email, calendars };
}

export interface ConnectFolderInput {
  teammate: string;
  /** A folder of .eml files or a Maildir, on this machine. */
  mail?: string;
  /** A folder of .ics files, on this machine. */
  calendar?: string;
  authorizedAt: Date;
}

export async function connectFolder(deps: AppDeps, input: ConnectFolderInput): Promise<{ id: string; teammate: string }> {
  if (!input.mail && !input.calendar) throw invalid('mail', 'give mail, calendar, or both');
  for (const field of ['mail', 'calendar'] as const) {
    const d = input[field];
    if (d && !existsSync(d)) throw invalid(field, `folder ${d} does not exist`);
    if (d && !statSync(d).isDirectory()) throw invalid(field, `${d} is not a folder: give the directory that holds the .eml / .ics files`);
  }
  const t = await requireTeammate(deps, input.teammate);
  const config: Record<string, string> = {};
  if (input.mail) config.mail = resolve(input.mail);
  if (input.calendar) config.calendar = resolve(input.calendar);
  const id = await save(deps, {
    teammateId: t.id,
    provider: 'folder',
    config,
    hasMail: !!input.mail,
    hasCalendar: !!input.calendar,
    authorizedAt: input.authorizedAt,
  });
  return { id, teammate: t.email };
}
