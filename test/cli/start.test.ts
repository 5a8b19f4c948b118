// `npm start` (scripts/start.ts): builds the demo workspace on a SQLite file, serves the web
// app and the API on it, prints a sign-in link with a fresh admin token in the URL fragment,
// and stops cleanly on Ctrl-C (SIGINT). A second start revokes the first start's token.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tp-start-'));
const db = path.join(dir, 'start.db');
const running: ChildProcess[] = [];

afterAll(() => {
  for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  link: URL;
  token: string;
  output: () => string;
}

/** Runs the start script as `npm start` does and waits for the printed sign-in link. */
async function start(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--db', db, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', TOUCHPOINT_PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 150_000;
  const printedLink = () => /Open\s+(http:\/\/127\.0\.0\.1:\d+\/#token=(\S+))/.exec(out);
  let m = printedLink();
  while (!m) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) throw new Error(`npm start printed no link:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
    m = printedLink();
  }
  return { child, link: new URL(m[1]!), token: decodeURIComponent(m[2]!), output: () => out };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

const workspace = (origin: string, token: string) => fetch(`${origin}/v1/workspace`, { headers: { authorization: `Bearer ${token}` } });

describe('npm start', () => {
  let first: Started;

  it('serves the web app on the demo workspace and prints a sign-in link with the token in the fragment', async () => {
    const port = await freePort();
    first = await start(['--port', String(port)]);
    expect(first.link.port).toBe(String(port));
    expect(first.link.search).toBe(''); // never in the query string: that reaches the server and its logs
    expect(first.link.hash).toMatch(/^#token=tp_/);

    const page = await fetch(first.link); // fetch drops the fragment, as browsers do
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<div id="root">/);

    const ws = await workspace(first.link.origin, first.token);
    expect(ws.status).toBe(200);
    expect(await ws.json()).toMatchObject({ slug: 'demo', internalDomains: ['ourco.com'] });
    const timeline = await fetch(`${first.link.origin}/v1/accounts/acme/timeline`, { headers: { authorization: `Bearer ${first.token}` } });
    expect(timeline.status).toBe(200);
    expect(JSON.stringify(await timeline.json())).toContain('renewal-1@mail.acme.com');
  }, 200_000);

  it('stops on SIGINT with exit code 0', async () => {
    first.child.kill('SIGINT');
    expect(await exitOf(first.child)).toEqual({ code: 0, signal: null });
    await expect(fetch(first.link)).rejects.toThrow(); // nothing listens any more
  }, 60_000);

  it('refuses a --port that is in use in plain words; a second start reuses the workspace and revokes the first start token', async () => {
    const busy: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      busy.listen(0, '127.0.0.1', () => resolve((busy.address() as { port: number }).port)),
    );
    try {
      const refused = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--db', db, '--port', String(port)], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      running.push(refused);
      let err = '';
      refused.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
      });
      expect((await exitOf(refused)).code).toBe(1);
      expect(err).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      busy.close();
    }

    const second = await start(['--port', String(await freePort())]);
    expect(second.output()).toContain('Using the workspace in');
    expect(second.token).not.toBe(first.token);
    expect((await workspace(second.link.origin, second.token)).status).toBe(200);
    expect((await workspace(second.link.origin, first.token)).status).toBe(401);
    second.child.kill('SIGINT');
    expect((await exitOf(second.child)).code).toBe(0);
  }, 200_000);
});
