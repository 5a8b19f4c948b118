// Shared plumbing of the fuzz tests: the per-item hang guard, the regression corpus
// (inputs that once broke something, replayed by corpus.test.ts), and the byte-level
// mutations every kind of input gets.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';

// A fixed seed by default, so `npm test` (and CI) runs the inputs that passed here: a new
// input that hangs inside ical.js cannot be interrupted, and would hang the suite.
// FUZZ_SEED=random explores new inputs (each failure names its seed; FUZZ_SEED=<n> replays).
export const FUZZ_SEED =
  process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED ?? 20_261_127);
fc.configureGlobal({ seed: FUZZ_SEED });

export const FUZZ_ROOT = import.meta.dirname;
export const CORPUS = path.join(FUZZ_ROOT, 'corpus');
export const REAL_FIXTURES = path.resolve(FUZZ_ROOT, '../fixtures/real');

/** A hang guard, not a speed test and not evidence of anything: items take ~1–300 ms (a few
 * generated calendars over 1 s on a loaded 2-core machine), so one taking a minute is a
 * runaway loop, reported with its input saved. What bounds the work is shown by counting it
 * (parse-calendar.robustness.test.ts counts ical.js's steps and candidates). */
export const ITEM_CEILING_MS = 60_000;

export type CorpusKind = 'mime' | 'ics' | 'csv' | 'api';

/**
 * Runs one item, returns how long it took. An unexpected failure (or a runaway item) saves
 * the input into the corpus before it is rethrown, so the next run replays it for ever.
 */
export async function guarded(kind: CorpusKind, input: Buffer | string, run: () => unknown): Promise<number> {
  // FUZZ_TRACE=1: the input in hand is on disk, so a true hang (which no timer can
  // interrupt) leaves it behind in corpus/<kind>/.in-progress.
  if (process.env.FUZZ_TRACE) {
    mkdirSync(path.join(CORPUS, kind), { recursive: true });
    writeFileSync(path.join(CORPUS, kind, '.in-progress'), input);
  }
  const t0 = performance.now();
  try {
    await run();
  } catch (err) {
    save(kind, input);
    throw err;
  }
  const ms = performance.now() - t0;
  if (ms > ITEM_CEILING_MS) {
    save(kind, input);
    throw new Error(`one ${kind} item took ${Math.round(ms)} ms (ceiling ${ITEM_CEILING_MS} ms)`);
  }
  return ms;
}

function save(kind: CorpusKind, input: Buffer | string): void {
  const dir = path.join(CORPUS, kind);
  mkdirSync(dir, { recursive: true });
  const name = `found-${createHash('sha256').update(input).digest('hex').slice(0, 12)}`;
  writeFileSync(path.join(dir, name), input);
}

export function corpusFiles(kind: CorpusKind): { name: string; bytes: Buffer }[] {
  const dir = path.join(CORPUS, kind);
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('.') && n !== 'README.md');
  } catch {
    return [];
  }
  return names.sort().map((name) => ({ name, bytes: readFileSync(path.join(dir, name)) }));
}

/** Stats a fuzz test prints so the figures in docs/testing.md can be checked. */
export class Tally {
  items = 0;
  slowestMs = 0;
  readonly outcomes = new Map<string, number>();
  add(outcome: string, ms: number): void {
    this.items++;
    this.slowestMs = Math.max(this.slowestMs, ms);
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }
  toString(): string {
    return `${this.items} inputs, slowest ${Math.round(this.slowestMs)} ms, ${[...this.outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`;
  }
}

// ---- byte-level mutations ----

export type Mutation =
  | { op: 'flip'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; len: number }
  | { op: 'duplicate'; at: number; len: number }
  | { op: 'lf' }
  | { op: 'nul'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 24 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ op: fc.constant('lf' as const) }),
  fc.record({ op: fc.constant('nul' as const), at: fc.nat() }),
);

export function applyMutation(buf: Buffer, m: Mutation): Buffer {
  const at = buf.length ? (m.op === 'lf' ? 0 : (m as { at: number }).at % (buf.length + 1)) : 0;
  switch (m.op) {
    case 'flip': {
      if (!buf.length) return buf;
      const out = Buffer.from(buf);
      out[at % buf.length] = m.value;
      return out;
    }
    case 'truncate':
      return buf.subarray(0, at);
    case 'insert':
      return Buffer.concat([buf.subarray(0, at), Buffer.from(m.bytes), buf.subarray(at)]);
    case 'delete':
      return Buffer.concat([buf.subarray(0, at), buf.subarray(at + m.len)]);
    case 'duplicate':
      return Buffer.concat([buf.subarray(0, at + m.len), buf.subarray(at, at + m.len), buf.subarray(at + m.len)]);
    case 'lf':
      return Buffer.from(buf.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    case 'nul':
      return Buffer.concat([buf.subarray(0, at), Buffer.from([0]), buf.subarray(at)]);
  }
}

export function readFixtures(sub: 'eml' | 'ics'): Buffer[] {
  const dir = path.join(REAL_FIXTURES, sub);
  return readdirSync(dir)
    .filter((f) => f.endsWith(`.${sub}`))
    .sort()
    .map((f) => readFileSync(path.join(dir, f)));
}
