// `npm run bench`: every benchmark, one after the other (never in parallel: they would
// measure each other), then one table of all figures.
//
//   npm run bench                      every benchmark, full number of runs (~10–15 min)
//   npm run bench -- --quick           fewer runs (medians of 3 or fewer), same sizes
//   npm run bench -- --only=rules,parse
//   npm run bench -- --render         no runs: rewrite results.md and docs/benchmarks.md from results.json
//
// Writes bench/results.json (every row, with runs, load average and date), bench/results.md
// (the table) and copies the table into docs/benchmarks.md between the bench:results markers.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, type BenchRow } from './report.js';

const BENCHES = ['rules', 'parse', 'store', 'redecide', 'imap', 'caldav', 'cloud', 'workers', 'find', 'source', 'scale'] as const;
/**
 * Run as an esbuild bundle, like bin/touchpoint ships the code, rather than through tsx:
 * tsx compiles with keepNames, which wraps functions in `__name(…)` calls that stop V8 from
 * eliding closures (the rules measured slower that way; see bench/README.md). The others start services whose
 * scripts find their files relative to themselves, so they keep tsx.
 */
const BUNDLED = new Set<string>(['rules', 'parse', 'store', 'redecide']);

/** The node arguments that run one benchmark: a bundle next to its source (so its relative paths hold), or tsx. */
async function entry(bench: string): Promise<{ args: string[]; cleanup: () => void }> {
  const source = join(BENCH_DIR, `${bench}.bench.ts`);
  if (!BUNDLED.has(bench)) return { args: ['--import', 'tsx', source], cleanup: () => undefined };
  const outfile = join(BENCH_DIR, `.${bench}.bench.bundle.mjs`);
  await build({
    entryPoints: [source],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return { args: [outfile], cleanup: () => rmSync(outfile, { force: true }) };
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const render = args.includes('--render');
const chosen = render ? [] : BENCHES.filter((b) => !only || only.includes(b));

const started = new Date();
const rows: BenchRow[] = [];
const failures: { bench: string; exitCode: number | null }[] = [];
for (const bench of chosen) {
  console.log(`\n=== bench:${bench}${quick ? ' (quick)' : ''} — load average ${loadavg()[0]!.toFixed(2)}`);
  const t0 = Date.now();
  const run = await entry(bench);
  const r = spawnSync(process.execPath, run.args, { stdio: 'inherit', env: { ...process.env, ...(quick ? { BENCH_QUICK: '1' } : {}) } });
  run.cleanup();
  const file = join(BENCH_DIR, 'results', `${bench}.json`);
  const fresh = existsSync(file) && Date.parse((JSON.parse(readFileSync(file, 'utf8')) as { date: string }).date) >= t0;
  if (r.status !== 0 || !fresh) {
    failures.push({ bench, exitCode: r.status });
    console.log(`bench:${bench} failed (exit ${r.status}); its rows are left out`);
    continue;
  }
  rows.push(...(JSON.parse(readFileSync(file, 'utf8')) as { rows: BenchRow[] }).rows);
  console.log(`bench:${bench} took ${Math.round((Date.now() - t0) / 1000)} s`);
}

const fmt = (x: number | null) => (x === null ? '—' : x >= 100 ? Math.round(x).toLocaleString('en-US') : String(x));

/** The Markdown table of these rows. */
function table(list: BenchRow[]): string {
  const lines = [
    "| what | limit, same run | target | median | limit's median | ratio | target met? | load |",
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of list) {
    const limitValue = r.limitValue === null ? '—' : `${fmt(r.limitValue)} ${r.unit}`;
    lines.push(
      `| ${r.what} | ${r.limit} | ${r.target} | ${fmt(r.value)} ${r.unit} | ${limitValue} | ${r.ratio === null ? '—' : `${r.ratio}×`} | ` +
        `${r.target === '—' ? '—' : r.met ? 'met' : '**not met**'} | ${r.loadAverage} |`,
    );
  }
  return lines.join('\n');
}

const machine = { node: process.version, cpu: cpus()[0]?.model ?? null, cores: cpus().length };
let date = started.toISOString();
let wasQuick = quick;
let partialNote = '';
if (only || render) {
  // A partial run: keep the other benchmarks' rows from the last full results.
  const prev = join(BENCH_DIR, 'results.json');
  if (existsSync(prev)) {
    const last = JSON.parse(readFileSync(prev, 'utf8')) as { date: string; quick: boolean };
    if (render) {
      date = last.date;
      wasQuick = last.quick;
    } else {
      partialNote = ` (this run: ${chosen.join(', ')}; the other rows are from the run of ${last.date.slice(0, 16).replace('T', ' ')} UTC)`;
    }
    const old = (last as unknown as { rows: BenchRow[] }).rows;
    const ran = new Set(chosen.map((b) => `${b}.`));
    rows.unshift(...old.filter((r) => ![...ran].some((p) => r.id.startsWith(p))));
  }
}
const header =
  `Run of ${date.slice(0, 16).replace('T', ' ')} UTC${partialNote}${wasQuick ? ' (--quick: fewer runs)' : ''}: node ${machine.node}, ` +
  `${machine.cores} × ${machine.cpu ?? 'CPU'}, shared with other work (load = 1-minute load average when the figure was taken). ` +
  'Medians of several runs; "ratio" is how many times the limit measured in the same run (time ÷ time, or rate ÷ rate inverted).';
const ordered = BENCHES.flatMap((b) => rows.filter((r) => r.id.startsWith(`${b}.`)));
const mdAll = `${header}\n\n${table(ordered)}\n${failures.length ? `\nFailed to run: ${failures.map((f) => f.bench).join(', ')}.\n` : ''}`;
if (!render)
  writeFileSync(
    join(BENCH_DIR, 'results.json'),
    `${JSON.stringify({ date, quick: wasQuick, machine, failures, rows: ordered }, null, 2)}\n`,
  );
writeFileSync(join(BENCH_DIR, 'results.md'), `${mdAll}`);

// docs/benchmarks.md shows the same table between the markers.
const readmePath = join(BENCH_DIR, '..', 'docs', 'benchmarks.md');
const readme = readFileSync(readmePath, 'utf8');
const begin = '<!-- bench:results:begin -->';
const end = '<!-- bench:results:end -->';
const i = readme.indexOf(begin);
const j = readme.indexOf(end);
if (i >= 0 && j > i) writeFileSync(readmePath, `${readme.slice(0, i + begin.length)}\n${mdAll}${readme.slice(j)}`);

console.log(`\n${mdAll}`);
console.log(
  `wrote ${render ? '' : 'bench/results.json, '}bench/results.md${i >= 0 && j > i ? ' and the table in docs/benchmarks.md' : ''}`,
);
process.exit(failures.length ? 1 : 0);
