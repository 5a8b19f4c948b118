// End-to-end helpers: run the real CLI (bin/touchpoint) as a child process against a
// fresh temp dir + SQLite file, and build scenario folders of .eml / .ics files there (the
// files themselves: scenario-files.ts, re-exported here so a test imports one module).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { TEST_OUTBOUND_ALLOW } from './config.js';

export { eml, ics } from './scenario-files.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'bin', 'touchpoint');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  args: string[];
}

function cliEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  // The test servers (Dovecot, Radicale, emulators) listen on loopback: allowed as testConfig() does.
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', TOUCHPOINT_OUTBOUND_ALLOW: TEST_OUTBOUND_ALLOW };
  delete env.TOUCHPOINT_DB;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs the CLI once; never rejects — the exit code is in the result. `env`: variables added for this child only. */
export function runCli(args: string[], cwd: string = ROOT, env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: cliEnv(env), maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), args });
      },
    );
  });
}

function describe(r: CliResult): string {
  return `touchpoint ${r.args.join(' ')}\n  exit ${r.code}\n  stdout: ${r.stdout.slice(0, 2000)}\n  stderr: ${r.stderr.slice(0, 2000)}`;
}

/** A user mistake: non-zero exit, exactly one stderr line "touchpoint: …", no stack trace. */
export function expectUserError(r: CliResult, message?: RegExp): string {
  expect(r.code, describe(r)).not.toBe(0);
  expect(r.stderr, describe(r)).not.toContain('    at ');
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines, describe(r)).toHaveLength(1);
  expect(lines[0], describe(r)).toMatch(/^touchpoint: \S/);
  // A user mistake, not a crash: exit 70 and "unexpected error" are for bugs.
  expect(lines[0], describe(r)).not.toMatch(/unexpected error/);
  expect(r.code, describe(r)).not.toBe(70);
  if (message) expect(lines[0], describe(r)).toMatch(message);
  return lines[0]!;
}

/** One workspace under test: a temp dir, its SQLite file and a default clock. */
export class Workspace {
  readonly dir: string;
  readonly db: string;
  /** The default --now for every call; tests move it to let time pass. */
  now: string;
  /**
   * Variables for this workspace's CLI children only (the settings and the --…-env secrets
   * a test configures them with): set here, never in the test process's own environment.
   * The outbound allow-list lets the children reach the test servers on loopback.
   */
  readonly env: Record<string, string | undefined> = { TOUCHPOINT_OUTBOUND_ALLOW: TEST_OUTBOUND_ALLOW };

  constructor(now: string, prefix = 'touchpoint-e2e-') {
    this.dir = mkdtempSync(path.join(tmpdir(), prefix));
    this.db = path.join(this.dir, 'touchpoint.db');
    this.now = now;
  }

  /** Runs `touchpoint --db <db> --now <now> …args`; `now: null` leaves --now out. */
  run(args: string[], opts: { now?: string | null } = {}): Promise<CliResult> {
    const now = opts.now === undefined ? this.now : opts.now;
    return runCli(['--db', this.db, ...(now === null ? [] : ['--now', now]), ...args], this.dir, this.env);
  }

  /** Runs and asserts exit 0; returns stdout. */
  async ok(args: string[], opts: { now?: string } = {}): Promise<string> {
    const r = await this.run(args, opts);
    expect(r.code, describe(r)).toBe(0);
    expect(r.stderr, describe(r)).not.toContain('    at ');
    return r.stdout;
  }

  /** Runs with --json, asserts exit 0 and that stdout is exactly one JSON document. */
  // biome-ignore lint/suspicious/noExplicitAny: each test names the JSON shape it reads, or reads it loosely
  async json<T = any>(args: string[], opts: { now?: string } = {}): Promise<T> {
    const r = await this.run([...args, '--json'], opts);
    expect(r.code, describe(r)).toBe(0);
    let doc: T;
    try {
      doc = JSON.parse(r.stdout) as T;
    } catch (err) {
      throw new Error(`stdout is not exactly one JSON document (${(err as Error).message})\n${describe(r)}`);
    }
    return doc;
  }

  /** Writes a file under the workspace dir (parents created); returns its absolute path. */
  write(rel: string, content: string | Buffer, mtime?: Date): string {
    const abs = path.join(this.dir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
    if (mtime) utimesSync(abs, mtime, mtime);
    return abs;
  }

  remove(rel: string): void {
    rmSync(path.join(this.dir, rel), { recursive: true, force: true });
  }

  path(rel: string): string {
    return path.join(this.dir, rel);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  // ------------------------------------------------------------- common set-up steps

  async init(slug = 'cs-team', internalDomains: string[] = ['ourco.com']): Promise<void> {
    await this.ok(['init', '--workspace', slug, ...internalDomains.flatMap((d) => ['--internal-domain', d])]);
  }

  async teammate(email: string, aliases: string[] = []): Promise<void> {
    await this.ok(['teammate', 'add', '--email', email, ...aliases.flatMap((a) => ['--alias', a])]);
  }

  async account(id: string, name = id): Promise<void> {
    await this.ok(['account', 'add', '--id', id, '--name', name]);
  }

  /** Imports end users from CSV text with one CLI call (account_id,email,name,external_id). */
  async users(csv: string, source = 'csv'): Promise<ImportReport> {
    const file = this.write(`csv/${Math.random().toString(36).slice(2)}.csv`, csv);
    return this.json<ImportReport>(['users', 'import', file, '--source', source]);
  }

  /** Connects a folder; returns the connection id printed by the CLI. */
  async connect(teammate: string, dirs: { mail?: string; calendar?: string }, authorizedAt: string): Promise<string> {
    const out = await this.ok([
      'connect',
      'folder',
      '--teammate',
      teammate,
      ...(dirs.mail ? ['--mail', this.path(dirs.mail)] : []),
      ...(dirs.calendar ? ['--calendar', this.path(dirs.calendar)] : []),
      '--authorized-at',
      authorizedAt,
    ]);
    const id = /connection (\S+)/.exec(out)?.[1];
    expect(id, out).toBeTruthy();
    return id!;
  }

  sync(opts: { now?: string } = {}): Promise<SyncJson> {
    return this.json<SyncJson>(['sync'], opts);
  }

  /** limit: more than the default page (50) when a test reads a whole account. */
  timeline(account: string, opts: { now?: string; limit?: number } = {}): Promise<TimelineJson> {
    const { limit, ...rest } = opts;
    return this.json<TimelineJson>(['timeline', account, ...(limit ? ['--limit', String(limit)] : [])], rest);
  }

  explainEmail(messageId: string, opts: { now?: string } = {}): Promise<ExplanationJson> {
    return this.json<ExplanationJson>(['explain', 'email', messageId], opts);
  }

  explainMeeting(uid: string, occurrence?: string, opts: { now?: string } = {}): Promise<ExplanationJson> {
    return this.json<ExplanationJson>(['explain', 'meeting', uid, ...(occurrence ? ['--occurrence', occurrence] : [])], opts);
  }

  status(opts: { now?: string } = {}): Promise<StatusJson> {
    return this.json<StatusJson>(['status'], opts);
  }
}

// ------------------------------------------------------------------ JSON shapes (loose)

export interface Via {
  email: string;
  endUserId: string;
  source: string;
  externalId?: string;
  field: string;
  partstat?: string;
}
export interface CheckJson {
  rule: string;
  status: 'pass' | 'fail' | 'n/a';
  code: string;
  detail: string;
}
export interface HintJson {
  kind: string;
  participant: string;
  endUserEmail: string;
  accountId: string;
  detail: string;
}
export interface ExplanationJson {
  kind: 'email' | 'meeting';
  outcome: 'linked' | 'not_linked' | 'upcoming' | 'unknown';
  ref: string;
  accounts: { id: string; via: Via[] }[];
  checks: CheckJson[];
  remedies: string[];
  remedyCodes: string[];
  hints: HintJson[];
  searched?: {
    id: string;
    teammate: string;
    provider: string;
    status: string;
    authorizedAt: string;
    lastSyncAt: string | null;
    nextSyncAt: string | null;
  }[];
  occurrence?: string;
  occurrences?: { start: string; outcome: string }[];
}
export interface TimelineItemJson {
  kind: 'email' | 'meeting';
  messageId?: string | null;
  uid?: string;
  occurrence?: string;
  at: string;
  subject?: string;
  title?: string;
  via: Via[];
}
export interface TimelineJson {
  account: { id: string; name: string };
  items: TimelineItemJson[];
}
export interface LinkChange {
  kind: 'email' | 'meeting';
  id: string;
  ref: string;
  accountId: string;
}
export interface ChangeJson {
  linked: LinkChange[];
  unlinked: LinkChange[];
  unavailable: number;
  warning?: string;
  audit: { at: string; actor: string; action: string; target: string };
}
export interface ImportReport extends ChangeJson {
  source: string;
  rows: { line: number; email?: string; accountId?: string; outcome: string; reason?: string }[];
  counts: Record<string, number>;
}
export interface SyncJson {
  connections: {
    connectionId: string;
    teammate: string;
    status: string;
    mail: { seen: number; linked: number; notLinked: number };
    calendar: { linked: number; notLinked: number; upcoming: number };
    errors: { where: string; reason: string }[];
    failure?: string;
  }[];
}
export interface Counts {
  seen: number;
  linked: number;
  upcoming: number;
  skipped: Record<string, number>;
}
export interface StatusJson {
  workspace: string;
  syncIntervalMinutes: number;
  connections: {
    id: string;
    teammate: string;
    provider: string;
    mail: boolean;
    calendar: boolean;
    status: string;
    statusReason: string | null;
    authorizedAt: string;
    lastSyncAt: string | null;
    lastSuccessAt: string | null;
    nextSyncAt: string | null;
    lastError: string | null;
    progress: { done: number; total?: number; startedAt: string | null; etaSeconds: number | null } | null;
    counts: { email: Counts; meeting: Counts };
    errors: { where: string; reason: string; lastSeenAt: string }[];
  }[];
}

// ------------------------------------------------------------------ reading results

export const check = (e: ExplanationJson, rule: string): CheckJson => {
  const c = e.checks.find((x) => x.rule === rule);
  if (!c) throw new Error(`no ${rule} check in ${JSON.stringify(e.checks.map((x) => x.code))}`);
  return c;
};
export const failedCodes = (e: ExplanationJson): string[] => e.checks.filter((c) => c.status === 'fail').map((c) => c.code);
export const messageIds = (t: TimelineJson): string[] =>
  t.items
    .filter((i) => i.kind === 'email')
    .map((i) => i.messageId!)
    .sort();
export const meetingKeys = (t: TimelineJson): string[] =>
  t.items
    .filter((i) => i.kind === 'meeting')
    .map((i) => `${i.uid}@${i.at}`)
    .sort();
export const refs = (changes: LinkChange[]): string[] => changes.map((c) => `${c.kind}:${c.ref}→${c.accountId}`).sort();

// ------------------------------------------------------------------ a sync as a process

export interface RunningSync {
  p: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
}

/** `touchpoint sync --json` as a process of its own, so a test can SIGKILL it mid-sync. */
export function spawnSync(w: Workspace, env: NodeJS.ProcessEnv = process.env): RunningSync {
  const p = spawn(process.execPath, [BIN, '--db', w.db, '--now', w.now, 'sync', '--json'], {
    cwd: w.dir,
    env: { ...env, ...w.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stdout!.on('data', (b) => (out += String(b)));
  p.stderr!.on('data', (b) => (err += String(b)));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((r) =>
    p.once('exit', (code, signal) => r({ code, signal, out, err })),
  );
  return { p, done };
}
