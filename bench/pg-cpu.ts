// CPU time of PostgreSQL server backends, from /proc: bench:store compares CPU on PostgreSQL too
// (client + the backends that served it), because its wall-clock ratio swings 1.3–2.7× for the
// same code when other work shares the machine's 2 cores. Only when the server runs on this
// machine (127.0.0.1 here); otherwise null, and the wall-clock ratio is all there is.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { Store } from '../src/store/db.js';

/** User + system CPU of one process in ms, or null when it is not readable here. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return null;
  }
}

/** The CPU so far of every client backend of the store's database, by pid (null: not readable); autovacuum's workers are not counted, as for the raw insert. */
export async function backendsCpu(db: Store): Promise<Map<number, number> | null> {
  const r = await sql<{
    pid: number;
  }>`select pid from pg_stat_activity where datname = current_database() and backend_type = 'client backend'`.execute(db);
  const out = new Map<number, number>();
  for (const { pid } of r.rows) {
    const ms = processCpuMs(pid);
    if (ms === null) return null;
    out.set(pid, ms);
  }
  return out;
}

/** Backend CPU spent between two backendsCpu readings (a backend gone in between is lost: reported). */
export function backendsCpuSince(before: Map<number, number> | null, after: Map<number, number> | null): number | null {
  if (!before || !after) return null;
  let ms = 0;
  for (const [pid, v] of after) ms += v - (before.get(pid) ?? 0);
  const gone = [...before.keys()].filter((p) => !after.has(p));
  if (gone.length) console.error(`bench:store: ${gone.length} backend(s) ended during the timed loop; their CPU is not counted`);
  return ms;
}
