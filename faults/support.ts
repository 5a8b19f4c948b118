// Shared moves of the fault scenarios: a sync process to kill, waiting for a point in it,
// and mail from many senders (every 10th from an end user, so bodies are fetched too).
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, eml, type Workspace } from '../test/support/cli.js';
import { query } from './ledger.js';

export interface Running {
  p: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
}

/** `touchpoint sync --json` as its own process, so it can be SIGKILLed. */
export function spawnSync(w: Workspace, env: NodeJS.ProcessEnv = process.env): Running {
  const p = spawn(process.execPath, [BIN, '--db', w.db, '--now', w.now, 'sync', '--json'], { cwd: w.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout!.on('data', (b) => (out += String(b)));
  p.stderr!.on('data', (b) => (err += String(b)));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((r) => p.once('exit', (code, signal) => r({ code, signal, out, err })));
  return { p, done };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function emailCount(db: string): Promise<number> {
  return Number((await query<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM emails'))[0]!.n);
}

/**
 * Waits until `count()` reaches `target` (then runs `act`), or the process ends first.
 * Returns the count when it acted, or null when the process finished before.
 */
export async function whenCount(r: Running, count: () => Promise<number>, target: number, act: () => void | Promise<void>): Promise<number | null> {
  let exited = false;
  void r.done.then(() => (exited = true));
  for (;;) {
    if (exited) return null;
    let n = 0;
    try {
      n = await count();
    } catch {
      // the database is being created or locked for a moment
    }
    if (n >= target) {
      await act();
      return n;
    }
    await sleep(15);
  }
}

export interface Msg { raw: string; at: Date; id: string }

/** n messages to `user`, ids `<prefix>-<i>@mail.test`, received one a minute from `from`. */
export function mailFor(user: string, prefix: string, n: number, from: Date): Msg[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `${prefix}-${i}@mail.test`;
    const at = new Date(from.getTime() + i * 60_000);
    return {
      id, at,
      raw: eml({ from: i % 10 === 0 ? 'john@acme.com' : `someone${i}@elsewhere.org`, to: `${user}@ourco.com`, date: at.toISOString(), messageId: id, body: `message ${i} of ${prefix}` }),
    };
  });
}

/** Kill points: `k` sorted fractions in [lo, hi) from the seeded generator. */
export function killPoints(rand: () => number, k: number, lo = 0.1, hi = 0.9): number[] {
  return Array.from({ length: k }, () => lo + rand() * (hi - lo)).sort((a, b) => a - b);
}
