// Builds an ImapMailSource from a stored connection: settings from `config`, the secret
// decrypted with the process's key (`secrets`, created once from the Config).
import type { ProviderSettings } from '../../config/schema.js';
import { outboundPolicyFor } from '../../net/outbound-policy.js';
import { type Secrets, SecretKeyError } from '../../secrets/secrets.js';
import { SourceError } from '../types.js';
import { readImapConfig } from './config.js';
import { ImapMailSource, type ImapMailSourceOptions } from './imap-mail-source.js';

export { ImapMailSource } from './imap-mail-source.js';

export interface StoredImapConnection {
  id?: string;
  config: Record<string, unknown>;
  secretEnc?: string | null;
  authorizedAt?: Date;
  saveSecret?: (secretEnc: string) => Promise<void>;
  secrets: Secrets;
  /** For Gmail / Outlook over IMAP (XOAUTH2): the OAuth app that refreshes the tokens. */
  settings: ProviderSettings;
}

/**
 * Long-running processes (watch) keep one source, and its IMAP session, per mailbox between
 * syncs: logging in again for every pushed message was most of the push latency.
 */
const kept = new Map<string, ImapMailSource>();
let keeping = false;

export async function keepImapSessions(on: boolean): Promise<void> {
  keeping = on;
  if (!on) {
    const all = [...kept.values()];
    kept.clear();
    await Promise.all(all.map((s) => s.close()));
  }
}

export function imapSourceFromConnection(c: StoredImapConnection, extra: Partial<ImapMailSourceOptions> = {}): ImapMailSource {
  if (!keeping) return build(c, extra);
  // Same settings and same secret → same mailbox session; re-authorization makes a new one.
  const key = JSON.stringify([c.config, c.secretEnc, c.authorizedAt?.toISOString()]);
  let s = kept.get(key);
  if (!s) {
    s = build(c, { ...extra, keepSession: true });
    kept.set(key, s);
  }
  return s;
}

function build(c: StoredImapConnection, extra: Partial<ImapMailSourceOptions>): ImapMailSource {
  const { config, secret } = credentials(c);
  // The policy of the Config in force now: the server is checked again at every connect.
  return new ImapMailSource({
    config,
    secret,
    authorizedAt: c.authorizedAt!,
    ...extra,
    outbound: extra.outbound ?? outboundPolicyFor(c.settings),
  });
}

/** The live lookup's read-only search over every folder of this mailbox (search.ts). */
export async function imapSearchFromConnection(c: StoredImapConnection) {
  const { ImapMailSearch } = await import('./search.js');
  return new ImapMailSearch({ ...credentials(c), outbound: outboundPolicyFor(c.settings) });
}

/** The settings and the secret (password, or a fresh OAuth access token per login) of a stored connection. */
function credentials(c: StoredImapConnection): { config: ReturnType<typeof readImapConfig>; secret: string | (() => Promise<string>) } {
  let config: ReturnType<typeof readImapConfig>;
  try {
    config = readImapConfig(c.config);
  } catch (err) {
    throw new SourceError('INTERNAL', (err as Error).message);
  }
  if (!c.secretEnc) throw new SourceError('AUTH_FAILED', 'no password or token is stored for this mailbox');
  if (!c.authorizedAt) throw new SourceError('INTERNAL', 'the connection has no authorization time');
  if (config.oauth === 'google') return { config, secret: googleAccessToken(c) };
  if (config.oauth === 'microsoft') return { config, secret: microsoftAccessToken(c) };
  try {
    return { config, secret: c.secrets.decrypt(c.secretEnc) };
  } catch (err) {
    // Not the server's fault: say what to fix here (the key is missing or another one).
    if (err instanceof SecretKeyError) throw new SourceError('INTERNAL', err.message);
    throw err;
  }
}

/**
 * Gmail over IMAP with the Google grant's tokens: a fresh access token at each login, from
 * the connection's token holder (refreshed early, one refresh at a time, rotation saved).
 */
function googleAccessToken(c: StoredImapConnection): () => Promise<string> {
  return async () => {
    const { googleSettings, googleTokensFor } = await import('../google/auth.js');
    const tokens = googleTokensFor(c, googleSettings(c.settings.google));
    await tokens.ensureFresh();
    const at = tokens.client.credentials.access_token;
    if (!at) throw new SourceError('AUTH_FAILED', 'Google gave no access token for IMAP');
    return at;
  };
}

/**
 * Outlook over IMAP with a Microsoft grant's tokens: a fresh access token for Outlook IMAP
 * (https://outlook.office.com/IMAP.AccessAsUser.All, not Graph) at each login, from the
 * connection's msal token holder (refreshed early, one refresh at a time, rotation saved).
 */
function microsoftAccessToken(c: StoredImapConnection): () => Promise<string> {
  return async () => {
    const { microsoftTokensFor } = await import('../microsoft/auth.js');
    const { IMAP_SCOPES, microsoftSettings } = await import('../microsoft/settings.js');
    return microsoftTokensFor(c, microsoftSettings(c.settings.microsoft), IMAP_SCOPES).token();
  };
}
