// `npm start` (scripts/start.ts): builds the demo workspace on a SQLite file, serves the web
// app and the API on it at the demo's date, prints a one-time sign-in link (a single-use code
// in the URL fragment, never a token), and stops cleanly on Ctrl-C (SIGINT).
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
  code: string;
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
  const printedLink = () => /Open\s+(http:\/\/127\.0\.0\.1:\d+\/#signin=(\S+))/.exec(out);
  let m = printedLink();
  while (!m) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) throw new Error(`npm start printed no link:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
    m = printedLink();
  }
  return { child, link: new URL(m[1]!), code: decodeURIComponent(m[2]!), output: () => out };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

const workspace = (origin: string, token: string) => fetch(`${origin}/v1/workspace`, { headers: { authorization: `Bearer ${token}` } });

/** What the web app does with the link's code: trade it, once, for a session token. */
const redeem = (origin: string, code: string) =>
  fetch(`${origin}/v1/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });

describe('npm start', () => {
  let first: Started;

  it('serves the demo at its date and prints a one-time sign-in link: a single-use code in the fragment, never a token', async () => {
    const port = await freePort();
    first = await start(['--port', String(port)]);
    expect(first.link.port).toBe(String(port));
    expect(first.link.search).toBe(''); // never in the query string: that reaches the server and its logs
    expect(first.link.hash).toMatch(/^#signin=tps_/);
    expect(first.output()).not.toMatch(/tp_[A-Za-z0-9_-]{20}/); // no API token printed anywhere
    expect(first.output()).toContain("at the demo's date 2026-03-20T12:00:00Z");

    const page = await fetch(first.link); // fetch drops the fragment, as browsers do
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<div id="root">/);

    const session = await redeem(first.link.origin, first.code);
    expect(session.status).toBe(200);
    const { token, role, expiresAt } = (await session.json()) as { token: string; role: string; expiresAt: string };
    expect(role).toBe('admin');
    // The session lasts hours on the served clock, which starts at the demo's date.
    expect(Date.parse(expiresAt)).toBeLessThan(Date.parse('2026-03-22T00:00:00Z'));
    expect((await redeem(first.link.origin, first.code)).status).toBe(401); // once only

    const ws = await workspace(first.link.origin, token);
    expect(ws.status).toBe(200);
    expect(await ws.json()).toMatchObject({ slug: 'demo', internalDomains: ['ourco.com'] });
    const timeline = await fetch(`${first.link.origin}/v1/accounts/acme/timeline`, { headers: { authorization: `Bearer ${token}` } });
    expect(timeline.status).toBe(200);
    expect(JSON.stringify(await timeline.json())).toContain('renewal-1@mail.acme.com');
    // The served clock is the demo's: its not-linked cases are still there to troubleshoot.
    const why = await fetch(`${first.link.origin}/v1/explain/email?messageId=${encodeURIComponent('historic-4@mail.acme.com')}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(why.status).toBe(200);
    const explained = (await why.json()) as { outcome: string; purged?: unknown };
    expect(explained.outcome).toBe('not_linked');
    expect(explained.purged).toBeUndefined(); // not removed by the daily purge: its details are all there
  }, 200_000);

  it('stops on SIGINT with exit code 0', async () => {
    first.child.kill('SIGINT');
    expect(await exitOf(first.child)).toEqual({ code: 0, signal: null });
    await expect(fetch(first.link)).rejects.toThrow(); // nothing listens any more
  }, 60_000);

  it('refuses a --port that is in use in plain words; a second start reuses the workspace with a new link', async () => {
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
    expect(second.code).not.toBe(first.code);
    expect((await redeem(second.link.origin, first.code)).status).toBe(401); // used by the first start
    expect((await redeem(second.link.origin, second.code)).status).toBe(200);
    second.child.kill('SIGINT');
    expect((await exitOf(second.child)).code).toBe(0);
  }, 200_000);
});
