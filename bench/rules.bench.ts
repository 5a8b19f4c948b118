// Benchmark of the sync's hot path: decideEmail / decideMeeting against a large directory.
//
//   npm run bench:rules                      (full size: 1,000,000 end users in 100,000 accounts)
//   BENCH_USERS=100000 BENCH_RUNS=3 npm run bench:rules   (smaller, for a quick look)
//
// Single-threaded: the decisions/second printed are per core. Results go to bench/results/rules.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { DirectoryIndex } from '../src/directory/index.js';
import { decideEmail, decideEmailForSync, type EmailCase } from '../src/rules/decide-email.js';
import { decideMeeting, decideMeetingForSync, type MeetingCase } from '../src/rules/decide-meeting.js';
import { absoluteRow, ratioRow } from './report.js';
import { CONFIG, NOW, buildEmails, buildInput, buildMeetings, connections } from './rules-fixtures.js';
import { ParsedPage, emailAddresses, meetingAddresses } from './rules-parsed.js';

/** At most this many times the time of the bare Map look-ups of the same participants. */
const TARGET_RATIO = 2;
const TARGET_RSS_MB = 500;

// ---------------------------------------------------------------- timing

interface Series {
  /** Decisions per CPU-second of this process, per run (the headline: robust to other load on the machine). */
  runs: number[];
  median: number;
  min: number;
  max: number;
  /** Decisions per wall-clock second, per run (lower when the machine is shared). */
  wallRuns: number[];
  wallMedian: number;
  /** The lookup floor, per run: the same items per CPU-second when all we do is look their addresses up in a Map. */
  floorRuns: number[];
  floorMedian: number;
  outcomes: Record<string, number>;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Items per page when the addresses are parsed: a sync parses and decides a page of 500 at a time. */
const PAGE = 500;

/**
 * Items per CPU-second and per wall-clock second of one pass of `each` over decisionsPerRun
 * items. With `parsed`, each page of 500 items is given freshly parsed addresses (untimed),
 * then timed, so every decision sees its addresses as a sync does (rules-parsed.ts); without
 * it, the pool as built is timed in one window.
 */
function pass<T>(pool: T[], each: (c: T) => number, parsed?: ParsedPage<T>): { cpu: number; wall: number; sum: number } {
  let sum = 0;
  let cpuUs = 0;
  let wallMs = 0;
  const step = parsed ? PAGE : CONFIG.decisionsPerRun;
  for (let done = 0; done < CONFIG.decisionsPerRun; ) {
    const n = Math.min(step, CONFIG.decisionsPerRun - done);
    parsed?.parse(pool, done, n);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = done; i < done + n; i++) sum += each(pool[i % pool.length]!);
    wallMs += performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    parsed?.restore();
    cpuUs += cpu.user + cpu.system;
    done += n;
  }
  return { cpu: Math.round(CONFIG.decisionsPerRun / (cpuUs / 1e6)), wall: Math.round(CONFIG.decisionsPerRun / (wallMs / 1000)), sum };
}

/**
 * Times `decide` against its floor, interleaved run by run (floor first on even runs, second
 * on odd ones) so that both see the same load on this shared machine.
 */
function time<T>(
  pool: T[],
  decide: (c: T) => { outcome: string; accounts: unknown[] },
  floor: (c: T) => number,
  parsed?: ParsedPage<T>,
): Series {
  const runs: number[] = [];
  const wallRuns: number[] = [];
  const floorRuns: number[] = [];
  const outcomes: Record<string, number> = {};
  for (const c of pool) {
    const o = decide(c).outcome;
    outcomes[o] = (outcomes[o] ?? 0) + 1;
  }
  const linked = (c: T) => (decide(c).accounts.length ? 1 : 0);
  // Warm-up: let the JIT settle before measuring (not counted), on the items as they will be timed.
  for (let done = 0; done < Math.min(100_000, CONFIG.decisionsPerRun); done += PAGE) {
    parsed?.parse(pool, done, PAGE);
    for (let i = done; i < done + PAGE; i++) linked(pool[i % pool.length]!) + floor(pool[i % pool.length]!);
    parsed?.restore();
  }
  let observable = 0;
  for (let r = 0; r < CONFIG.runs; r++) {
    const f0 = r % 2 === 0 ? pass(pool, floor, parsed) : undefined;
    const d = pass(pool, linked, parsed);
    const f = f0 ?? pass(pool, floor, parsed);
    runs.push(d.cpu);
    wallRuns.push(d.wall);
    floorRuns.push(f.cpu);
    observable += d.sum + f.sum;
  }
  if (observable < 0) console.log(observable); // keep the results observable
  return {
    runs,
    median: median(runs),
    min: Math.min(...runs),
    max: Math.max(...runs),
    wallRuns,
    wallMedian: median(wallRuns),
    floorRuns,
    floorMedian: median(floorRuns),
    outcomes,
  };
}

/** Time for the same participants in a plain Map of the same million addresses: the floor. */
function emailFloor(byAddress: Map<string, number>): (c: EmailCase) => number {
  const count = (list: readonly { address: string }[]) => {
    let hits = 0;
    for (const a of list) if (byAddress.get(a.address) !== undefined) hits++;
    return hits;
  };
  return (c) => count(c.item.from) + count(c.item.to) + count(c.item.cc) + count(c.item.bcc);
}

function meetingFloor(byAddress: Map<string, number>): (c: MeetingCase) => number {
  return (c) => {
    let hits = c.occurrence.organizer && byAddress.get(c.occurrence.organizer.address) !== undefined ? 1 : 0;
    for (const a of c.occurrence.attendees) if (byAddress.get(a.address) !== undefined) hits++;
    return hits;
  };
}

const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);
const fmt = (n: number): string => n.toLocaleString('en-US');

function main(): void {
  const rssBefore = process.memoryUsage().rss;
  const load = loadavg()[0]!;
  console.log(
    `Touchpoint rules benchmark — node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, load ${load.toFixed(1)} ` +
      `(decisions run on one thread)`,
  );
  console.log(
    `directory: ${fmt(CONFIG.endUsers)} end users in ${fmt(CONFIG.accounts)} accounts, ${CONFIG.teammates} teammates, ` +
      `${CONFIG.blockedDomains + CONFIG.blockedAddresses} blocklist entries`,
  );

  const g0 = performance.now();
  const data = buildInput();
  const generateMs = performance.now() - g0;

  const b0 = performance.now();
  const dir = new DirectoryIndex(data.input);
  const buildMs = performance.now() - b0;
  const heapAfterBuild = process.memoryUsage().heapUsed;
  console.log(
    `generate input: ${Math.round(generateMs)} ms; build DirectoryIndex: ${Math.round(buildMs)} ms; heap after build: ${mb(heapAfterBuild)} MB`,
  );

  // The floor: the same end users' addresses in a plain Map, nothing else.
  const byAddress = new Map<string, number>();
  for (let i = 0; i < data.input.endUsers.length; i++) byAddress.set(data.input.endUsers[i]!.email, i);

  const conns = connections();
  const { pool: emails, mix } = buildEmails(data, conns);
  const meetings = buildMeetings(data, conns);
  // What is timed: the pools' items with their addresses as a sync sees them, freshly parsed
  // strings, page by page (rules-parsed.ts), for the floor and the engine alike. The pools as
  // built share the directory's own strings: timed too, in the same pages, printed only, to
  // show what the strings alone change.
  const sameString = (s: string) => s;
  const pct = (n: number) => `${Math.round((n / CONFIG.emailPool) * 100)}%`;
  console.log(
    `email pool: ${fmt(emails.length)} — with an end-user participant ${pct(mix.endUser)} (incl. multi-account ${pct(mix.multiAccount)}, ` +
      `blocklisted ${pct(mix.blocklisted)} of all), ` +
      `internal-only ${pct(mix.internalOnly)}, no end user ${pct(mix.external)}; historic ${pct(mix.historic)}. meeting pool: ${fmt(meetings.length)}`,
  );

  const show = (name: string, x: Series) =>
    console.log(
      `${name} median ${fmt(x.median)} decisions/CPU-second (runs ${x.runs.map(fmt).join(', ')}); wall-clock median ${fmt(x.wallMedian)}/s; ` +
        `floor ${fmt(x.floorMedian)}/CPU-s (${(x.floorMedian / x.median).toFixed(2)}×); outcomes ${JSON.stringify(x.outcomes)}`,
    );
  // BENCH_ONLY=email|meeting times one of the two (for profiling); results.json is then not written.
  const only = process.env.BENCH_ONLY;
  // The headline is the sync's hot path (codes only; details written for linked items).
  // The troubleshooter's full-detail path is measured alongside for reference.
  const decideEmailSync = (c: EmailCase) => decideEmailForSync(c, dir, NOW);
  const decideMeetingSync = (c: MeetingCase) => decideMeetingForSync(c, dir, NOW);
  let email: Series | undefined;
  let meeting: Series | undefined;
  let emailShared: Series | undefined;
  let meetingShared: Series | undefined;
  if (only !== 'meeting') {
    email = time(emails, decideEmailSync, emailFloor(byAddress), new ParsedPage(emailAddresses));
    show('decideEmail (sync path):  ', email);
    emailShared = time(emails, decideEmailSync, emailFloor(byAddress), new ParsedPage(emailAddresses, sameString));
    show("  the same with the directory's own strings (the input before session 22):", emailShared);
  }
  if (only !== 'email') {
    meeting = time(meetings, decideMeetingSync, meetingFloor(byAddress), new ParsedPage(meetingAddresses));
    show('decideMeeting (sync path):', meeting);
    meetingShared = time(meetings, decideMeetingSync, meetingFloor(byAddress), new ParsedPage(meetingAddresses, sameString));
    show("  the same with the directory's own strings (the input before session 22):", meetingShared);
  }
  if (!email || !meeting) return;
  const emailDetailed = time(emails, (c) => decideEmail(c, dir, NOW), emailFloor(byAddress), new ParsedPage(emailAddresses));
  show('decideEmail (all details): ', emailDetailed);
  const meetingDetailed = time(meetings, (c) => decideMeeting(c, dir, NOW), meetingFloor(byAddress), new ParsedPage(meetingAddresses));
  show('decideMeeting (all details):', meetingDetailed);

  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024); // maxRSS is in KiB
  console.log(`peak RSS: ${peakRssMb} MB (process start ${mb(rssBefore)} MB)`);

  // The input is part of what is measured: the addresses are parsed strings, as in a sync.
  const users = `${fmt(CONFIG.endUsers)} end users in ${fmt(CONFIG.accounts)} accounts, participants' addresses freshly parsed`;
  const floorText = (what: string) => `a bare loop looking up the same ${what} in a plain Map of the same 1M addresses`;
  const rows = [
    ratioRow({
      id: 'rules.email',
      what: `rule engine: decideEmail on the sync path, ${users} (one core, per CPU-second)`,
      limit: floorText("emails' participants"),
      unit: 'decisions/s',
      value: email.runs,
      limitRuns: email.floorRuns,
      kind: 'rate',
      maxRatio: TARGET_RATIO,
    }),
    ratioRow({
      id: 'rules.meeting',
      what: `rule engine: decideMeeting on the sync path, ${users} (one core, per CPU-second)`,
      limit: floorText("meetings' attendees and organizer"),
      unit: 'decisions/s',
      value: meeting.runs,
      limitRuns: meeting.floorRuns,
      kind: 'rate',
      maxRatio: TARGET_RATIO,
    }),
    absoluteRow({
      id: 'rules.rss',
      what: "rule engine: peak RSS of the whole benchmark (1M-user index, the floor's Map, pools, decisions)",
      unit: 'MB',
      value: [peakRssMb],
      target: `≤ ${TARGET_RSS_MB} MB`,
      met: (m) => m <= TARGET_RSS_MB,
    }),
  ];
  for (const r of rows) {
    const cmp = r.ratio === null ? '' : ` vs ${fmt(r.limitValue!)} (${r.ratio}×)`;
    console.log(`[${r.met ? 'met' : 'NOT MET'}] ${r.what}: ${fmt(r.value)} ${r.unit}${cmp}; target ${r.target}; load ${r.loadAverage}`);
  }
  const pass = { emailRatio: rows[0]!.met, meetingRatio: rows[1]!.met, peakRss: rows[2]!.met };
  const results = {
    bench: 'rules',
    rows,
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? null,
    cores: cpus().length,
    loadAverageAtStart: load,
    config: CONFIG,
    directory: {
      endUsers: CONFIG.endUsers,
      accounts: CONFIG.accounts,
      generateMs: Math.round(generateMs),
      buildMs: Math.round(buildMs),
      heapAfterBuildMb: mb(heapAfterBuild),
    },
    emailMix: mix,
    decideEmail: email,
    decideMeeting: meeting,
    /** The same pools with the directory's own strings as addresses (how the figure was taken before session 22). */
    decideEmailSharedStrings: emailShared,
    decideMeetingSharedStrings: meetingShared,
    decideEmailAllDetails: emailDetailed,
    decideMeetingAllDetails: meetingDetailed,
    peakRssMb,
    targets: { ratioToFloor: TARGET_RATIO, peakRssMb: TARGET_RSS_MB },
    pass,
  };
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'rules.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

main();
