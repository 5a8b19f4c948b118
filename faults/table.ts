// vitest globalSetup of `npm run faults`: starts an empty ledger, and at the end prints the
// table of every scenario (and writes it to faults/results.md for docs/testing.md).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { RESULTS, type FaultRow } from './ledger.js';

export function setup(): void {
  rmSync(RESULTS, { force: true });
  // One seed for the whole run, inherited by the test processes and printed with the table.
  process.env.FAULT_SEED ??= String(Math.floor(Math.random() * 100_000));
}

export function teardown(): void {
  const rows: FaultRow[] = existsSync(RESULTS)
    ? readFileSync(RESULTS, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as FaultRow)
    : [];
  const head = ['scenario', 'faults injected', 'expected', 'stored', 'duplicates', 'lost', 'healthy after'];
  const body = rows.map((r) => [r.scenario, r.faults, r.expected, r.stored, r.duplicates, r.lost, r.healthy ? 'yes' : 'NO'].map(String));
  const total = rows.reduce((t, r) => ({ e: t.e + r.expected, s: t.s + r.stored, d: t.d + r.duplicates, l: t.l + r.lost }), {
    e: 0,
    s: 0,
    d: 0,
    l: 0,
  });
  body.push([
    '**total**',
    `${rows.length} scenarios`,
    String(total.e),
    String(total.s),
    String(total.d),
    String(total.l),
    rows.every((r) => r.healthy) ? 'yes' : 'NO',
  ]);
  const md = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((c) => `| ${c.join(' | ')} |`)].join('\n');
  const stamp =
    `Run ${new Date().toISOString()}, seed ${process.env.FAULT_SEED} (FAULT_SEED=${process.env.FAULT_SEED} replays the kill ` +
    `points)${process.env.FAULT_QUICK === '1' ? ', quick mode' : ''}.`;
  writeFileSync(new URL('./results.md', import.meta.url), `${stamp}\n\n${md}\n`);
  console.log(`\nFault injection — ${stamp}\n\n${md}\n`);
}
