// Certificates made at test set-up with openssl: a test CA and a server certificate it signs
// for 127.0.0.1 (the name every test server is reached by), plus a second, unrelated CA that
// signed nothing of the server's, to show an untrusted certificate is refused.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  dir: string;
  /** PEM of the CA that signed the server certificate: what a client must trust. */
  caPem: string;
  /** PEM of a CA that signed nothing the server presents. */
  otherCaPem: string;
  /** Server certificate (subjectAltName IP:127.0.0.1 only) and its key, as files. */
  certFile: string;
  keyFile: string;
  remove(): void;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

function makeCa(dir: string, name: string): void {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
    ],
    dir,
  );
}

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'tp-tls-'));
  // Dovecot's processes read the key and certificate after dropping privileges.
  chmodSync(dir, 0o755);
  makeCa(dir, 'test-ca');
  makeCa(dir, 'other-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr'], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'test-ca.pem',
      '-CAkey',
      'test-ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      'server.ext',
      '-out',
      'server.pem',
    ],
    dir,
  );
  for (const f of ['server.key', 'server.pem']) chmodSync(join(dir, f), 0o644);
  return {
    dir,
    caPem: readFileSync(join(dir, 'test-ca.pem'), 'utf8'),
    otherCaPem: readFileSync(join(dir, 'other-ca.pem'), 'utf8'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
