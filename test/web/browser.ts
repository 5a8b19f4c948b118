// Real-browser set-up for the web app tests: Debian's Chromium (installed with apt-get when
// /usr/bin/chromium is missing — never a downloaded browser), driven by playwright-core, and
// `touchpoint serve` on a free port over a temp SQLite database set up through the CLI.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_NOW } from '../../scripts/demo-clock.js';
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
  /**
   * The served clock at this moment (serveDemo: the demo's date when it started, running on;
   * serveEmpty: the real time), read as the server reads it to within its start-up.
   */
  now(): Date;
  /** `--now <the served clock now>` for a CLI step a test runs against the served database. */
  cliClock(): string[];
  stderr: () => string;
  close(): Promise<void>;
}

/** `touchpoint --db <db> [--now <clock>] …`; clock is [] for the real time. */
async function cli(db: string, clock: string[], ...args: string[]): Promise<string> {
  const r = await runCli(['--db', db, ...clock, ...args]);
  if (r.code !== 0) throw new Error(`touchpoint ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/**
 * The demo workspace (teammates, accounts, CRM end users, blocklist) without connections, served.
 * env: extra environment for `touchpoint serve` (e.g. the Google emulator's URLs); without it
 * the server has no Google OAuth client, whatever this process's environment says.
 */
/** The served API as the test's admin token: its status and JSON body. */
export async function servedApi(served: Served, method: string, url: string, body?: unknown) {
  const res = await fetch(`${served.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${served.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function serveDemo(env: Record<string, string> = {}): Promise<Served> {
  if (!existsSync(path.join(ROOT, 'web/dist/index.html')))
    throw new Error('web/dist is missing: npm test builds it first (npm run build:web)');
  const dir = mkdtempSync(path.join(tmpdir(), 'tp-web-'));
  const demo = path.join(dir, 'demo');
  cpSync(path.join(ROOT, 'examples/demo'), demo, { recursive: true });
  const db = path.join(dir, 'tp.db');
  // Built and served at the demo's date, as `npm start` does (scripts/demo-workspace.sh runs every
  // step with --now): its mail and meetings are from the weeks before, so syncs read as timely,
  // relative times as days, and the screenshots show what a user of the demo sees.
  const clock = ['--now', DEMO_NOW];
  const tp = (...args: string[]) => cli(db, clock, ...args);
  await tp('init', '--workspace', 'demo', '--internal-domain', 'ourco.com');
  await tp('teammate', 'add', '--email', 'alice@ourco.com', '--alias', 'alice.chen@ourco.com', '--name', 'Alice Chen');
  await tp('teammate', 'add', '--email', 'dan@ourco.com', '--name', 'Dan Ruiz');
  await tp('account', 'add', '--id', 'acme', '--name', 'Acme Corp');
  await tp('account', 'add', '--id', 'globex', '--name', 'Globex');
  await tp('account', 'add', '--id', 'initech', '--name', 'Initech');
  await runCli(['--db', db, ...clock, 'users', 'import', path.join(demo, 'users.csv'), '--source', 'crm:salesforce']); // two bad rows: exit 1 by design
  await tp('blocklist', 'add', 'partnerco.com');
  // Dan's mailbox is connected through the CLI; Alice's is connected in the browser.
  await tp(
    'connect',
    'folder',
    '--teammate',
    'dan@ourco.com',
    '--mail',
    path.join(demo, 'mail/dan'),
    '--authorized-at',
    '2026-03-01T00:00:00Z',
  );
  await tp('sync');
  return serve(dir, db, demo, env, DEMO_NOW);
}

/** A workspace with nothing in it but its admin token: the empty states of every page. */
export async function serveEmpty(): Promise<Served> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tp-web-empty-'));
  const db = path.join(dir, 'tp.db');
  // On the real clock: it has no mail or meetings whose dates could disagree with it.
  await cli(db, [], 'init', '--workspace', 'empty');
  return serve(dir, db, path.join(dir, 'demo'), {}, undefined);
}

/**
 * The served clock minus this process's, read from the server's own answer (x-touchpoint-now):
 * serve starts its clock before it listens, so the start-up time is not a good guess. Measured
 * against the moment the request was sent, the test's reading leads the server's by at most
 * one round trip and never trails it: mail the test dates "now" is never before what the
 * server has just called now (an authorization, say).
 */
async function servedClockOffset(url: string, token: string): Promise<number> {
  const sent = Date.now();
  const res = await fetch(`${url}/v1/workspace`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  const served = res.headers.get('x-touchpoint-now');
  if (!served) throw new Error(`touchpoint serve answered ${res.status} without x-touchpoint-now`);
  return Date.parse(served) - sent;
}

/** start: the date to create the token at and start the served clock at (it runs on); undefined for the real time. */
async function serve(dir: string, db: string, demo: string, env: Record<string, string>, start: string | undefined): Promise<Served> {
  const clock = start === undefined ? [] : ['--now', start];
  if (!existsSync(path.join(ROOT, 'web/dist/index.html')))
    throw new Error('web/dist is missing: npm test builds it first (npm run build:web)');
  const token = (await cli(db, clock, 'token', 'create', '--role', 'admin', '--name', 'web-test')).trim();
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [BIN, '--db', db, 'serve', '--port', String(port), ...clock], {
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
  const offsetMs = start === undefined ? 0 : await servedClockOffset(url, token);
  const now = () => new Date(Date.now() + offsetMs);
  return {
    dir,
    db,
    url,
    token,
    demo,
    now,
    cliClock: () => ['--now', now().toISOString()],
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

/** Chromium on a profile of its own with one page (15 s default timeout); close() also removes the profile. */
export async function openBrowser(): Promise<{ browser: BrowserContext; page: Page; close: () => Promise<void> }> {
  const profile = userDataDir();
  const browser = await launchBrowser(profile);
  const page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  return {
    browser,
    page,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in with the served token on the sign-in form and waits for the first page. */
export async function signIn(page: Page, served: Served): Promise<void> {
  await page.goto(served.url);
  await page.getByLabel('API token').fill(served.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /Sync email & calendar/ }).waitFor();
}

/** Where screenshots go: docs/screenshots with UPDATE_SCREENSHOTS=1, else a temp dir. */
export function screenshotDir(): string {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return mkdtempSync(path.join(tmpdir(), 'tp-shots-'));
  const dir = path.join(ROOT, 'docs/screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}
