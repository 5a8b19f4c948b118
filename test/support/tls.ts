// Certificates made at test set-up with openssl: a test CA and a server certificate it signs
// for 127.0.0.1 (the name every test server is reached by), plus a second, unrelated CA that
// signed nothing of the server's, to show an untrusted certificate is refused.
import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  dir: string;
  /** PEM of the CA that signed the server certificate: what a client must trust. */
  caPem: string;
  /** PEM of a CA that signed nothing the server presents. */
  otherCaPem: string;
  /** The same two CAs as files (what `connect caldav --ca-file` reads). */
  caFile: string;
  otherCaFile: string;
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
    caFile: join(dir, 'test-ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A minimal fetch over https that trusts only `caPem`, for a test's own set-up requests to a
 * server with a test certificate (Node's global fetch cannot be given a CA without undici).
 */
export function trustingFetch(caPem: string): typeof globalThis.fetch {
  return async (input, init = {}) => {
    const body = init.body === undefined || init.body === null ? undefined : Buffer.from(await new Response(init.body).arrayBuffer());
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    return new Promise<Response>((resolve, reject) => {
      const req = request(String(input), { method: init.method ?? 'GET', headers, ca: caPem, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const out = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') out.set(k, v);
          const status = res.statusCode ?? 0;
          resolve(new Response([204, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers: out }));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  };
}
