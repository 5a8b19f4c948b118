// A per-run Radicale (CalDAV server) for the integration tests and the benchmark.
//
// Installs Debian's `radicale` if it is missing (apt-get, as root on CI), then starts it in
// the foreground with `--config <file>` — with an explicit config file Radicale ignores
// /etc/radicale — on a free loopback high port, with a per-run htpasswd file (plain text
// passwords: test users only), storage in a temp dir, and `delay = 0` so a wrong password
// is answered at once instead of after Radicale's anti-brute-force pause. With `tls` it serves
// https with the given certificate (test/support/tls.ts makes one signed by a test CA), and
// with `logRequests` it logs one line per request received and per login, which a test reads
// to observe what reached the server.
//
//   node --import tsx scripts/services/radicale.ts [user:password ...]   (runs until Ctrl-C)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CANDIDATES = ['/usr/bin/radicale', '/usr/local/bin/radicale'];

function findRadicale(): string | null {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/**
 * The radicale binary, installed with apt-get if needed. Several test files may call this at
 * once (vitest runs files in parallel) and other suites install Dovecot at the same time:
 * `flock` serialises our own installs, and DPkg::Lock::Timeout makes apt wait for anyone
 * else's instead of failing with "could not get lock".
 */
export function ensureRadicale(): string {
  const found = findRadicale();
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error('radicale is not installed and this is not root: run "apt-get install -y --no-install-recommends radicale" first');
  }
  const apt = 'apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3';
  const install = `${apt} install -y --no-install-recommends radicale`;
  // The package lists of a fresh machine may be missing or stale: update, then retry once.
  const script = `command -v radicale >/dev/null || ${install} || { ${apt} update && ${install}; }`;
  try {
    execFileSync('flock', ['-w', '900', path.join(tmpdir(), 'touchpoint-apt.lock'), 'sh', '-c', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 1_000_000,
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`installing radicale failed: ${e.stderr?.toString().trim().split('\n').slice(-3).join(' | ') || e.message}`);
  }
  const bin = findRadicale();
  if (!bin) throw new Error('apt-get reported success but no radicale binary was found');
  return bin;
}

/** A free TCP port on loopback (bound and released; Radicale binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface RadicaleOptions {
  /** user → password, written to the per-run htpasswd file. */
  users: Record<string, string>;
  /** Serve https with this certificate and key (PEM files) instead of plain http. */
  tls?: { certFile: string; keyFile: string };
  /** Log level "info": a line per request received and per login (see `lines`). */
  logRequests?: boolean;
}

export class RadicaleServer {
  readonly dir: string;
  readonly storage: string;
  private readonly htpasswd: string;
  private readonly config: string;
  private child: ChildProcess | null = null;
  private output = '';
  private partial = '';
  private readonly lineWaiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  /** Every line the server logged, in order (with `logRequests`: one per request and per login). */
  readonly lines: string[] = [];
  port = 0;

  private constructor(
    private readonly bin: string,
    private users: Record<string, string>,
    private readonly opts: Pick<RadicaleOptions, 'tls' | 'logRequests'> = {},
  ) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'touchpoint-radicale-'));
    this.storage = path.join(this.dir, 'collections');
    this.htpasswd = path.join(this.dir, 'users');
    this.config = path.join(this.dir, 'config');
  }

  static async start(opts: RadicaleOptions): Promise<RadicaleServer> {
    const server = new RadicaleServer(ensureRadicale(), { ...opts.users }, opts);
    server.port = await freePort();
    server.writeFiles();
    await server.start();
    return server;
  }

  /** The server's process id while it runs (benchmarks read its CPU time from /proc). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Base URL, with a trailing slash: http://127.0.0.1:<port>/ (https with `tls`). */
  get url(): string {
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${this.port}/`;
  }

  /** Resolves with the first logged line (already logged, or to come) that matches: an observation, not a sleep. */
  waitForLine(re: RegExp): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.lineWaiters.push({ re, resolve }));
  }

  private keepOutput(chunk: Buffer): void {
    const text = chunk.toString();
    this.output = (this.output + text).slice(-8000);
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      for (const w of [...this.lineWaiters]) {
        if (!w.re.test(line)) continue;
        this.lineWaiters.splice(this.lineWaiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  }

  /** Radicale reads the htpasswd file on every login, so this takes effect at once. */
  setPassword(user: string, password: string): void {
    this.users[user] = password;
    this.writeFiles();
  }

  private writeFiles(): void {
    writeFileSync(
      this.htpasswd,
      Object.entries(this.users)
        .map(([u, p]) => `${u}:${p}\n`)
        .join(''),
      { mode: 0o600 },
    );
    writeFileSync(
      this.config,
      [
        '[server]',
        `hosts = 127.0.0.1:${this.port}`,
        'max_connections = 20',
        ...(this.opts.tls ? ['ssl = True', `certificate = ${this.opts.tls.certFile}`, `key = ${this.opts.tls.keyFile}`] : []),
        '[auth]',
        'type = htpasswd',
        `htpasswd_filename = ${this.htpasswd}`,
        'htpasswd_encryption = plain',
        'delay = 0',
        '[rights]',
        'type = owner_only',
        '[storage]',
        `filesystem_folder = ${this.storage}`,
        '[web]',
        'type = none',
        '[logging]',
        `level = ${this.opts.logRequests ? 'info' : 'warning'}`,
        'mask_passwords = True',
        '',
      ].join('\n'),
    );
  }

  /** Starts (or restarts, on the same port and storage) and waits until it answers HTTP. */
  async start(): Promise<void> {
    if (this.child) return;
    this.output = '';
    const child = spawn(this.bin, ['--config', this.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (b: Buffer) => this.keepOutput(b);
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', () => {
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (!this.child) throw new Error(`radicale exited at start-up:\n${this.output}`);
      try {
        await this.answers();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`radicale did not answer on ${this.url} within 20 s:\n${this.output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /**
   * Throws until the server is up. Over http: an OPTIONS answered. Over https: the port takes
   * a TCP connection (an https probe would need the test CA, and would log a request).
   */
  private async answers(): Promise<void> {
    if (!this.opts.tls) {
      const r = await fetch(this.url, { method: 'OPTIONS', signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: this.port, timeout: 1000 }, () => {
        socket.destroy();
        resolve();
      });
      socket.on('error', reject);
      socket.on('timeout', () => socket.destroy(new Error('timeout')));
    });
  }

  /** Graceful stop (SIGTERM), waiting for the process to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /**
   * Kills the server and returns only once it is dead, synchronously: a test can call it from
   * a progress callback and be sure the very next request of the sync finds no server.
   */
  killNow(): void {
    const child = this.child;
    if (!child?.pid) return;
    const pid = child.pid;
    child.kill('SIGKILL');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      let state: string | undefined;
      try {
        state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      } catch {
        break; // gone and reaped
      }
      if (state === 'Z' || state === 'X') break; // dead: its sockets are closed
    }
    this.child = null;
  }

  /** Recent server output, for failure messages. */
  log(): string {
    return this.output;
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// Run by hand: start a server with the given users and keep it in the foreground.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const pairs = process.argv.slice(2);
  const users = Object.fromEntries((pairs.length ? pairs : ['alice:alice-password']).map((p) => p.split(':', 2) as [string, string]));
  const server = await RadicaleServer.start({ users });
  console.log(`radicale on ${server.url} (storage ${server.storage}); users: ${Object.keys(users).join(', ')}. Ctrl-C stops it.`);
  const quit = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}
