// Real-browser set-up for the web app tests: Debian's Chromium (installed with apt-get when
// /usr/bin/chromium is missing — never a downloaded browser), driven by playwright-core, and
// `touchpoint serve` on a free port over a temp SQLite database set up through the CLI.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { BIN, ROOT, runCli } from '../support/cli.js';
import { TEST_OUTBOUND_ALLOW } from '../support/config.js';

export const CHROMIUM = '/usr/bin/chromium';
/** The served process encrypts the passwords typed into the connect forms with this (tests only). */
export const WEB_SECRET_KEY = 'touchpoint web test passphrase, not a real secret';

export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const apt = (args: string[]) =>
    execFileSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    apt(['install', '-y', '--no-install-recommends', 'chromium']);
  } catch {
    apt(['update']);
    apt(['install', '-y', '--no-install-recommends', 'chromium']);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is still missing after apt-get install chromium`);
}

/** A fresh profile in userDataDir (playwright passes it as --user-data-dir). */
export async function launchBrowser(userDataDir: string): Promise<BrowserContext> {
  ensureChromium();
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    timezoneId: 'UTC', // "Authorized since" is typed as local time
    acceptDownloads: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface Served {
  dir: string;
  db: string;
  url: string;
  token: string;
  /** The copy of examples/demo the connections read. */
  demo: string;
  stderr: () => string;
  close(): Promise<void>;
}

async function cli(db: string, ...args: string[]): Promise<string> {
  const r = await runCli(['--db', db, ...args]);
  if (r.code !== 0) throw new Error(`touchpoint ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/**
 * The demo workspace (teammates, accounts, CRM end users, blocklist) without connections, served.
 * env: extra environment for `touchpoint serve` (e.g. the Google emulator's URLs); without it
 * the server has no Google OAuth client, whatever this process's environment says.
 */
export async function serveDemo(env: Record<string, string> = {}): Promise<Served> {
  if (!existsSync(path.join(ROOT, 'web/dist/index.html')))
    throw new Error('web/dist is missing: npm test builds it first (npm run build:web)');
  const dir = mkdtempSync(path.join(tmpdir(), 'tp-web-'));
  const demo = path.join(dir, 'demo');
  cpSync(path.join(ROOT, 'examples/demo'), demo, { recursive: true });
  const db = path.join(dir, 'tp.db');
  await cli(db, 'init', '--workspace', 'demo', '--internal-domain', 'ourco.com');
  await cli(db, 'teammate', 'add', '--email', 'alice@ourco.com', '--alias', 'alice.chen@ourco.com', '--name', 'Alice Chen');
  await cli(db, 'teammate', 'add', '--email', 'dan@ourco.com', '--name', 'Dan Ruiz');
  await cli(db, 'account', 'add', '--id', 'acme', '--name', 'Acme Corp');
  await cli(db, 'account', 'add', '--id', 'globex', '--name', 'Globex');
  await cli(db, 'account', 'add', '--id', 'initech', '--name', 'Initech');
  await runCli(['--db', db, 'users', 'import', path.join(demo, 'users.csv'), '--source', 'crm:salesforce']); // two bad rows: exit 1 by design
  await cli(db, 'blocklist', 'add', 'partnerco.com');
  // Dan's mailbox is connected through the CLI; Alice's is connected in the browser.
  await cli(
    db,
    'connect',
    'folder',
    '--teammate',
    'dan@ourco.com',
    '--mail',
    path.join(demo, 'mail/dan'),
    '--authorized-at',
    '2026-03-01T00:00:00Z',
  );
  await cli(db, 'sync');
  const token = (await cli(db, 'token', 'create', '--role', 'admin', '--name', 'web-test')).trim();

  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [BIN, '--db', db, 'serve', '--port', String(port)], {
    cwd: ROOT,
    env: {
      ...process.env,
      NO_COLOR: '1',
      TOUCHPOINT_LOG_LEVEL: 'warn',
      TOUCHPOINT_SECRET_KEY: WEB_SECRET_KEY,
      TOUCHPOINT_GOOGLE_CLIENT_ID: '',
      TOUCHPOINT_GOOGLE_CLIENT_SECRET: '',
      // The browser connects Alice's folder under <dir>/demo, the "demo" workspace's folder,
      // and IMAP/CalDAV test servers on loopback.
      TOUCHPOINT_FOLDER_ROOT: dir,
      TOUCHPOINT_OUTBOUND_ALLOW: TEST_OUTBOUND_ALLOW,
      // Browser sign-ins (Connect Google / Microsoft) redirect only to the configured address.
      TOUCHPOINT_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!/web app at/.test(err)) {
    if (child.exitCode !== null) throw new Error(`touchpoint serve exited: ${err}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`touchpoint serve did not start: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    dir,
    db,
    url,
    token,
    demo,
    stderr: () => err,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const userDataDir = () => mkdtempSync(path.join(tmpdir(), 'tp-chromium-'));
