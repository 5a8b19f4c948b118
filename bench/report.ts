// One shape for every benchmark's figures, so `npm run bench` can put them in one table.
// Each benchmark still writes its own detailed JSON to bench/results/<name>.json; the
// `rows` in it are what bench/run.ts collects into bench/results.json and results.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

/** `npm run bench -- --quick` (or BENCH_QUICK=1): fewer runs, same sizes. */
export const QUICK = process.env.BENCH_QUICK === '1';

export interface BenchRow {
  /** Stable key, e.g. "imap.initial". */
  id: string;
  what: string;
  /** What the figure is compared with in the same run ("—" when the target is absolute). */
  limit: string;
  /** The target in words, e.g. "≤ 1.5×" or "≥ 300,000 /s". */
  target: string;
  unit: string;
  /** Median of `runs.value`. */
  value: number;
  /** Median of `runs.limit`, measured in the same run (null when there is no limit). */
  limitValue: number | null;
  /** value ÷ limitValue for times, limitValue ÷ value for rates: "how many times the limit" (≥ 1 is slower). */
  ratio: number | null;
  met: boolean;
  runs: { value: number[]; limit?: number[] };
  /** 1-minute load average when the measurement ended: how shared the machine was. */
  loadAverage: number;
  date: string;
  note?: string;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** A figure compared with a limit measured alongside it: the target is a ratio (lower is better). */
export function ratioRow(r: {
  id: string;
  what: string;
  limit: string;
  unit: string;
  value: number[];
  limitRuns: number[];
  /** "time": value/limit; "rate": limit/value (both give "times slower than the limit"). */
  kind: 'time' | 'rate';
  maxRatio: number;
  /** The target in words, when "≤ maxRatio× the limit" does not say it. */
  targetText?: string;
  /** The ratio must be below maxRatio, not just at most ("faster than"). */
  strictlyBelow?: boolean;
  note?: string;
}): BenchRow {
  const value = median(r.value);
  const limitValue = median(r.limitRuns);
  const ratio = r.kind === 'time' ? value / limitValue : limitValue / value;
  const met = r.strictlyBelow ? ratio < r.maxRatio : ratio <= r.maxRatio;
  return {
    id: r.id,
    what: r.what,
    limit: r.limit,
    target: r.targetText ?? `≤ ${r.maxRatio}× the limit`,
    unit: r.unit,
    value: round(value),
    limitValue: round(limitValue),
    ratio: round(ratio),
    met,
    runs: { value: r.value.map((x) => round(x)), limit: r.limitRuns.map((x) => round(x)) },
    loadAverage: round(loadavg()[0]!),
    date: new Date().toISOString(),
    ...(r.note ? { note: r.note } : {}),
  };
}

/** A figure with an absolute target. */
export function absoluteRow(r: {
  id: string;
  what: string;
  unit: string;
  value: number[];
  target: string;
  met: (median: number) => boolean;
  limit?: string;
  note?: string;
}): BenchRow {
  const value = median(r.value);
  return {
    id: r.id,
    what: r.what,
    limit: r.limit ?? '—',
    target: r.target,
    unit: r.unit,
    value: round(value),
    limitValue: null,
    ratio: null,
    met: r.met(value),
    runs: { value: r.value.map((x) => round(x)) },
    loadAverage: round(loadavg()[0]!),
    date: new Date().toISOString(),
    ...(r.note ? { note: r.note } : {}),
  };
}

/** Write bench/results/<name>.json: the rows plus the benchmark's own details. */
export function saveResults(name: string, rows: BenchRow[], details: Record<string, unknown>): string {
  const out = join(BENCH_DIR, 'results', `${name}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const machine = { node: process.version, cpu: cpus()[0]?.model ?? null, cores: cpus().length, quick: QUICK };
  writeFileSync(out, `${JSON.stringify({ bench: name, date: new Date().toISOString(), machine, rows, ...details }, null, 2)}\n`);
  for (const r of rows) {
    const cmp = r.ratio === null ? '' : ` vs ${r.limitValue} (${r.ratio}×)`;
    console.log(`[${r.met ? 'met' : 'NOT MET'}] ${r.what}: ${r.value} ${r.unit}${cmp}; target ${r.target}`);
  }
  return out;
}
