// `npm start`: the product on the embedded SQLite default, in the browser. It builds the web
// app when web/ changed since the last build, builds the demo workspace (scripts/demo-workspace.sh)
// the first time, creates an admin token for this start (revoking the previous start's), runs
// `touchpoint serve` and prints a sign-in link that carries the token in the URL fragment
// (#token=…): browsers never send a fragment to the server, so the token stays out of request
// lines and logs, and the web app removes it from the address bar once it has read it.
// Ctrl-C stops the service cleanly (running syncs finish) and exits 0.
//
//   npm start [-- --port <n>] [--db <file>] [--fresh]
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'touchpoint');
const HOST = '127.0.0.1';
const DEFAULT_PORT = 8080;
/** The name of the token each start creates; the next start revokes the live ones of that name. */
const TOKEN_NAME = 'npm start';

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

const touchpoint = (db: string, ...args: string[]) => run(process.execPath, [BIN, '--db', db, ...args], `touchpoint ${args[0]}`);

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
  await run('bash', [path.join(ROOT, 'scripts', 'demo-workspace.sh'), db], 'building the demo workspace', false, { DEMO_DIR: mail });
}

/** Revokes the tokens earlier starts created, then creates this start's admin token. */
async function freshToken(db: string): Promise<string> {
  const tokens = JSON.parse(await touchpoint(db, 'token', 'list', '--json')) as { id: string; name: string; revokedAt: string | null }[];
  for (const t of tokens) if (t.name === TOKEN_NAME && !t.revokedAt) await touchpoint(db, 'token', 'revoke', t.id);
  const created = JSON.parse(await touchpoint(db, 'token', 'create', '--role', 'admin', '--name', TOKEN_NAME, '--json')) as {
    token: string;
  };
  return created.token;
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

async function serve(db: string, port: number, token: string): Promise<number> {
  // Its own process group: Ctrl-C reaches only this script, which asks the service to stop
  // once (a second SIGINT would make `serve` exit at once instead of finishing its syncs).
  const child: ChildProcess = spawn(process.execPath, [BIN, '--db', db, 'serve', '--port', String(port), '--host', HOST], {
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
    if (!/web app (at|is not built)/.test(early)) return;
    ready = true;
    const url = `http://${HOST}:${port}`;
    process.stdout.write(
      [
        '',
        `Touchpoint is running on ${shown(db)}.`,
        '',
        `  Open  ${url}/#token=${token}`,
        '',
        '  That link signs this browser tab in as an admin; the next "npm start" revokes it.',
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
  await buildDemoWorkspace(o.db, o.fresh);
  const token = await freshToken(o.db);
  const port = await choosePort(o.port);
  process.exitCode = await serve(o.db, port, token);
}

main().catch((err: unknown) => {
  process.stderr.write(`npm start: ${err instanceof StartError ? err.message : ((err as Error).stack ?? String(err))}\n`);
  process.exitCode = 1;
});
