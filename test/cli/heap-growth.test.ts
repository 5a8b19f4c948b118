// boundHeapGrowth (src/cli/heap-growth.ts): in a process that keeps promoting short-lived
// garbage next to a fixed live set — as a sync does with its pages — the old generation stays
// near the live set instead of growing to several times it. Run in a child process: the flag
// is process-wide and must not leak into the other tests of this worker.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('../../src/cli/heap-growth.ts', import.meta.url));

/** ~40 MB live, then 1,500 rounds of garbage that each outlive a few scavenges; the old space's peak size (MB). */
const CHURN = `
import v8 from 'node:v8';
const { boundHeapGrowth } = await import(${JSON.stringify(MODULE)});
if (process.argv.at(-1) === 'bounded') boundHeapGrowth();
const live = Array.from({ length: 300_000 }, (_, i) => ({ i, s: 'live-' + i, a: [i, i + 1] }));
const ring = new Array(64);
let peak = 0;
for (let round = 0; round < 1500; round++) {
  ring[round % ring.length] = Array.from({ length: 2000 }, (_, i) => ({ round, i, s: 'garbage-' + round + '-' + i }));
  if (round % 10 === 0) peak = Math.max(peak, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size);
  if (round % 200 === 0) await new Promise((r) => setImmediate(r));
}
console.log(JSON.stringify({ peakOldMb: peak / 1048576, live: live.length }));
`;

function peakOldSpaceMb(mode: 'bounded' | 'default'): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHURN, mode], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as { peakOldMb: number }).peakOldMb;
}

it('keeps the old generation near the live heap (~60 MB here): V8 alone lets it pass 250 MB', () => {
  expect(peakOldSpaceMb('bounded')).toBeLessThan(170);
}, 60_000);
