// Push: `touchpoint watch` IDLEs on INBOX (RFC 2177) and links new mail within seconds,
// long before its poll (the workspace's 5-minute interval) would; it reconnects after the
// server restarts, and stops cleanly on SIGTERM. The IDLE watchdog is tested in-process by
// freezing Dovecot's session processes (a server that stops answering without closing).
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readImapConfig } from '../../src/providers/imap/config.js';
import { ImapMailSource } from '../../src/providers/imap/imap-mail-source.js';
import { BIN, eml, Workspace } from '../support/cli.js';
import { connectImap, deliver, eventually, imapSessionPids, startMailServer, TEST_SECRET_KEY, type Dovecot } from '../support/imap.js';
import { TEST_OUTBOUND } from '../support/config.js';

// Each step spawns the CLI or a server; on a loaded 2-core machine a test can take minutes.
vi.setConfig({ testTimeout: 240_000 });

let d: Dovecot;
const w = new Workspace(new Date().toISOString(), 'tp-imap-push-');
let watcher: ChildProcess;
const events: Record<string, unknown>[] = [];
const AUTH = new Date(Date.now() - 3_600_000).toISOString();

const customerMail = (id: string) => ({
  raw: eml({ from: 'john@acme.com', to: 'alice@ourco.com', date: new Date().toISOString(), messageId: id, body: 'pushed' }),
  at: new Date(),
});

function linkedAt(id: string): boolean {
  const db = new Database(w.db, { readonly: true, fileMustExist: true });
  try {
    const r = db.prepare('SELECT outcome FROM emails WHERE message_id = ?').get(id) as { outcome: string } | undefined;
    return r?.outcome === 'linked';
  } finally {
    db.close();
  }
}

const idleCount = () => events.filter((e) => e.event === 'push' && e.state === 'idle').length;

beforeAll(async () => {
  d = await startMailServer({ users: { alice: 'pw-alice' } });
  w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
  w.env.ALICE_PW = 'pw-alice';
  await w.init();
  await w.teammate('alice@ourco.com');
  await w.account('acme');
  await w.ok(['user', 'add', '--account', 'acme', '--email', 'john@acme.com']);
  await connectImap(w, d, { teammate: 'alice@ourco.com', user: 'alice', passwordEnv: 'ALICE_PW', authorizedAt: AUTH });
  // The real clock (no --now), the workspace's own 5-minute poll.
  watcher = spawn(process.execPath, [BIN, '--db', w.db, 'watch', '--json'], {
    cwd: w.dir,
    env: { ...process.env, ...w.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: watcher.stdout! }).on('line', (l) => events.push(JSON.parse(l) as Record<string, unknown>));
  watcher.stderr!.on('data', (b) => events.push({ event: 'stderr', text: String(b) }));
  await eventually(async () => idleCount() >= 1, 30_000);
  // Let the start-up syncs finish, so the next sync is one that push asked for.
  await eventually(async () => events.some((e) => e.event === 'synced' && e.trigger === 'start'), 30_000);
  await new Promise((r) => setTimeout(r, 1_000));
  // A fresh machine installs Dovecot first (apt-get), which can take a while.
}, 300_000);

type Synced = { event: 'synced'; trigger: string; reports: { mail: { linked: number } }[] };
const linkingSync = () =>
  events.find((e) => e.event === 'synced' && (e as Synced).reports.some((r) => r.mail.linked > 0)) as Synced | undefined;

afterAll(async () => {
  if (watcher && watcher.exitCode === null) watcher.kill('SIGKILL');
  await d?.stop();
  w.cleanup();
});

describe('touchpoint watch (IMAP IDLE)', () => {
  it('links new mail by push, not by the 5-minute poll', async () => {
    await deliver(d, 'alice', 'pw-alice', [customerMail('pushed-1@acme.com')]);
    // The evidence is the sync's trigger, not a stopwatch; the wait is only a hang guard,
    // far shorter than the 5-minute poll, so a poll cannot be what linked it.
    await eventually(async () => linkedAt('pushed-1@acme.com'), 60_000);
    expect((await eventually(async () => linkingSync(), 5_000)).trigger).toBe('push');
    expect(events.some((e) => e.event === 'synced' && e.trigger === 'poll')).toBe(false);
  });

  it('sees a directory change made by another process (its cached directory is reloaded)', async () => {
    await w.ok(['user', 'add', '--account', 'acme', '--email', 'newbie@acme.com'], { now: new Date().toISOString() });
    await deliver(d, 'alice', 'pw-alice', [
      {
        ...customerMail('from-newbie@acme.com'),
        raw: eml({ from: 'newbie@acme.com', to: 'alice@ourco.com', date: new Date().toISOString(), messageId: 'from-newbie@acme.com' }),
      },
    ]);
    await eventually(async () => linkedAt('from-newbie@acme.com'), 10_000);
  });

  it('reconnects after the server restarts and keeps pushing', async () => {
    const before = idleCount();
    await d.restart();
    await eventually(async () => idleCount() > before, 30_000);
    expect(events.some((e) => e.event === 'push' && e.state === 'reconnecting')).toBe(true);
    await deliver(d, 'alice', 'pw-alice', [customerMail('pushed-2@acme.com')]);
    await eventually(async () => linkedAt('pushed-2@acme.com'), 10_000);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => watcher.once('exit', (code) => r(code)));
    watcher.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 10_000))]);
    expect(code).toBe(0);
    expect(events[events.length - 1]).toMatchObject({ event: 'stopped' });
    expect(events.filter((e) => e.event === 'stderr')).toEqual([]);
    expect(JSON.stringify(events)).not.toContain('pw-alice'); // the password never shows
  });
});

describe('IDLE watchdog', () => {
  it('drops an IDLE the server stopped answering and reconnects', async () => {
    const src = new ImapMailSource({
      config: readImapConfig({ host: d.host, port: d.port, security: 'plain', user: 'alice', auth: 'password' }),
      secret: 'pw-alice',
      authorizedAt: new Date(AUTH),
      outbound: TEST_OUTBOUND,
      idle: { probeMs: 300, deadlineMs: 500, backoff: { baseMs: 100, capMs: 500 } },
    });
    const states: string[] = [];
    let changes = 0;
    const ac = new AbortController();
    const watching = src.watch(
      () => changes++,
      ac.signal,
      (s) => states.push(s),
    );
    await eventually(async () => states.includes('idle'), 10_000);
    // Freeze the session's server process: the TCP connection stays open, nothing answers.
    const frozen = imapSessionPids(d);
    expect(frozen.length).toBeGreaterThan(0);
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    try {
      await eventually(async () => states.filter((s) => s === 'idle').length >= 2, 10_000);
      expect(states).toContain('reconnecting');
    } finally {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
    }
    const seen = changes;
    await deliver(d, 'alice', 'pw-alice', [customerMail('after-watchdog@acme.com')]);
    await eventually(async () => changes > seen, 10_000);
    ac.abort();
    await watching;
  });
});
