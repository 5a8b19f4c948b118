// Credentials are checked against the server before anything is saved — a login for IMAP,
// a calendar listing for CalDAV — so a typo is caught when it is typed, not at the first
// sync. A refusal is a 'rejected' AppError in plain words, and nothing is stored.
import type { OutboundPolicy } from '../net/outbound-policy.js';
import type { ImapConfig } from '../providers/imap/config.js';
import { SourceError } from '../providers/types.js';
import { checkServerAddress, checkServerUrl } from './connection-policy.js';
import { AppError } from './errors.js';

const refused = (message: string) => new AppError('rejected', `${message}; nothing was saved`);

/**
 * Turns the stored secret into what IMAP logs in with. A password logs in as itself; an
 * OAuth refresh token (Gmail/Outlook IMAP) is exchanged for an access token first, and the
 * provider may rotate the refresh token on that use: `keep` is the one to store.
 */
export type ImapLogin = (cfg: ImapConfig, secret: string) => Promise<{ login: string; keep: string }>;

const asIs: ImapLogin = async (_cfg, secret) => ({ login: secret, keep: secret });

/** Logs in once; returns the secret to store. */
export async function verifyImapLogin(
  cfg: ImapConfig,
  secret: string,
  outbound: OutboundPolicy,
  toLogin: ImapLogin = asIs,
): Promise<string> {
  await checkServerAddress(outbound, 'host', cfg.host, cfg.port);
  try {
    // Loaded on use: imapflow takes ~0.5 s to load, which most commands and requests never need.
    const { ImapSession } = await import('../providers/imap/session.js');
    const { login, keep } = await toLogin(cfg, secret);
    const s = await ImapSession.open(cfg, login, outbound);
    await s.close();
    return keep;
  } catch (err) {
    if (err instanceof SourceError) throw refused(err.message);
    throw err;
  }
}

/** Lists the calendars: proves the URL and password (and, over https, the server's certificate). Returns their names. */
export async function verifyCalDav(url: string, user: string, password: string, outbound: OutboundPolicy, ca?: string): Promise<string[]> {
  await checkServerUrl(outbound, url);
  try {
    const { CalDavCalendarSource } = await import('../providers/caldav/caldav-calendar-source.js');
    const source = new CalDavCalendarSource({ url, user, password, timeoutMs: 30_000, outbound, ...(ca ? { ca } : {}) });
    const cals = await source.calendars();
    return cals.map((c) => c.displayName);
  } catch (err) {
    if (!(err instanceof SourceError)) throw err;
    if (err.code === 'AUTH_FAILED') throw refused(`the CalDAV server rejected the user name or password for ${user}`);
    throw refused(`could not check the CalDAV account: ${err.message}`);
  }
}
