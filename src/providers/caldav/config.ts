// A CalDAV connection as stored: `config` holds what is not secret (server URL, user name),
// `secret_enc` the password, encrypted at rest (secrets/secrets.ts) with the process's key
// (`secrets`, created once from the Config). The password is decrypted only here, right
// before a sync, and is never part of a message, a log line or the connection's JSON.
import type { ProviderSettings } from '../../config/schema.js';
import { isPemCertificate } from '../../net/certificate-problem.js';
import { outboundPolicyFor } from '../../net/outbound-policy.js';
import { encryptSecret, type SecretKey, type Secrets, SecretKeyError } from '../../secrets/secrets.js';
import { SourceError } from '../types.js';
import { CalDavCalendarSource } from './caldav-calendar-source.js';

export interface CalDavConfig {
  url: string;
  user: string;
  /** Tuning, not exposed by the CLI: objects per page, and forcing the no-sync-collection path. */
  pageSize?: number;
  syncCollection?: boolean;
  /**
   * PEM certificate(s) of a CA to trust for this server besides the system's (a company CA,
   * a test CA); the certificate and its name are still checked. Set by `connect caldav --ca-file`.
   */
  ca?: string;
}

// The stored secret is the password itself, encrypted — the same form `connect imap` and
// `reauthorize` write, so one `reauthorize --password-env` serves both providers.
export function encodeCalDavSecret(password: string, key: SecretKey): string {
  return encryptSecret(password, key);
}

/** Checks the stored config's shape; a broken one is a configuration error, not a provider one. */
export function readCalDavConfig(config: Record<string, unknown>): CalDavConfig {
  const { url, user, pageSize, syncCollection, ca } = config;
  if (typeof url !== 'string' || typeof user !== 'string') {
    throw new SourceError('INTERNAL', 'this CalDAV connection has no server URL or user name; connect it again');
  }
  if (ca !== undefined && !isPemCertificate(ca)) {
    throw new SourceError('INTERNAL', 'this CalDAV connection\'s "ca" setting is not a PEM certificate; connect it again');
  }
  return {
    url,
    user,
    ...(typeof pageSize === 'number' ? { pageSize } : {}),
    ...(typeof syncCollection === 'boolean' ? { syncCollection } : {}),
    ...(ca ? { ca } : {}),
  };
}

export function calDavSourceFor(c: {
  config: Record<string, unknown>;
  secretEnc?: string | null;
  secrets: Secrets;
  settings: Pick<ProviderSettings, 'outboundAllow'>;
}): CalDavCalendarSource {
  const cfg = readCalDavConfig(c.config);
  if (!c.secretEnc) throw new SourceError('AUTH_FAILED', 'no password is stored for this CalDAV connection; re-authorize it');
  let password: string;
  try {
    password = c.secrets.decrypt(c.secretEnc);
  } catch (err) {
    // A missing or different TOUCHPOINT_SECRET_KEY is this machine's configuration, not the
    // teammate's grant: status "error" with the reason, not "needs re-authorization".
    if (err instanceof SecretKeyError) throw new SourceError('INTERNAL', `cannot read the stored CalDAV password: ${err.message}`);
    throw err;
  }
  // The policy of the Config in force now: an address allowed when connected and no longer
  // allowed (or a name that now resolves elsewhere) is refused at this sync.
  return new CalDavCalendarSource({ ...cfg, password, outbound: outboundPolicyFor(c.settings) });
}

/** The live lookup's calendar-query search (search.ts), with the same stored credentials. */
export async function calDavSearchFor(c: {
  config: Record<string, unknown>;
  secretEnc?: string | null;
  secrets: Secrets;
  settings: Pick<ProviderSettings, 'outboundAllow'>;
}) {
  const { CalDavSearch } = await import('./search.js');
  const cfg = readCalDavConfig(c.config);
  if (!c.secretEnc) throw new SourceError('AUTH_FAILED', 'no password is stored for this CalDAV connection; re-authorize it');
  try {
    return new CalDavSearch({
      url: cfg.url,
      user: cfg.user,
      password: c.secrets.decrypt(c.secretEnc),
      outbound: outboundPolicyFor(c.settings),
      ...(cfg.ca ? { ca: cfg.ca } : {}),
    });
  } catch (err) {
    if (err instanceof SecretKeyError) throw new SourceError('INTERNAL', `cannot read the stored CalDAV password: ${err.message}`);
    throw err;
  }
}
