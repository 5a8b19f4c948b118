// What every fault scenario reports: how many items should be stored, how many are, how
// many twice, how many missing, and whether the connections came back healthy on their own.
// Rows are appended to a JSON-lines file the table (faults/table.ts) prints at the end.
import { appendFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { expect } from 'vitest';

export const RESULTS = new URL('./results.jsonl', import.meta.url).pathname;

export interface FaultRow {
  scenario: string;
  /** What was done to the system, e.g. "SIGKILL after 412 of 1500 stored". */
  faults: string;
  expected: number;
  stored: number;
  duplicates: number;
  lost: number;
  /** Every connection active with no last error after recovery. */
  healthy: boolean;
}

export interface Census {
  stored: number;
  duplicates: number;
  lost: number;
  missing: string[];
}

/** Rows of a query on a SQLite file or a postgres:// database. */
export async function query<T>(db: string, sql: string): Promise<T[]> {
  if (db.startsWith('postgres')) {
    const c = new pg.Client({ connectionString: db });
    await c.connect();
    try {
      return (await c.query(sql)).rows as T[];
    } finally {
      await c.end();
    }
  }
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return d.prepare(sql).all() as T[];
  } finally {
    d.close();
  }
}

function census(expected: string[], rows: { key: string; n: number | string }[]): Census {
  const have = new Map(rows.map((r) => [r.key, Number(r.n)]));
  const missing = expected.filter((k) => !have.has(k));
  const duplicates = [...have.values()].reduce((s, n) => s + n - 1, 0);
  return { stored: expected.length - missing.length, duplicates, lost: missing.length, missing: missing.slice(0, 5) };
}

/** Emails by Message-ID; a linked email without its body counts as lost too (its content is). */
export async function emailCensus(db: string, expectedMessageIds: string[]): Promise<Census> {
  const rows = await query<{ key: string; n: number }>(db, 'SELECT message_id AS key, COUNT(*) AS n FROM emails GROUP BY message_id');
  const c = census(expectedMessageIds, rows);
  const bodiless = await query<{ key: string }>(db, "SELECT message_id AS key FROM emails WHERE outcome = 'linked' AND body_text IS NULL");
  return { ...c, lost: c.lost + bodiless.length, missing: [...c.missing, ...bodiless.map((b) => `${b.key} (no body)`)].slice(0, 5) };
}

/** Meetings by UID + occurrence start. */
export async function meetingCensus(db: string, expectedKeys: string[]): Promise<Census> {
  const rows = await query<{ uid: string; start: string; n: number }>(
    db,
    'SELECT uid, occurrence_start AS start, COUNT(*) AS n FROM meetings GROUP BY uid, occurrence_start',
  );
  return census(
    expectedKeys,
    rows.map((r) => ({ key: `${r.uid}@${new Date(r.start).toISOString()}`, n: r.n })),
  );
}

export async function allHealthy(db: string): Promise<boolean> {
  const bad = await query<{ id: string }>(db, "SELECT id FROM connections WHERE status <> 'active' OR last_error IS NOT NULL");
  return bad.length === 0;
}

/** Records the row and asserts the targets: nothing lost, nothing doubled, healthy again. */
export function record(row: FaultRow, c?: Census): void {
  appendFileSync(RESULTS, `${JSON.stringify(row)}\n`);
  expect({ lost: row.lost, duplicates: row.duplicates, healthy: row.healthy, missing: c?.missing ?? [] }).toEqual({
    lost: 0,
    duplicates: 0,
    healthy: true,
    missing: [],
  });
  expect(row.stored).toBe(row.expected);
}

/** A small seeded PRNG (mulberry32): the random kill points are reproducible with FAULT_SEED. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Set for the whole run by faults/table.ts (or by you, to replay a run). */
export const SEED = Number(process.env.FAULT_SEED ?? 1);
/** FAULT_QUICK=1: smaller mailboxes and a 5-second throttling storm instead of a minute. */
export const QUICK = process.env.FAULT_QUICK === '1';
