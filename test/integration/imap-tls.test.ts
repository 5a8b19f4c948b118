// IMAP over TLS against a real Dovecot serving a certificate made at set-up (test/support/tls.ts):
// implicit TLS (IMAPS) and STARTTLS both sync when the connection trusts the test CA through
// its `ca` setting; a certificate from a CA it does not trust, or for another name, is refused
// in plain words before the password is sent. One Dovecot serves every case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailPage } from '../../src/providers/types.js';
import { ImapMailSource } from '../../src/providers/imap/imap-mail-source.js';
import { readImapConfig } from '../../src/providers/imap/config.js';
import { eml } from '../support/cli.js';
import { TEST_OUTBOUND } from '../support/config.js';
import { deliver, startMailServer, type Dovecot } from '../support/imap.js';
import { makeTestCertificates, type TestCertificates } from '../support/tls.js';

let d: Dovecot;
let certs: TestCertificates;

beforeAll(async () => {
  certs = makeTestCertificates();
  d = await startMailServer({ users: { alice: 'pw-alice' }, tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
  await deliver(d, 'alice', 'pw-alice', [
    {
      raw: eml({ from: 'jane@acme.com', to: 'alice@ourco.com', date: '2026-03-02T10:00:00Z', messageId: 'tls-1@acme.com' }),
      at: '2026-03-02T10:00:00Z',
    },
  ]);
}, 300_000);

afterAll(async () => {
  await d?.stop();
  certs?.remove();
});

const source = (over: { host?: string; port: number; security: 'tls' | 'starttls'; ca: string }) =>
  new ImapMailSource({
    config: readImapConfig({
      host: over.host ?? d.host,
      port: over.port,
      security: over.security,
      user: 'alice',
      auth: 'password',
      ca: over.ca,
      folders: ['INBOX'],
    }),
    secret: 'pw-alice',
    authorizedAt: new Date('2026-03-01T00:00:00Z'),
    outbound: TEST_OUTBOUND,
    retries: 0,
  });

async function messageIds(src: ImapMailSource): Promise<(string | null)[]> {
  const pages: MailPage[] = [];
  for await (const p of src.changes(null)) pages.push(p);
  return pages.flatMap((p) => p.sightings.map((s) => s.item.messageId));
}

describe('IMAP over TLS', () => {
  it('IMAPS (implicit TLS) syncs when the connection trusts the test CA', async () => {
    expect(await messageIds(source({ port: d.tlsPort!, security: 'tls', ca: certs.caPem }))).toEqual(['tls-1@acme.com']);
  });

  it('STARTTLS syncs when the connection trusts the test CA', async () => {
    expect(await messageIds(source({ port: d.port, security: 'starttls', ca: certs.caPem }))).toEqual(['tls-1@acme.com']);
  });

  it('a certificate from a CA the connection does not trust is refused in plain words (IMAPS and STARTTLS)', async () => {
    for (const [port, security] of [
      [d.tlsPort!, 'tls'],
      [d.port, 'starttls'],
    ] as const) {
      await expect(messageIds(source({ port, security, ca: certs.otherCaPem }))).rejects.toMatchObject({
        code: 'NETWORK',
        message: expect.stringMatching(
          /could not prove who it is: its certificate is not signed by a certificate authority we trust; the password was not sent/,
        ),
      });
    }
  });

  it('a certificate for another name is refused in plain words', async () => {
    // The certificate names 127.0.0.1 only; "localhost" reaches the same server.
    await expect(messageIds(source({ host: 'localhost', port: d.tlsPort!, security: 'tls', ca: certs.caPem }))).rejects.toMatchObject({
      code: 'NETWORK',
      message: expect.stringMatching(/could not prove who it is: its certificate is for another name .*the password was not sent/),
    });
  });

  it('refuses a ca setting that is not a PEM certificate, naming it', () => {
    expect(() => readImapConfig({ host: 'h', port: 993, security: 'tls', user: 'u', auth: 'password', ca: 'not a cert' })).toThrow(
      'IMAP connection settings: "ca" is not a PEM certificate',
    );
  });
});
