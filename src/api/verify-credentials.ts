// Credentials are checked against the server before the API saves them — the same checks as
// `touchpoint connect imap|caldav` (a login; a calendar listing) — so a typo is caught on the
// form, not at the first sync. A refusal is a 422 in plain words and nothing is stored.
import type { ImapConfig } from '../providers/imap/config.js';
import { SourceError } from '../providers/types.js';
import { ApiError, badRequest } from './errors.js';

const refused = (message: string) => new ApiError(422, 'verification_failed', `${message}; nothing was saved`);

const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);

/** Plain IMAP sends the password in clear: accepted only for a server on this machine. */
export function checkImapSecurity(cfg: Pick<ImapConfig, 'host' | 'security'>): void {
  if (cfg.security === 'plain' && !isLoopback(cfg.host)) {
    throw badRequest(
      'body.security',
      'plain IMAP would send the password in clear text: use tls or starttls (plain is accepted only for a server on this machine)',
    );
  }
}

export async function verifyImapLogin(cfg: ImapConfig, secret: string): Promise<void> {
  try {
    // Loaded on use, as in the CLI: imapflow is slow to load and most requests never need it.
    const { ImapSession } = await import('../providers/imap/session.js');
    const s = await ImapSession.open(cfg, secret);
    await s.close();
  } catch (err) {
    if (err instanceof SourceError) throw refused(err.message);
    throw err;
  }
}

/** The URL, normalized; https, or http to this machine only (Basic auth would cross the network in clear). */
export function checkCalDavUrl(raw: string, field: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw badRequest(field, `"${raw}" is not a URL (e.g. https://caldav.example.com/)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw badRequest(field, 'must start with https://');
  if (u.username || u.password) throw badRequest(field, 'must not contain a user name or password; give them in their own fields');
  if (u.protocol === 'http:' && !isLoopback(u.hostname)) {
    throw badRequest(
      field,
      'use https:// — over http:// the password would cross the network in clear text (http is accepted only for a server on this machine)',
    );
  }
  return u.href;
}

/** Lists the calendars: proves the URL and password. Returns their names. */
export async function verifyCalDav(url: string, user: string, password: string): Promise<string[]> {
  try {
    const { CalDavCalendarSource } = await import('../providers/caldav/caldav-calendar-source.js');
    const cals = await new CalDavCalendarSource({ url, user, password, timeoutMs: 30_000 }).calendars();
    return cals.map((c) => c.displayName);
  } catch (err) {
    if (!(err instanceof SourceError)) throw err;
    if (err.code === 'AUTH_FAILED') throw refused(`the CalDAV server rejected the user name or password for ${user}`);
    throw refused(`could not check the CalDAV account: ${err.message}`);
  }
}
