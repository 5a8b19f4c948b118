import { describe, expect, it } from 'vitest';
import { createSecrets, decryptSecret, deriveKey, encryptSecret, SecretKeyError } from './secrets.js';

const PASS = 'correct horse battery staple, and then some more';

describe('secrets at rest', () => {
  it('round-trips and never stores the plain text', () => {
    const k = deriveKey(PASS);
    const stored = encryptSecret('hunter2-imap-password', k);
    expect(stored).not.toContain('hunter2');
    expect(decryptSecret(stored, k)).toBe('hunter2-imap-password');
  });

  it('encrypts the same value differently each time (random IV)', () => {
    const k = deriveKey(PASS);
    expect(encryptSecret('x', k)).not.toBe(encryptSecret('x', k));
  });

  it('refuses a wrong key or tampered data with a clear error', () => {
    const stored = encryptSecret('token', deriveKey(PASS));
    expect(() => decryptSecret(stored, deriveKey(`${PASS}!`))).toThrow(/another key/);
    const parts = stored.split(':');
    parts[4] = Buffer.from('tampered').toString('base64');
    expect(() => decryptSecret(parts.join(':'), deriveKey(PASS))).toThrow(/integrity/);
  });

  it('explains a missing or short TOUCHPOINT_SECRET_KEY', () => {
    expect(() => createSecrets(undefined).key()).toThrow(SecretKeyError);
    expect(() => createSecrets(undefined).encrypt('x')).toThrow(/TOUCHPOINT_SECRET_KEY is not set/);
    expect(() => deriveKey('short')).toThrow(/at least 32/);
  });

  it('a Secrets object seals and opens with its one key', () => {
    const secrets = createSecrets(PASS);
    expect(secrets.configured).toBe(true);
    expect(createSecrets(undefined).configured).toBe(false);
    const stored = secrets.encrypt('token');
    expect(secrets.key().id).toBe(deriveKey(PASS).id);
    expect(secrets.decrypt(stored)).toBe('token');
    expect(() => createSecrets(`${PASS}!`).decrypt(stored)).toThrow(/another key/);
  });
});
