// A per-run Dovecot IMAP server for tests and benchmarks: installs `dovecot-imapd` from
// Debian if it is missing, then runs its own instance (own config, data and run dirs) on a
// free loopback port, in the foreground, so stopping it is killing our own child.
//
// Facts this relies on (Dovecot 2.3 on Debian 12):
// - `ssl = no` and `disable_plaintext_auth = no`: tests talk plain IMAP on 127.0.0.1.
// - Mail is stored as a non-root uid (nobody); every parent of the mail root must be
//   enterable by it (mkdtemp makes 0700 dirs, so they are chmod-ed 0755).
// - `mail_max_userip_connections` defaults to 10 per user and IP: the sync, IDLE watcher and
//   the test's own client together can exceed it.
// - The passwd-file is re-read when its mtime changes, so a test can change a password on
//   the fly (see setPassword).
// - IDLE clients are notified ~0.5 s after a change (inotify on the Maildir).
//
// Usage: `node --import tsx scripts/services/dovecot.ts check` starts one, logs in, stops it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DOVECOT = '/usr/sbin/dovecot';
/** nobody:nogroup on Debian: a non-root owner for the mail files. */
const MAIL_UID = 65534;
const MAIL_GID = 65534;

export interface DovecotOptions {
  /** user → password; more can be added later with setPassword(). */
  users?: Record<string, string>;
  /**
   * Replace the advertised capability list (Dovecot's `imap_capability`), e.g. to play a
   * server without CONDSTORE. Undefined: Dovecot's own list.
   */
  capabilities?: string;
  /**
   * Also accept XOAUTH2 / OAUTHBEARER: Dovecot's oauth2 passdb asks this URL (the access
   * token appended) whose JSON names the user in `email`, e.g. an emulator's tokeninfo.
   */
  oauth2TokenInfoUrl?: string;
  /**
   * Serve TLS with this certificate and key (PEM files): STARTTLS on `port`, implicit TLS
   * (IMAPS) on `tlsPort`. Plain login stays allowed on `port`, as before.
   */
  tls?: { certFile: string; keyFile: string };
  /**
   * Serve this many IMAP connections at once (the soak: 1,000 IDLE sessions plus syncs).
   * Dovecot's defaults allow 100 processes per service and 1,000 clients; this raises the
   * process and client limits of imap, imap-login, auth and anvil to fit. The caller's
   * RLIMIT_NOFILE (`ulimit -n`) must exceed it too: the master passes its own on.
   */
  maxConnections?: number;
}

export interface Dovecot {
  host: string;
  port: number;
  /** The IMAPS port, when started with `tls`. */
  tlsPort?: number;
  dir: string;
  /** Process id of the Dovecot master (its children serve the IMAP connections). */
  pid(): number | undefined;
  /** Path of a user's Maildir (INBOX is its root; other folders are `.Name`). */
  maildir(user: string): string;
  /**
   * Drop messages straight into a user's INBOX Maildir (maildir(5)): thousands a second
   * where APPEND costs a round trip each. Dovecot assigns UIDs when it next looks at the
   * folder and takes the file's mtime as INTERNALDATE.
   */
  writeMaildir(user: string, msgs: { raw: string | Buffer; at: Date | string }[]): void;
  /** Add a user or change a password; resolves once Dovecot has taken the new file. */
  setPassword(user: string, password: string): Promise<void>;
  /** Stop and start again on the same port (connections drop, data stays). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  log(): string;
}

/**
 * Install dovecot-imapd if it is missing (CI machines start without it; we run as root
 * there). Test files run in parallel and other suites install their own servers, so the
 * install is serialised by a lock directory of ours and waits for apt's own locks.
 */
export function ensureDovecotInstalled(): void {
  if (existsSync(DOVECOT)) return;
  if (process.getuid?.() !== 0) {
    throw new Error('Dovecot is not installed and we are not root: run "apt-get install -y --no-install-recommends dovecot-imapd"');
  }
  const lock = join(tmpdir(), 'touchpoint-dovecot-install.lock');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock); // atomic: whoever creates it installs
      break;
    } catch {
      if (existsSync(DOVECOT)) return;
      if (Date.now() > deadline) throw new Error(`waited 10 minutes for ${lock}; remove it if no install is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    if (existsSync(DOVECOT)) return;
    const apt = (args: string[]) =>
      execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
        stdio: 'pipe',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    const install = () => apt(['install', '-y', '--no-install-recommends', 'dovecot-imapd']);
    try {
      install();
    } catch {
      // A fresh machine may have no package lists yet.
      apt(['update']);
      install();
    }
    if (!existsSync(DOVECOT)) throw new Error('apt-get finished but /usr/sbin/dovecot is still missing');
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Limits for `n` concurrent IMAP connections (one imap process each; logins share processes). */
function limits(n: number | undefined): string {
  if (!n) return '';
  const clients = n * 2 + 100;
  return `
default_process_limit = ${n + 100}
default_client_limit = ${clients}
service imap {
  process_limit = ${n + 100}
}
service imap-login {
  service_count = 0
  process_min_avail = 2
  client_limit = ${clients}
}
service auth {
  client_limit = ${clients * 2}
}
`;
}

/**
 * Anvil without its auth penalty: Dovecot delays every login from an IP that recently failed
 * one (2, 4, 8, then 15 s), and every test connects from 127.0.0.1, so one test's wrong
 * password slowed the next tests' logins by seconds each (imap-recovery: 47 s for one test).
 * Disabling the listener is Dovecot's documented switch (doc.dovecot.org, "Authentication
 * penalty support"). With `n` connections, anvil also needs room for them.
 */
function anvil(n: number | undefined): string {
  const clients = n ? `\n  client_limit = ${(n * 2 + 100) * 2}` : '';
  return `service anvil {${clients}
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}`;
}

function config(dir: string, port: number, opts: DovecotOptions, tlsPort = 0): string {
  const ssl = opts.tls ? `ssl = yes\nssl_cert = <${opts.tls.certFile}\nssl_key = <${opts.tls.keyFile}` : 'ssl = no';
  return `
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = touchpoint-test-${port}
log_path = ${dir}/dovecot.log
${ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login${opts.oauth2TokenInfoUrl ? ' xoauth2 oauthbearer' : ''}
auth_failure_delay = 0
${anvil(opts.maxConnections)}
first_valid_uid = ${MAIL_UID}
mail_location = maildir:${dir}/mail/%u
mail_fsync = never
${limits(opts.maxConnections)}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
${
  opts.oauth2TokenInfoUrl
    ? `passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${dir}/oauth2.conf
}`
    : ''
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/passwd
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${tlsPort}
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
protocol imap {
  mail_max_userip_connections = 200
${opts.capabilities ? `  imap_capability = ${opts.capabilities}\n` : ''}}
`;
}

function waitForGreeting(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = createConnection({ host: '127.0.0.1', port });
      let buf = '';
      const retry = () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`Dovecot did not greet on port ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      };
      sock.on('data', (d) => {
        buf += d.toString();
        if (buf.startsWith('* OK')) {
          sock.end('a LOGOUT\r\n');
          resolve();
        }
      });
      sock.on('error', retry);
    };
    attempt();
  });
}

async function waitUntilPortFree(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return;
    if (Date.now() > deadline) throw new Error(`port ${port} still in use ${timeoutMs} ms after Dovecot stopped`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startDovecot(opts: DovecotOptions = {}): Promise<Dovecot> {
  ensureDovecotInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'tp-dovecot-'));
  // mkdtemp makes 0700: Dovecot's login and mail processes (dovenull, nobody) must enter it.
  chmodSync(dir, 0o755);
  for (const sub of ['run', 'state', 'mail']) mkdirSync(join(dir, sub), { mode: 0o755 });
  chownSync(join(dir, 'mail'), MAIL_UID, MAIL_GID);
  const users = new Map(Object.entries(opts.users ?? {}));
  const writePasswd = () => {
    const lines = [...users].map(([u, p]) => `${u}:{PLAIN}${p}:${MAIL_UID}:${MAIL_GID}::${dir}/mail/${u}::`);
    writeFileSync(join(dir, 'passwd'), `${lines.join('\n')}\n`, { mode: 0o644 });
  };
  writePasswd();
  const port = await freePort();
  const tlsPort = opts.tls ? await freePort() : undefined;
  writeFileSync(join(dir, 'dovecot.conf'), config(dir, port, opts, tlsPort));
  if (opts.oauth2TokenInfoUrl) {
    writeFileSync(
      join(dir, 'oauth2.conf'),
      `introspection_mode = get\nintrospection_url = ${opts.oauth2TokenInfoUrl}\nusername_attribute = email\n`,
      { mode: 0o644 },
    );
  }

  let child: ChildProcess | null = null;
  const killOnExit = () => child?.kill('SIGKILL');
  const start = async () => {
    child = spawn(DOVECOT, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d.toString()));
    const exited = new Promise<never>((_, reject) =>
      child!.once('exit', (code) => reject(new Error(`dovecot exited (${code}): ${stderr}${readLog()}`))),
    );
    await Promise.race([waitForGreeting(port, 15_000), exited]);
    child.removeAllListeners('exit');
  };
  const stopChild = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  };
  const readLog = () => (existsSync(join(dir, 'dovecot.log')) ? readFileSync(join(dir, 'dovecot.log'), 'utf8') : '');

  process.once('exit', killOnExit);
  await start();
  return {
    host: '127.0.0.1',
    port,
    ...(tlsPort ? { tlsPort } : {}),
    dir,
    pid: () => (child as ChildProcess | null)?.pid,
    maildir: (user) => join(dir, 'mail', user),
    writeMaildir(user, msgs) {
      const root = join(dir, 'mail', user);
      for (const d of [root, join(root, 'cur'), join(root, 'new'), join(root, 'tmp')]) {
        mkdirSync(d, { recursive: true });
        chownSync(d, MAIL_UID, MAIL_GID);
      }
      msgs.forEach((m, i) => {
        const at = new Date(m.at);
        const size = typeof m.raw === 'string' ? Buffer.byteLength(m.raw) : m.raw.length;
        const file = join(root, 'cur', `${Math.floor(at.getTime() / 1000)}.M${i}P${process.pid}.touchpoint,S=${size}:2,`);
        writeFileSync(file, m.raw);
        chownSync(file, MAIL_UID, MAIL_GID);
        utimesSync(file, at, at);
      });
    },
    async setPassword(user, password) {
      users.set(user, password);
      writePasswd();
      // Dovecot notices a changed passwd-file by its mtime, to the second: move it clearly
      // forward and let a second pass so the next login sees the new password.
      const later = new Date(Date.now() + 2_000);
      utimesSync(join(dir, 'passwd'), later, later);
      await new Promise((r) => setTimeout(r, 1_100));
    },
    async restart() {
      await stopChild();
      // The master's login and mail processes keep the listening socket open for a moment
      // after it exits; starting before they are gone fails with "Failed to start listeners".
      await waitUntilPortFree(port, 30_000);
      await start();
    },
    async stop() {
      await stopChild();
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
    log: readLog,
  };
}

// `npm run services:check`: prove the set-up works on this machine.
if (process.argv[1]?.endsWith('dovecot.ts') && process.argv[2] === 'check') {
  const { ImapFlow } = await import('imapflow');
  const t0 = Date.now();
  const d = await startDovecot({ users: { check: 'check-password' } });
  const client = new ImapFlow({
    host: d.host,
    port: d.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: 'check', pass: 'check-password' },
    logger: false,
  });
  await client.connect();
  const caps = [...client.capabilities.keys()].join(' ');
  await client.logout();
  await d.stop();
  console.log(`dovecot ok on 127.0.0.1:${d.port} in ${Date.now() - t0} ms; capabilities: ${caps}`);
}
