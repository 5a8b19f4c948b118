// Builds an ImapMailSource from a stored connection: settings from `config`, the secret
// decrypted with the key from TOUCHPOINT_SECRET_KEY (src/store/secrets.ts).
import { decryptSecret, keyFromEnv, SecretKeyError } from '../../store/secrets.js';
import { SourceError } from '../types.js';
import { readImapConfig } from './config.js';
import { ImapMailSource, type ImapMailSourceOptions } from './imap-mail-source.js';

export { ImapMailSource } from './imap-mail-source.js';

export interface StoredImapConnection {
  config: Record<string, unknown>;
  secretEnc?: string | null;
  authorizedAt?: Date;
}

export function imapSourceFromConnection(c: StoredImapConnection, extra: Partial<ImapMailSourceOptions> = {}): ImapMailSource {
  let config;
  try {
    config = readImapConfig(c.config);
  } catch (err) {
    throw new SourceError('INTERNAL', (err as Error).message);
  }
  if (!c.secretEnc) throw new SourceError('AUTH_FAILED', 'no password or token is stored for this mailbox');
  if (!c.authorizedAt) throw new SourceError('INTERNAL', 'the connection has no authorization time');
  let secret: string;
  try {
    secret = decryptSecret(c.secretEnc, keyFromEnv());
  } catch (err) {
    // Not the server's fault: say what to fix here (the key is missing or another one).
    if (err instanceof SecretKeyError) throw new SourceError('INTERNAL', err.message);
    throw err;
  }
  return new ImapMailSource({ config, secret, authorizedAt: c.authorizedAt, ...extra });
}
