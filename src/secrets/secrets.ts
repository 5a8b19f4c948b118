// Credentials at rest: AES-256-GCM with a key derived (scrypt) from the TOUCHPOINT_SECRET_KEY
// passphrase (read once, into the Config; see createSecrets). The stored form names its key
// id, so keys can be rotated.
import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';

export class SecretKeyError extends Error {}

const MIN_PASSPHRASE = 32;
// A fixed, public salt: the passphrase is the secret. Per-value randomness comes from the IV.
const SALT = 'touchpoint/secrets/v1';

export interface SecretKey {
  id: string;
  key: Buffer;
}

/** scrypt is slow on purpose (~50–250 ms): a long-running process derives each key once. */
const derived = new Map<string, SecretKey>();

export function deriveKey(passphrase: string): SecretKey {
  if (passphrase.length < MIN_PASSPHRASE) {
    throw new SecretKeyError(`TOUCHPOINT_SECRET_KEY must be a passphrase of at least ${MIN_PASSPHRASE} characters`);
  }
  const known = derived.get(passphrase);
  if (known) return known;
  const key = scryptSync(passphrase, SALT, 32);
  const id = createHash('sha256').update(key).digest('hex').slice(0, 8);
  derived.set(passphrase, { id, key });
  return { id, key };
}

/** The message for a key that is not configured: says how to set it. */
export const KEY_NOT_SET = 'TOUCHPOINT_SECRET_KEY is not set: export a passphrase of at least 32 characters to store credentials encrypted';

/**
 * The process's one key for secrets at rest, created once from the Config and handed to
 * whatever encrypts or decrypts (providers, webhooks, the API): nothing reads the key from
 * the environment itself. The key is derived on first use (scrypt is slow), so commands that
 * never touch a credential do not pay for it; without a passphrase every use throws
 * SecretKeyError saying how to set one.
 */
export interface Secrets {
  /** Whether a passphrase is configured. */
  readonly configured: boolean;
  /** The derived key (its id names it in stored values; rotation re-encrypts from one to another). */
  key(): SecretKey;
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

export function createSecrets(passphrase: string | undefined): Secrets {
  const key = (): SecretKey => {
    if (!passphrase) throw new SecretKeyError(KEY_NOT_SET);
    return deriveKey(passphrase);
  };
  return {
    configured: !!passphrase,
    key,
    encrypt: (plain) => encryptSecret(plain, key()),
    decrypt: (stored) => decryptSecret(stored, key()),
  };
}

/** "v1:<keyId>:<iv b64>:<tag b64>:<ciphertext b64>" */
export function encryptSecret(plain: string, k: SecretKey): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', k.id, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ct.toString('base64')].join(':');
}

export function decryptSecret(stored: string, k: SecretKey): string {
  const [v, keyId, iv, tag, ct] = stored.split(':');
  if (v !== 'v1' || !keyId || !iv || !tag || ct === undefined) throw new SecretKeyError('stored secret is not in a known format');
  if (keyId !== k.id)
    throw new SecretKeyError(
      `stored secret was encrypted with another key (${keyId}); set the TOUCHPOINT_SECRET_KEY it was made with, or rotate`,
    );
  const decipher = createDecipheriv('aes-256-gcm', k.key, Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretKeyError('stored secret failed its integrity check (wrong key or tampered data)');
  }
}
