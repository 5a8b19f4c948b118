// IMAP connection settings, as stored in the connection row's `config` (never the secret,
// which lives encrypted in `secret_enc`), and the imapflow options they give.
import tls from 'node:tls';
import type { ImapFlowOptions } from 'imapflow';
import { isPemCertificate } from '../../net/certificate-problem.js';
import { readFolderSettings, type FolderSettings } from '../folder-selection.js';

export type ImapSecurity = 'tls' | 'starttls' | 'plain';
export type ImapAuthKind = 'password' | 'xoauth2';
export type ImapOAuthProvider = 'google' | 'microsoft';

export interface ImapConfig {
  host: string;
  port: number;
  /** tls: implicit TLS (993); starttls: upgrade required (143); plain: no TLS, loopback tests only. */
  security: ImapSecurity;
  user: string;
  auth: ImapAuthKind;
  /**
   * XOAUTH2 with tokens of this provider's OAuth grant: the stored secret is its refresh
   * token and each login gets a fresh access token (Gmail or Outlook over IMAP). Unset: the
   * secret is the password or a (short-lived) access token itself.
   */
  oauth?: ImapOAuthProvider;
  /**
   * Which folders: every folder except Junk, Trash and Drafts by default, changed by the
   * connection's include/exclude lists (src/providers/folder-selection.ts). `only` is the
   * older explicit list (`--folders`: paths or special-use markers such as "\\Sent").
   */
  folders: FolderSettings;
  /** Messages per page (one transaction, one cursor save). */
  pageSize: number;
  /**
   * PEM certificate(s) of a CA to trust for this server besides the system's (a company CA,
   * a test CA). The server's certificate is always checked, name included.
   */
  ca?: string;
}

export const DEFAULT_PAGE_SIZE = 500;

/** The stored JSON → ImapConfig, with a plain-words error for a damaged row. */
export function readImapConfig(raw: Record<string, unknown>): ImapConfig {
  const str = (k: string) => {
    const v = raw[k];
    if (typeof v !== 'string' || !v) throw new Error(`IMAP connection settings lack "${k}"`);
    return v;
  };
  const port = Number(raw.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('IMAP connection settings have no valid port');
  const security = str('security');
  if (security !== 'tls' && security !== 'starttls' && security !== 'plain') throw new Error(`unknown IMAP security "${security}"`);
  const auth = str('auth');
  if (auth !== 'password' && auth !== 'xoauth2') throw new Error(`unknown IMAP auth "${auth}"`);
  const folders = readFolderSettings(raw);
  const pageSize = Number.isInteger(raw.pageSize) && (raw.pageSize as number) > 0 ? (raw.pageSize as number) : DEFAULT_PAGE_SIZE;
  if (raw.oauth !== undefined && ((raw.oauth !== 'google' && raw.oauth !== 'microsoft') || auth !== 'xoauth2'))
    throw new Error(`unknown IMAP OAuth provider "${String(raw.oauth)}"`);
  const oauth = raw.oauth as ImapOAuthProvider | undefined;
  if (raw.ca !== undefined && !isPemCertificate(raw.ca)) throw new Error('IMAP connection settings: "ca" is not a PEM certificate');
  const ca = raw.ca as string | undefined;
  return {
    host: str('host'),
    port,
    security,
    user: str('user'),
    auth,
    ...(oauth ? { oauth } : {}),
    folders,
    pageSize,
    ...(ca ? { ca } : {}),
  };
}

export function clientOptions(cfg: ImapConfig, secret: string): ImapFlowOptions {
  return {
    host: cfg.host,
    port: cfg.port,
    secure: cfg.security === 'tls',
    // Required STARTTLS: a server that does not offer it fails rather than silently sending
    // the password in clear (a downgrade an attacker could cause by stripping the capability).
    doSTARTTLS: cfg.security === 'starttls' ? true : cfg.security === 'plain' ? false : undefined,
    auth: cfg.auth === 'xoauth2' ? { user: cfg.user, accessToken: secret } : { user: cfg.user, pass: secret },
    // No logger: imapflow's logs would carry mailbox contents, and never a secret of ours.
    logger: false,
    // We IDLE explicitly where we want push (imapflow would auto-IDLE only after 15 s).
    disableAutoIdle: true,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 120_000,
    clientInfo: { name: 'Touchpoint' },
    // Node checks the certificate and its name by default; a configured CA is trusted too.
    ...(cfg.ca ? { tls: { ca: [...tls.rootCertificates, cfg.ca] } } : {}),
  };
}
