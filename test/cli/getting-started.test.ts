// Issue 20, "getting there", through the real binary: a newcomer is told the exact commands
// (token create before init; serve on an empty database), and running them as printed signs
// a browser in; `serve --now` serves a database at its own date, so sign-in links, sessions
// and the daily purge all count from it (the demo keeps its troubleshooting cases).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../src/api/web-static.js';
import { BIN, expectUserError, ROOT, runCli, Workspace } from '../support/cli.js';
import { writeMailbox } from '../support/mailbox.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'tp-newcomer-'));
  dirs.push(d);
  return d;
}

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

interface Serving {
  url: string;
  said: string;
  stop(): Promise<number | string | null>;
}

/** `touchpoint --db <db> serve …args` until it has said how to sign in (one write, after "web app at"). */
async function serve(db: string, args: string[] = []): Promise<Serving> {
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) throw new Error('web/dist is missing: npm test builds it first (npm run build:web)');
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, '--db', db, 'serve', '--port', String(port), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', TOUCHPOINT_LOG_LEVEL: 'warn', TOUCHPOINT_PUBLIC_URL: '', TOUCHPOINT_DB: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  // The exit code, or the signal that ended it (never expected: serve stops cleanly on SIGTERM).
  const exited = new Promise<number | string | null>((r) => child.once('exit', (code, signal) => r(code ?? signal)));
  await new Promise<void>((resolve, reject) => {
    const check = () => (/web app at .*\n/.test(err) ? resolve() : child.exitCode !== null ? reject(new Error(err)) : undefined);
    child.stderr!.on('data', check);
    child.once('exit', () => reject(new Error(`serve exited: ${err}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    said: err,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A command as printed, run as is (its first word is this checkout's bin/touchpoint). */
function runPrinted(command: string, cwd: string) {
  const [bin, ...args] = command.trim().split(/\s+/);
  expect(bin === 'touchpoint' || bin!.endsWith(path.join('bin', 'touchpoint')), command).toBe(true);
  return runCli(args, cwd);
}

const redeem = (url: string, code: string) =>
  fetch(`${url}/v1/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
const workspaceOf = async (url: string, token: string) =>
  (await fetch(`${url}/v1/workspace`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<{ slug: string }>;

describe('a newcomer', () => {
  it('running token create before init on the default database is told the exact command; it works, then token create does', async () => {
    const cwd = tempDir();
    const first = await runCli(['token', 'create', '--role', 'admin', '--name', 'me'], cwd);
    const line = expectUserError(first, /^touchpoint: no workspace in \.\/data\/touchpoint\.db yet: create one first with "([^"]+)"/);
    const command = /"([^"]+)"/.exec(line)![1]!;
    expect(command).toMatch(/ init --workspace cs-team --internal-domain ourco\.com$/);
    expect(command).not.toContain('--db'); // the default database: nothing to add
    expect((await runPrinted(command, cwd)).code).toBe(0);
    const again = await runCli(['token', 'create', '--role', 'admin', '--name', 'me'], cwd);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toMatch(/^tp_/);
  });

  it('serve on an empty database prints the exact commands; run as printed, they sign a browser in', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'new.db');
    const s = await serve(db);
    try {
      expect(s.said).toContain(`web app at ${s.url}/, but ${db} has no workspace yet, so nobody can sign in`);
      expect(s.said).toContain('Or try the demo instead: npm start');
      const init = /1\. (.+?) {3}\(/.exec(s.said)?.[1];
      const link = /2\. (.+?) {3}\(/.exec(s.said)?.[1];
      const token = /or (.+? token create .+?) {3}\(/.exec(s.said)?.[1];
      expect([init, link, token].every(Boolean), s.said).toBe(true);
      expect(link).toContain(`sign-in-link --url ${s.url}`);

      expect((await runPrinted(init!, dir)).code).toBe(0);
      const made = await runPrinted(link!, dir);
      expect(made.code, made.stderr).toBe(0);
      expect(made.stderr).toMatch(/one-time sign-in link for workspace cs-team \(admin\)/);
      const url = new URL(made.stdout.trim());
      expect(url.origin).toBe(s.url);
      expect(url.search).toBe('');
      const code = /^#signin=(tps_\S+)$/.exec(url.hash)?.[1];
      const session = await redeem(s.url, code!);
      expect(session.status).toBe(200);
      expect(await workspaceOf(s.url, ((await session.json()) as { token: string }).token)).toMatchObject({ slug: 'cs-team' });
      expect((await redeem(s.url, code!)).status).toBe(401); // once

      const printed = await runPrinted(token!, dir);
      expect(printed.code, printed.stderr).toBe(0);
      expect(await workspaceOf(s.url, printed.stdout.trim())).toMatchObject({ slug: 'cs-team' });
    } finally {
      expect(await s.stop()).toBe(0);
    }
    // Now with a workspace and a token: serve says where to sign in, in one line.
    const again = await serve(db);
    expect(again.said).toMatch(/web app at .*\/ \(sign in with an API token; a new one: .* token create --role admin --name me\)/);
    expect(await again.stop()).toBe(0);
  });

  it('a link made for csm, a bad duration, and a link past its minutes', async () => {
    const w = new Workspace('2026-03-20T12:00:00Z', 'tp-newcomer-');
    dirs.push(w.dir);
    await w.init();
    const csm = await w.json(['sign-in-link', '--role', 'csm', '--expires', '5m', '--url', 'https://tp.example.com/']);
    expect(csm).toMatchObject({ role: 'csm', expiresAt: '2026-03-20T12:05:00.000Z', sessionMinutes: 720 });
    expect(csm.url).toMatch(/^https:\/\/tp\.example\.com\/#signin=tps_/);
    expectUserError(await w.run(['sign-in-link', '--expires', '3d']), /--expires: "3d" is too long: at most 24 hours/);
    // Made at 12:00 for 5 minutes, served from 12:10: refused in words.
    const s = await serve(w.db, ['--now', '2026-03-20T12:10:00Z']);
    try {
      const refused = await redeem(s.url, new URL(csm.url).hash.slice('#signin='.length));
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { message: string }).message).toMatch(/^this sign-in link has expired/);
    } finally {
      await s.stop();
    }
  });
});

describe('serve --now', () => {
  const w = new Workspace('2026-03-20T12:00:00Z', 'tp-served-clock-');
  dirs.push(w.dir);

  // A workspace whose mailbox holds one mail from a stranger: seen, not linked, on 2026-03-20.
  beforeAll(async () => {
    await w.init();
    await w.teammate('alice@ourco.com');
    writeMailbox(w.path('mail'), [
      { id: 'stranger-1@elsewhere.example', from: 'zed@elsewhere.example', to: 'alice@ourco.com', subject: 'Hi' },
    ]);
    await w.connect('alice@ourco.com', { mail: 'mail' }, '2026-03-01T00:00:00Z');
    await w.sync();
  });
  const purged = async () => (await w.explainEmail('stranger-1@elsewhere.example')) as unknown as { outcome: string; purged?: unknown };

  it('serves at that date: its sign-in link and session count from it, and the daily purge keeps the mail', async () => {
    const s = await serve(w.db, ['--now', '2026-03-20T12:30:00Z', '--sign-in-link']);
    try {
      expect(s.said).toContain('the clock starts at 2026-03-20T12:30:00.000Z (--now)');
      const m = /sign in: open (\S+)\s+\(one browser, once, until (\S+);/.exec(s.said);
      // Fifteen minutes after the served clock's now (which has run on for the moments serve took to start).
      expect(m![2]! >= '2026-03-20T12:45:00.000Z' && m![2]! < '2026-03-20T12:50:00.000Z', m![2]).toBe(true);
      const session = (await (await redeem(s.url, new URL(m![1]!).hash.slice('#signin='.length))).json()) as { expiresAt: string };
      // Twelve hours after the served clock's now (which has run on for a moment), not after the real date.
      expect(session.expiresAt >= '2026-03-21T00:30:00.000Z' && session.expiresAt < '2026-03-21T01:00:00.000Z', session.expiresAt).toBe(
        true,
      );
    } finally {
      // SIGTERM waits for the scheduler's running tick: the first one, with the day's purge, is done.
      expect(await s.stop()).toBe(0);
    }
    expect(await purged()).toMatchObject({ outcome: 'not_linked' });
    expect((await purged()).purged).toBeUndefined();
  });

  it('served 42 days later, the same daily purge removes it (the purge follows the served clock)', async () => {
    const s = await serve(w.db, ['--now', '2026-05-01T12:00:00Z']);
    expect(await s.stop()).toBe(0);
    expect((await purged()).purged).toMatchObject({ retentionDays: 30 });
  });
});
