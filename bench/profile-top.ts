// Summarises .cpuprofile files written with BENCH_PROFILE (bench/profile.ts): self time by
// package (node_modules/<name>), by our own source file, and the top functions, as shares of
// all samples of all the files given; for .heapprofile files (BENCH_PROFILE_HEAP=1) the same
// of the bytes allocated. Only for reading profiles; no benchmark imports it.
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
interface HeapNode {
  callFrame: Node['callFrame'];
  selfSize: number;
  children: HeapNode[];
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
const add = (callFrame: Node['callFrame'], amount: number) => {
  const { functionName, url, lineNumber } = callFrame;
  const b = bucket(url, functionName);
  byBucket.set(b, (byBucket.get(b) ?? 0) + amount);
  const f = `${functionName || '(anonymous)'} ${b}:${lineNumber + 1}`;
  byFn.set(f, (byFn.get(f) ?? 0) + amount);
  total += amount;
};
const heap = files.every((f) => f.endsWith('.heapprofile'));
for (const file of files) {
  if (heap) {
    const walk = (n: HeapNode): void => {
      if (n.selfSize) add(n.callFrame, n.selfSize);
      for (const c of n.children) walk(c);
    };
    walk((JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode }).head);
    continue;
  }
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  p.samples.forEach((id, i) => {
    add(nodes.get(id)!.callFrame, p.timeDeltas[i] ?? 0);
  });
}
// Per profile: milliseconds of samples, or megabytes allocated.
const [unit, scale] = heap ? ['MB', 1024 * 1024] : ['ms', 1000];
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (of ${(total / scale / files.length).toFixed(0)} ${unit} a profile, ${files.length} profile(s))`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * v) / total).toFixed(1).padStart(5)} %  ${(v / scale / files.length).toFixed(1).padStart(7)} ${unit}  ${k}`);
};
const what = heap ? 'allocated' : 'self time';
show(`${what} by package / file`, byBucket);
show(`${what} by function`, byFn);
