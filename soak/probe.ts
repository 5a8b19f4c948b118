// What the soak measures. The tracker knows when each message was delivered and polls the
// store for when it was linked (4 times a second, only the messages still pending). The
// sampler reads the service processes from /proc (RSS, open file descriptors) and the serve
// process's /metrics (IDLE sessions alive, sync queue depth), and the machine's load.
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import type { Store } from '../src/store/db.js';

export interface Delivery {
  messageId: string;
  mailbox: number;
  at: number;
  linkedAt?: number;
  outcome?: string;
}

export class Tracker {
  readonly deliveries = new Map<string, Delivery>();
  private readonly pending = new Set<string>();
  lastError: string | null = null;

  delivered(d: Delivery): void {
    this.deliveries.set(d.messageId, d);
    this.pending.add(d.messageId);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** One poll: every pending message the store has decided gets its time. A store that is down (restart) is tried again next poll. */
  async poll(db: Store, wsId: string): Promise<void> {
    const ids = [...this.pending];
    try {
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await db
          .selectFrom('emails')
          .select(['message_id', 'outcome'])
          .where('workspace_id', '=', wsId)
          .where('message_id', 'in', ids.slice(i, i + 500))
          .execute();
        const now = Date.now();
        for (const r of rows) {
          const d = r.message_id ? this.deliveries.get(r.message_id) : undefined;
          if (!d || d.linkedAt) continue;
          d.linkedAt = now;
          d.outcome = r.outcome;
          this.pending.delete(d.messageId);
        }
      }
      this.lastError = null;
    } catch (err) {
      this.lastError = (err as Error).message;
    }
  }
}

export interface Sample {
  at: number;
  rssMb: number;
  fds: number;
  workerRssMb: number | null;
  idle: number | null;
  queue: number | null;
  load1: number;
}

/** 0 once the process is gone: a sample taken while Ctrl-C stops everything must not crash the run before it cleans up. */
function fromProc<T>(read: () => T, gone: T): T {
  try {
    return read();
  } catch {
    return gone;
  }
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fromProc(() => readFileSync(`/proc/${pid}/status`, 'utf8'), ''));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

const fdCount = (pid: number): number => fromProc(() => readdirSync(`/proc/${pid}/fd`).length, 0);

function metric(text: string, name: string, labels: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : null;
}

export async function sample(servePid: number, workerPid: number | null, metricsUrl: string): Promise<Sample> {
  let idle: number | null = null;
  let queue: number | null = null;
  try {
    const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(4_000) });
    const text = await res.text();
    idle = metric(text, 'touchpoint_push_sessions', 'state="idle"');
    const queued = metric(text, 'touchpoint_queue_depth', 'queue="sync",state="queued"');
    const running = metric(text, 'touchpoint_queue_depth', 'queue="sync",state="running"');
    queue = queued === null || running === null ? null : queued + running;
  } catch {
    // /metrics reads the queue from PostgreSQL: during its restart there is no answer.
  }
  return {
    at: Date.now(),
    rssMb: rssMb(servePid),
    fds: fdCount(servePid),
    workerRssMb: workerPid ? rssMb(workerPid) : null,
    idle,
    queue,
    load1: loadavg()[0] ?? 0,
  };
}

/** Messages delivered once and stored once: more than one emails row or sighting per Message-ID is a duplicate. */
export async function duplicates(db: Store, wsId: string): Promise<number> {
  const r = await sql<{ n: string | number }>`
    select count(*) as n from (
      select e.message_id from emails e join email_sightings s on s.email_id = e.id and s.workspace_id = e.workspace_id
      where e.workspace_id = ${wsId} and e.message_id like 'soak-%'
      group by e.message_id having count(*) > 1
    ) d`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** Meetings seen in the store, by UID (the soak's own). */
export async function meetingUids(db: Store, wsId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('meetings').select('uid').where('workspace_id', '=', wsId).where('uid', 'like', 'soak-ev-%').execute();
  return new Set(rows.map((r) => r.uid));
}
