// The one connection policy: a password travels in clear text only to this machine. Loopback is
// decided by parsing the address, never by a prefix: "127.attacker.example" is a name anyone can
// point anywhere. The CLI's --plain goes through the same check and names its own flag.
import { describe, expect, it } from 'vitest';
import { asFlags } from '../cli/context.js';
import { deriveKey } from '../secrets/secrets.js';
import type { AppDeps } from './deps.js';
import { connectImap } from './connect.js';
import { checkCalDavUrl, checkImapTransport, isLoopbackHost } from './connection-policy.js';
import { AppError } from './errors.js';

function refusal(work: () => unknown): AppError {
  try {
    work();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('isLoopbackHost', () => {
  it.each(['localhost', '127.0.0.1', '127.0.0.2', '127.1', '::1', '[::1]', '::ffff:127.0.0.1', 'LOCALHOST.'])('%s is this machine', (h) => {
    expect(isLoopbackHost(h)).toBe(true);
  });
  it.each(['127.attacker.example', '127.0.0.1.nip.io', 'imap.example.com', '10.0.0.1', '::2', '::ffff:10.0.0.1', ''])('%s is not', (h) => {
    expect(isLoopbackHost(h)).toBe(false);
  });
});

describe('plain IMAP', () => {
  it('is refused to 127.attacker.example, naming the field and why', () => {
    const err = refusal(() => checkImapTransport({ host: '127.attacker.example', security: 'plain' }));
    expect(err.code).toBe('invalid');
    expect(err.fields).toEqual([{ field: 'security', message: expect.stringContaining('clear text') }]);
  });

  it.each(['::1', '127.0.0.2', 'localhost'])('is allowed to %s', (host) => {
    expect(() => checkImapTransport({ host, security: 'plain' })).not.toThrow();
  });

  it('tls and starttls go anywhere', () => {
    expect(() => checkImapTransport({ host: 'imap.example.com', security: 'tls' })).not.toThrow();
    expect(() => checkImapTransport({ host: 'imap.example.com', security: 'starttls' })).not.toThrow();
  });

  it('the CLI --plain to a remote host is refused before anything is read or stored, naming --plain', async () => {
    // No store: the policy is checked before the teammate is looked up, so a db that throws on use proves nothing was touched.
    const untouchable = new Proxy(
      {},
      {
        get() {
          throw new Error('the store was used');
        },
      },
    );
    const deps = {
      db: untouchable,
      ws: { id: 'w' },
      now: new Date('2026-03-01T00:00:00Z'),
      actor: 'cli',
      secretKey: deriveKey('x'.repeat(32)),
    } as unknown as AppDeps;
    const work = asFlags(
      connectImap(deps, {
        teammate: 'ana@ours.example',
        host: 'imap.example.com',
        port: 143,
        security: 'plain',
        user: 'ana',
        auth: 'password',
        secret: 'pw',
        authorizedAt: new Date('2026-03-01T00:00:00Z'),
      }),
      { security: '--plain' },
    );
    await expect(work).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/^--plain: plain IMAP would send the password/),
    });
  });
});

describe('CalDAV URL', () => {
  it('http is refused to a look-alike name and allowed to loopback addresses', () => {
    expect(refusal(() => checkCalDavUrl('http://127.attacker.example/dav/')).fields?.[0]?.field).toBe('url');
    expect(checkCalDavUrl('http://[::1]:5232/dav/')).toBe('http://[::1]:5232/dav/');
    expect(checkCalDavUrl('http://127.0.0.2:5232/')).toBe('http://127.0.0.2:5232/');
    expect(checkCalDavUrl('https://caldav.example.com/')).toBe('https://caldav.example.com/');
  });

  it('refuses credentials in the URL and other schemes', () => {
    expect(refusal(() => checkCalDavUrl('https://u:p@caldav.example.com/')).code).toBe('invalid');
    expect(refusal(() => checkCalDavUrl('ftp://caldav.example.com/')).code).toBe('invalid');
    expect(refusal(() => checkCalDavUrl('not a url')).code).toBe('invalid');
  });
});
