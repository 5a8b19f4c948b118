// Shared moves of the fault scenarios: a sync process to kill, waiting for a point in it,
// and mail from many senders (every 10th from an end user, so bodies are fetched too).
import { eml, type CliResult, type RunningSync as Running } from '../test/support/cli.js';
import { query } from './ledger.js';

export { spawnSync } from '../test/support/cli.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function emailCount(db: string): Promise<number> {
  return Number((await query<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM emails'))[0]!.n);
}

/**
 * Waits until `count()` reaches `target` (then runs `act`), or the process ends first.
 * Returns the count when it acted, or null when the process finished before.
 */
export async function whenCount(
  r: Running,
  count: () => Promise<number>,
  target: number,
  act: () => void | Promise<void>,
): Promise<number | null> {
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

export interface Msg {
  raw: string;
  at: Date;
  id: string;
}

/** n messages to `user`, ids `<prefix>-<i>@mail.test`, received one a minute from `from`. */
export function mailFor(user: string, prefix: string, n: number, from: Date): Msg[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `${prefix}-${i}@mail.test`;
    const at = new Date(from.getTime() + i * 60_000);
    return {
      id,
      at,
      raw: eml({
        from: i % 10 === 0 ? 'john@acme.com' : `someone${i}@elsewhere.org`,
        to: `${user}@ourco.com`,
        date: at.toISOString(),
        messageId: id,
        body: `message ${i} of ${prefix}`,
      }),
    };
  });
}

/** Kill points: `k` sorted fractions in [lo, hi) from the seeded generator. */
export function killPoints(rand: () => number, k: number, lo = 0.1, hi = 0.9): number[] {
  return Array.from({ length: k }, () => lo + rand() * (hi - lo)).sort((a, b) => a - b);
}

/**
 * Whether a `sync --json` run left every connection healthy: exit 0, status active and no
 * failure (being throttled keeps a connection active, with a failure saying so).
 */
export function syncSucceeded(r: CliResult): boolean {
  if (r.code !== 0) return false;
  const report = JSON.parse(r.stdout) as { connections: { status: string; failure?: string }[] };
  return report.connections.every((c) => c.status === 'active' && !c.failure);
}
