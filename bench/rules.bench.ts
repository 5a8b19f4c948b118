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
import { DirectoryIndex, type DirectoryInput } from '../src/directory/index.js';
import { decideEmail, decideEmailForSync, type EmailCase } from '../src/rules/decide-email.js';
import { decideMeeting, decideMeetingForSync, type MeetingCase } from '../src/rules/decide-meeting.js';
import type { ConnectionView, Sighting } from '../src/domain/connection.js';
import type { Account, BlocklistEntry, EndUser, Teammate } from '../src/domain/directory.js';
import type { Address, Attendee, EmailItem, MeetingOccurrence, PartStat } from '../src/domain/items.js';
import { QUICK, absoluteRow } from './report.js';

const int = (name: string, dflt: number): number => {
  const v = process.env[name];
  return v ? Number.parseInt(v.replaceAll('_', ''), 10) : dflt;
};

const CONFIG = {
  endUsers: int('BENCH_USERS', 1_000_000),
  accounts: int('BENCH_ACCOUNTS', 100_000),
  teammates: 50,
  /** Share of end users whose address is also an end user in other account(s). */
  sharedShare: 0.05,
  blockedDomains: 1_000,
  blockedAddresses: 1_000,
  runs: int('BENCH_RUNS', QUICK ? 3 : 5),
  decisionsPerRun: int('BENCH_DECISIONS', 300_000),
  emailPool: 50_000,
  meetingPool: 20_000,
  seed: 20240301,
};
const TARGET_PER_SEC = 300_000;
const TARGET_RSS_MB = 500;

// Deterministic PRNG (mulberry32) so every run decides the same items.
let state = CONFIG.seed >>> 0;
function rand(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const randInt = (n: number): number => Math.floor(rand() * n);

// ---------------------------------------------------------------- directory

const INTERNAL_DOMAINS = ['ourco.com', 'ourco.io', 'ourco-eu.com'];
const SOURCES = ['manual', 'csv', 'api', 'crm:salesforce', 'support:zendesk'];

function buildInput(): { input: DirectoryInput; distinct: string[]; shared: string[]; blockedSample: string[] } {
  const accounts: Account[] = new Array(CONFIG.accounts);
  const domains: string[] = new Array(CONFIG.accounts);
  for (let a = 0; a < CONFIG.accounts; a++) {
    const id = `a${a.toString(36)}`;
    accounts[a] = { id, name: id };
    domains[a] = `c${a.toString(36)}.io`;
  }
  const teammates: Teammate[] = [];
  for (let t = 0; t < CONFIG.teammates; t++) {
    teammates.push({ id: `t${t}`, email: `t${t}@ourco.com`, aliases: [`t${t}@ourco.io`, `csm${t}@ourco-eu.com`] });
  }
  const distinctCount = Math.round(CONFIG.endUsers * (1 - CONFIG.sharedShare));
  const endUsers: EndUser[] = new Array(CONFIG.endUsers);
  const distinct: string[] = new Array(distinctCount);
  for (let i = 0; i < distinctCount; i++) {
    const a = i % CONFIG.accounts;
    const email = `${i.toString(36)}@${domains[a]}`;
    distinct[i] = email;
    endUsers[i] = { id: `u${i.toString(36)}`, accountId: accounts[a]!.id, email, source: SOURCES[i % SOURCES.length]! };
  }
  // The rest: addresses that are also end users in other accounts (partners, consultants).
  // A few "consultants" are in many accounts; most shared addresses are in two or three.
  const shared: string[] = [];
  for (let i = distinctCount; i < CONFIG.endUsers; i++) {
    const j = i % 200 === 0 ? randInt(100) : randInt(distinctCount);
    const email = distinct[j]!;
    const a = randInt(CONFIG.accounts);
    endUsers[i] = {
      id: `u${i.toString(36)}`,
      accountId: accounts[a]!.id,
      email,
      source: 'crm:salesforce',
      externalId: `x${i.toString(36)}`,
    };
    shared.push(email);
  }
  const blocklist: BlocklistEntry[] = [];
  const blockedSample: string[] = [];
  for (let b = 0; b < CONFIG.blockedDomains; b++) {
    const a = randInt(CONFIG.accounts);
    blocklist.push({ entry: domains[a]!, kind: 'domain' });
    // an end user on that domain (i ≡ a mod accounts)
    if (a < distinctCount) blockedSample.push(distinct[a]!);
  }
  for (let b = 0; b < CONFIG.blockedAddresses; b++) {
    const email = distinct[randInt(distinctCount)]!;
    blocklist.push({ entry: email, kind: 'address' });
    blockedSample.push(email);
  }
  return { input: { internalDomains: INTERNAL_DOMAINS, teammates, accounts, endUsers, blocklist }, distinct, shared, blockedSample };
}

// ---------------------------------------------------------------- items

const AUTHORIZED_AT = new Date('2024-01-01T00:00:00Z');
const NOW = new Date('2024-06-01T00:00:00Z');
const SPAN = NOW.getTime() - AUTHORIZED_AT.getTime();

function connections(): ConnectionView[] {
  const out: ConnectionView[] = [];
  for (let t = 0; t < CONFIG.teammates; t++) {
    out.push({
      id: `c${t}`,
      provider: t % 2 ? 'gmail' : 'graph',
      teammateId: `t${t}`,
      ownerAddresses: [`t${t}@ourco.com`, `t${t}@ourco.io`, `csm${t}@ourco-eu.com`],
      status: t % 25 === 7 ? 'needs_reauth' : 'active',
      authorizedAt: AUTHORIZED_AT,
    });
  }
  return out;
}

function mixedCase(s: string): string {
  return rand() < 0.1 ? s.toUpperCase() : rand() < 0.05 ? ` ${s} ` : s;
}

interface EmailMix {
  endUser: number;
  multiAccount: number;
  blocklisted: number;
  internalOnly: number;
  external: number;
  historic: number;
}

function buildEmails(d: ReturnType<typeof buildInput>, conns: ConnectionView[]): { pool: EmailCase[]; mix: EmailMix } {
  const mix: EmailMix = { endUser: 0, multiAccount: 0, blocklisted: 0, internalOnly: 0, external: 0, historic: 0 };
  const pool: EmailCase[] = [];
  const unknown = () => `p${randInt(1e9).toString(36)}@x${randInt(1e6).toString(36)}.com`;
  for (let k = 0; k < CONFIG.emailPool; k++) {
    const conn = pick(conns);
    const owner: Address = { address: pick(conn.ownerAddresses) };
    const r = rand();
    const ext: Address[] = [];
    const internal: Address[] = [];
    if (r < 0.1) {
      mix.internalOnly++;
      internal.push({ address: `t${randInt(CONFIG.teammates)}@ourco.com` });
      if (rand() < 0.5) internal.push({ address: `ops${randInt(100)}@ourco.io` });
    } else if (r < 0.3) {
      mix.endUser++;
      const q = rand();
      if (q < 0.15) {
        mix.multiAccount++;
        ext.push({ address: mixedCase(pick(d.shared)) });
      } else if (q < 0.2) {
        mix.blocklisted++;
        ext.push({ address: mixedCase(pick(d.blockedSample)) });
      } else {
        ext.push({ address: mixedCase(pick(d.distinct)) });
      }
      if (rand() < 0.3) ext.push({ address: pick(d.distinct) });
      if (rand() < 0.3) ext.push({ address: unknown() });
    } else {
      mix.external++;
      ext.push({ address: unknown() });
      if (rand() < 0.4) ext.push({ address: unknown() });
      if (rand() < 0.2) internal.push({ address: `t${randInt(CONFIG.teammates)}@ourco.com` });
    }
    const incoming = rand() < 0.6;
    const others = [...ext, ...internal];
    const from = incoming && others.length ? [others[0]!] : [owner];
    const rest = incoming ? others.slice(1).concat(owner) : others;
    const cut = Math.ceil(rest.length / 2);
    const item: EmailItem = {
      messageId: `m${k}@bench`,
      fingerprint: `f${k}`,
      sentAt: null,
      receivedAt: new Date(0),
      from,
      to: rest.slice(0, cut),
      cc: rest.slice(cut),
      bcc: !incoming && rand() < 0.05 ? [{ address: pick(d.distinct) }] : [],
      subject: '',
    };
    const historic = rand() < 0.03;
    if (historic) mix.historic++;
    const when = new Date(historic ? AUTHORIZED_AT.getTime() - randInt(1e9) : AUTHORIZED_AT.getTime() + randInt(SPAN));
    item.receivedAt = when;
    const sightings: Sighting[] = [
      { connection: conn, folder: incoming ? 'INBOX' : 'Sent', at: when, seenAt: new Date(when.getTime() + randInt(600_000)) },
    ];
    if (rand() < 0.1)
      sightings.push({ connection: pick(conns), folder: 'INBOX', at: when, seenAt: new Date(when.getTime() + randInt(600_000)) });
    pool.push({ item, sightings });
  }
  return { pool, mix };
}

function buildMeetings(d: ReturnType<typeof buildInput>, conns: ConnectionView[]): MeetingCase[] {
  const pool: MeetingCase[] = [];
  const statuses: PartStat[] = ['ACCEPTED', 'ACCEPTED', 'DECLINED', 'TENTATIVE', 'NEEDS-ACTION'];
  for (let k = 0; k < CONFIG.meetingPool; k++) {
    const conn = pick(conns);
    const attendees: Attendee[] = [{ address: conn.ownerAddresses[0]!, partstat: 'ACCEPTED' }];
    const n = 1 + randInt(5);
    for (let i = 0; i < n; i++) {
      const r = rand();
      const address =
        r < 0.4
          ? pick(d.distinct)
          : r < 0.5
            ? pick(d.shared)
            : r < 0.55
              ? pick(d.blockedSample)
              : `p${randInt(1e9).toString(36)}@x${randInt(1e5)}.com`;
      attendees.push({ address: mixedCase(address), partstat: pick(statuses) });
    }
    const start = new Date(AUTHORIZED_AT.getTime() + randInt(SPAN * 1.1) - SPAN * 0.05);
    const o = rand();
    const organizer =
      o < 0.8
        ? { address: pick(conn.ownerAddresses) }
        : o < 0.9
          ? { address: attendees[1]!.address }
          : o < 0.95
            ? { address: `t${randInt(CONFIG.teammates)}@ourco.com` }
            : null;
    const cancelled = rand() < 0.05;
    const occurrence: MeetingOccurrence = {
      uid: `e${k}@bench`,
      start,
      end: new Date(start.getTime() + 1_800_000),
      allDay: false,
      title: '',
      organizer,
      attendees,
      cancelled,
      ...(cancelled ? { cancelledAt: new Date(start.getTime() + (rand() < 0.5 ? -3_600_000 : 600_000)) } : {}),
      recurring: rand() < 0.3,
    };
    pool.push({ occurrence, sightings: [{ connection: conn, folder: 'Calendar', at: start, seenAt: start }] });
  }
  return pool;
}

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
  outcomes: Record<string, number>;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function time<T>(pool: T[], decide: (c: T) => { outcome: string; accounts: unknown[] }): Series {
  const runs: number[] = [];
  const wallRuns: number[] = [];
  const outcomes: Record<string, number> = {};
  // Warm-up: let the JIT settle before measuring (not counted).
  for (let i = 0; i < Math.min(100_000, CONFIG.decisionsPerRun); i++) decide(pool[i % pool.length]!);
  for (let r = 0; r < CONFIG.runs; r++) {
    let linked = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < CONFIG.decisionsPerRun; i++) {
      const d = decide(pool[i % pool.length]!);
      if (d.accounts.length) linked++;
      if (r === 0 && i < pool.length) outcomes[d.outcome] = (outcomes[d.outcome] ?? 0) + 1;
    }
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    runs.push(Math.round(CONFIG.decisionsPerRun / (cpuMs / 1000)));
    wallRuns.push(Math.round(CONFIG.decisionsPerRun / (wallMs / 1000)));
    if (linked < 0) console.log(linked); // keep the result observable
  }
  return { runs, median: median(runs), min: Math.min(...runs), max: Math.max(...runs), wallRuns, wallMedian: median(wallRuns), outcomes };
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

  const conns = connections();
  const { pool: emails, mix } = buildEmails(data, conns);
  const meetings = buildMeetings(data, conns);
  const pct = (n: number) => `${Math.round((n / CONFIG.emailPool) * 100)}%`;
  console.log(
    `email pool: ${fmt(emails.length)} — with an end-user participant ${pct(mix.endUser)} (incl. multi-account ${pct(mix.multiAccount)}, ` +
      `blocklisted ${pct(mix.blocklisted)} of all), ` +
      `internal-only ${pct(mix.internalOnly)}, no end user ${pct(mix.external)}; historic ${pct(mix.historic)}. meeting pool: ${fmt(meetings.length)}`,
  );

  const show = (name: string, x: Series) =>
    console.log(
      `${name} median ${fmt(x.median)} decisions/CPU-second (runs ${x.runs.map(fmt).join(', ')}); wall-clock median ${fmt(x.wallMedian)}/s; ` +
        `outcomes ${JSON.stringify(x.outcomes)}`,
    );
  // BENCH_ONLY=email|meeting times one of the two (for profiling); results.json is then not written.
  const only = process.env.BENCH_ONLY;
  // The headline is the sync's hot path (codes only; details written for linked items).
  // The troubleshooter's full-detail path is measured alongside for reference.
  const email = only === 'meeting' ? undefined : time(emails, (c) => decideEmailForSync(c, dir, NOW));
  if (email) show('decideEmail (sync path):  ', email);
  const meeting = only === 'email' ? undefined : time(meetings, (c) => decideMeetingForSync(c, dir, NOW));
  if (meeting) show('decideMeeting (sync path):', meeting);
  if (!email || !meeting) return;
  const emailDetailed = time(emails, (c) => decideEmail(c, dir, NOW));
  show('decideEmail (all details): ', emailDetailed);
  const meetingDetailed = time(meetings, (c) => decideMeeting(c, dir, NOW));
  show('decideMeeting (all details):', meetingDetailed);

  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024); // maxRSS is in KiB
  console.log(`peak RSS: ${peakRssMb} MB (process start ${mb(rssBefore)} MB)`);

  const pass = {
    emailThroughput: email.median >= TARGET_PER_SEC,
    meetingThroughput: meeting.median >= TARGET_PER_SEC,
    peakRss: peakRssMb <= TARGET_RSS_MB,
  };
  console.log(
    `targets: decideEmail ≥ ${fmt(TARGET_PER_SEC)}/s ${pass.emailThroughput ? 'MET' : 'MISSED'}; ` +
      `decideMeeting ≥ ${fmt(TARGET_PER_SEC)}/s ${pass.meetingThroughput ? 'MET' : 'MISSED'}; ` +
      `peak RSS ≤ ${TARGET_RSS_MB} MB ${pass.peakRss ? 'MET' : 'MISSED'}`,
  );

  const users = `${fmt(CONFIG.endUsers)} end users in ${fmt(CONFIG.accounts)} accounts`;
  const rows = [
    absoluteRow({
      id: 'rules.email',
      what: `rule engine: decideEmail on the sync path, ${users} (one core, per CPU-second)`,
      unit: 'decisions/s',
      value: email.runs,
      target: `≥ ${fmt(TARGET_PER_SEC)} decisions/s`,
      met: (m) => m >= TARGET_PER_SEC,
    }),
    absoluteRow({
      id: 'rules.meeting',
      what: `rule engine: decideMeeting on the sync path, ${users} (one core, per CPU-second)`,
      unit: 'decisions/s',
      value: meeting.runs,
      target: `≥ ${fmt(TARGET_PER_SEC)} decisions/s`,
      met: (m) => m >= TARGET_PER_SEC,
    }),
    absoluteRow({
      id: 'rules.rss',
      what: 'rule engine: peak RSS of the whole benchmark (1M-user index, pools, decisions)',
      unit: 'MB',
      value: [peakRssMb],
      target: `≤ ${TARGET_RSS_MB} MB`,
      met: (m) => m <= TARGET_RSS_MB,
    }),
  ];
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
    decideEmailAllDetails: emailDetailed,
    decideMeetingAllDetails: meetingDetailed,
    peakRssMb,
    targets: { decisionsPerSecond: TARGET_PER_SEC, peakRssMb: TARGET_RSS_MB },
    pass,
  };
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'rules.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

main();
