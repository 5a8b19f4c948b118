// Summarises .cpuprofile files written with BENCH_PROFILE (bench/profile.ts): self time by
// package (node_modules/<name>), by our own source file, and the top functions, as shares of
// all samples of all the files given. Only for reading profiles; no benchmark imports it.
//
//   node --import tsx bench/profile-top.ts /tmp/prof/imap-initial-*.cpuprofile [--top=30]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 30);
const files = args.filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  console.error('usage: profile-top.ts <file.cpuprofile>… [--top=N]');
  process.exit(2);
}

/** Where a frame's self time belongs: a package, one of our files, Node's own code, or V8's. */
function bucket(url: string, fn: string): string {
  if (fn === '(garbage collector)' || fn === '(idle)' || fn === '(program)') return fn;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(src|bench)\/(.*)$/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  if (url.startsWith('node:')) return url;
  return url === '' ? `(native) ${fn}` : url;
}

const byBucket = new Map<string, number>();
const byFn = new Map<string, number>();
let total = 0;
for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  p.samples.forEach((id, i) => {
    const n = nodes.get(id)!;
    const us = p.timeDeltas[i] ?? 0;
    total += us;
    const { functionName, url, lineNumber } = n.callFrame;
    const b = bucket(url, functionName);
    byBucket.set(b, (byBucket.get(b) ?? 0) + us);
    const f = `${functionName || '(anonymous)'} ${b}:${lineNumber + 1}`;
    byFn.set(f, (byFn.get(f) ?? 0) + us);
  });
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (of ${(total / 1000 / files.length).toFixed(0)} ms a profile, ${files.length} profile(s))`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000 / files.length).toFixed(0).padStart(6)} ms  ${k}`);
};
show('self time by package / file', byBucket);
show('self time by function', byFn);
