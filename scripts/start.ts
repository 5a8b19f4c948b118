// `npm start`: the product on the embedded SQLite default, in the browser. It builds the web
// app when web/ changed since the last build, builds the demo workspace (scripts/demo-workspace.sh)
// the first time, runs `touchpoint serve` on it at the demo's date (--now: the daily purge then
// keeps the demo's troubleshooting cases) and prints the one-time sign-in link serve makes
// (--sign-in-link): a short-lived, single-use code in the URL fragment (#signin=…, never sent
// to the server in a request line), which the web app trades once for a session token and
// removes from the address bar. No long-lived token is ever in a URL.
// Ctrl-C stops the service cleanly (running syncs finish) and exits 0.
//
//   npm start [-- --port <n>] [--db <file>] [--fresh]
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_NOW } from './demo-clock.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'touchpoint');
const HOST = '127.0.0.1';
const DEFAULT_PORT = 8080;

const USAGE = `usage: npm start [-- --port <n>] [--db <file>] [--fresh]
  --port <n>     port for the web app and API (default 8080, or $TOUCHPOINT_PORT; if 8080 is taken, a free one)
  --db <file>    SQLite file to serve (default data/start.db; the demo workspace is built there when it does not exist)
  --fresh        delete that file first and build the demo workspace again`;

class StartError extends Error {}

function options(): { port: number | undefined; db: string; fresh: boolean } {
  let values: { port?: string; db?: string; fresh?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { port: { type: 'string' }, db: { type: 'string' }, fresh: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    throw new StartError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const rawPort = values.port ?? process.env.TOUCHPOINT_PORT;
  let port: number | undefined;
  if (rawPort !== undefined && rawPort !== '') {
    port = Number(rawPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StartError(`--port: "${rawPort}" is not a port number (1–65535)`);
  }
  if (values.db && /^postgres(ql)?:/i.test(values.db))
    throw new StartError(
      '--db: npm start runs on a SQLite file; on PostgreSQL run "touchpoint --db postgres://… serve" (docs/operations.md)',
    );
  return { port, db: path.resolve(values.db ?? path.join(ROOT, 'data', 'start.db')), fresh: values.fresh ?? false };
}

/** Runs a command to completion; its output is shown only if it fails (or always, with `show`). */
function run(cmd: string, args: string[], what: string, show = false, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('error', (e) => reject(new StartError(`${what}: ${e.message}`)));
    child.once('close', (code) => {
      if (show) process.stderr.write(err);
      if (code === 0) return resolve(out);
      reject(new StartError(`${what} failed (exit ${code}):\n${out}${err}`.trimEnd()));
    });
  });
}

/** A path as the user would type it: relative when under the current directory. */
function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

function newestMtime(p: string): number {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const name of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

/** Builds web/dist unless it is newer than every source of the web app. */
async function buildWebApp(): Promise<void> {
  const built = path.join(ROOT, 'web', 'dist', 'index.html');
  const sources = ['src', 'index.html', 'vite.config.ts', 'tsconfig.json'].map((p) => path.join(ROOT, 'web', p)).filter(existsSync);
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newestMtime))) return;
  process.stderr.write('Building the web app (npm run build:web)…\n');
  await run('npm', ['run', '--silent', 'build:web'], 'npm run build:web');
}

/** Where the demo's folder mailboxes and calendars are copied: data/start.db → data/start-mail/. */
const demoMailDir = (db: string) => path.join(path.dirname(db), `${path.basename(db, path.extname(db))}-mail`);

async function buildDemoWorkspace(db: string, fresh: boolean): Promise<void> {
  if (existsSync(db) && !fresh) {
    process.stderr.write(`Using the workspace in ${shown(db)} (npm start -- --fresh builds the demo again).\n`);
    return;
  }
  // The mailboxes are a copy next to the database, so files dropped into them (to see Sync
  // now bring them in) never change examples/demo.
  const mail = demoMailDir(db);
  process.stderr.write(`Building the demo workspace in ${shown(db)}, its mailboxes in ${shown(mail)}…\n`);
  rmSync(mail, { recursive: true, force: true });
  cpSync(path.join(ROOT, 'examples', 'demo'), mail, { recursive: true });
  await run('bash', [path.join(ROOT, 'scripts', 'demo-workspace.sh'), db], 'building the demo workspace', false, {
    DEMO_DIR: mail,
    DEMO_NOW,
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, HOST, () => s.close(() => resolve(true)));
  });
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The port asked for must be free; without one, 8080, or any free port if 8080 is taken. */
async function choosePort(asked: number | undefined): Promise<number> {
  if (asked !== undefined) {
    if (await portFree(asked)) return asked;
    throw new StartError(
      `port ${asked} on ${HOST} is already in use (another "npm start" or "touchpoint serve"?). Stop it, or pick another: npm start -- --port <n>`,
    );
  }
  if (await portFree(DEFAULT_PORT)) return DEFAULT_PORT;
  const port = await anyFreePort();
  process.stderr.write(`Port ${DEFAULT_PORT} is in use; using port ${port} instead (npm start -- --port <n> picks one).\n`);
  return port;
}

async function serve(db: string, port: number, clock: string[]): Promise<number> {
  // Its own process group: Ctrl-C reaches only this script, which asks the service to stop
  // once (a second SIGINT would make `serve` exit at once instead of finishing its syncs).
  const args = [BIN, '--db', db, 'serve', '--port', String(port), '--host', HOST, '--sign-in-link', ...clock];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      TOUCHPOINT_LOG_LEVEL: process.env.TOUCHPOINT_LOG_LEVEL ?? 'warn',
      // The browser sign-ins (Connect Google / Microsoft) send the browser back to this address only.
      TOUCHPOINT_PUBLIC_URL: process.env.TOUCHPOINT_PUBLIC_URL ?? `http://${HOST}:${port}`,
      // A local setup: mail and calendar servers for trying things out (Dovecot, Radicale) listen on loopback.
      TOUCHPOINT_OUTBOUND_ALLOW: process.env.TOUCHPOINT_OUTBOUND_ALLOW ?? '127.0.0.1/32,::1/128,localhost',
    },
    stdio: ['ignore', 'inherit', 'pipe'],
    detached: true,
  });
  process.once('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nStopping Touchpoint…\n');
    child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));

  let ready = false;
  let early = '';
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    if (ready) return void process.stderr.write(text);
    early += text;
    // serve writes its sign-in lines at once after "web app at" (or one line: the app is not built).
    const link = /sign in: open (\S+)\s+\(one browser, once, until (\S+);/.exec(early);
    if (!link && !/web app is not built|has no workspace/.test(early)) return;
    ready = true;
    const url = `http://${HOST}:${port}`;
    process.stdout.write(
      [
        '',
        `Touchpoint is running on ${shown(db)}${clock.length ? `, at the demo's date ${clock[1]} (the clock runs on from there)` : ''}.`,
        '',
        link ? `  Open  ${link[1]}` : early.trim(),
        '',
        ...(link ? [`  That link signs one browser tab in as an admin, once, until ${link[2]}; npm start again makes a new one.`] : []),
        `  API docs: ${url}/docs. The text walkthrough of the same demo: npm run demo.`,
        '',
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  });
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      if (!ready) process.stderr.write(early);
      if (!stopping) process.stderr.write(`touchpoint serve stopped by itself (${signal ?? `exit ${code}`}).\n`);
      resolve(code ?? 1);
    });
  });
}

async function main(): Promise<void> {
  const o = options();
  await buildWebApp();
  // The demo is served at its own date; a database of your own (--db, already there) at the real time.
  const demo = o.fresh || !existsSync(o.db) || o.db === path.join(ROOT, 'data', 'start.db');
  await buildDemoWorkspace(o.db, o.fresh);
  const port = await choosePort(o.port);
  process.exitCode = await serve(o.db, port, demo ? ['--now', DEMO_NOW] : []);
}

main().catch((err: unknown) => {
  process.stderr.write(`npm start: ${err instanceof StartError ? err.message : ((err as Error).stack ?? String(err))}\n`);
  process.exitCode = 1;
});
