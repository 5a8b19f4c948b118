// Benchmark: CalDAV sync against a real Radicale, in the same run:
//   (a) the protocol alone — tsdav's sync-collection REPORT asking for etag + calendar-data;
//   (b) Touchpoint's sync of the same calendar: discover, list, multiget, parse and expand
//       with ical.js, decide M1–M6, store in SQLite.
// Both initial (empty token) and incremental (after 20 events changed), medians of a few runs.
//
//   npm run bench:caldav                          BENCH_EVENTS=2000 BENCH_SERIES=200 BENCH_RUNS=5
// Results go to bench/results/caldav.json.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { syncCollection } from 'tsdav';
import { RadicaleServer } from '../scripts/services/radicale.js';
import { withContext } from '../src/cli/context.js';
import { loadConfig } from '../src/config/index.js';
import { createSecrets } from '../src/secrets/secrets.js';
import { CalDavCalendarSource } from '../src/providers/caldav/caldav-calendar-source.js';
import { syncAll } from '../src/sync/run-sync.js';
import { getCursor } from '../src/store/connections.js';
import { addAccount } from '../src/store/directory.js';
import { QUICK, ratioRow } from './report.js';
import { TEST_OUTBOUND, TEST_OUTBOUND_ALLOW } from '../test/support/config.js';

const int = (name: string, dflt: number) => (process.env[name] ? Number.parseInt(process.env[name]!, 10) : dflt);
const CONFIG = {
  events: int('BENCH_EVENTS', 2000),
  series: int('BENCH_SERIES', 200),
  runs: int('BENCH_RUNS', QUICK ? 2 : 5),
  changed: 20,
  accounts: 500,
  usersPerAccount: 10,
};
const TARGET_RATIO = 2;
const AUTH = '2026-01-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';
const PASSWORD = 'bench-radicale-password-1234';
const ROOT = path.resolve(import.meta.dirname, '..');

process.env.TOUCHPOINT_SECRET_KEY ??= 'touchpoint benchmark passphrase, not a secret 42';
process.env.BENCH_CALDAV_PW = PASSWORD;
// Radicale listens on 127.0.0.1, which the outbound policy refuses unless an operator allows it.
process.env.TOUCHPOINT_OUTBOUND_ALLOW ??= TEST_OUTBOUND_ALLOW;
// The benchmark is an entry point: it reads its configuration once, like the CLI.
const config = loadConfig({ env: process.env });
const globals = { config, secrets: createSecrets(config.secretKey), env: process.env };

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const utc = (d: Date) =>
  `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}00Z`;
const user = (i: number) => `user${i % CONFIG.usersPerAccount}@account${Math.floor(i / CONFIG.usersPerAccount) % CONFIG.accounts}.example`;

/** One VEVENT: a meeting Alice organizes with 1–3 end users, most of whom accepted. */
function vevent(i: number, rev = 0): string[] {
  const recurring = i < CONFIG.series;
  const start = recurring
    ? new Date(Date.UTC(2025, 10, 3 + (i % 7), 9 + (i % 8)))
    : new Date(Date.UTC(2025, 11, 1) + ((i * 97) % (140 * 24)) * 3_600_000);
  const attendees = [0, 1, 2]
    .slice(0, 1 + (i % 3))
    .map((k) => `ATTENDEE;PARTSTAT=${(i + k) % 4 === 0 ? 'NEEDS-ACTION' : 'ACCEPTED'}:mailto:${user(i * 3 + k)}`);
  return [
    'BEGIN:VEVENT',
    `UID:bench-${i}@ourco.com`,
    'DTSTAMP:20251101T000000Z',
    `SEQUENCE:${rev}`,
    `DTSTART:${utc(start)}`,
    `DTEND:${utc(new Date(start.getTime() + 1_800_000))}`,
    ...(recurring ? ['RRULE:FREQ=WEEKLY;COUNT=40', `EXDATE:${utc(new Date(start.getTime() + 7 * 86_400_000 * 10))}`] : []),
    `SUMMARY:Meeting ${i}${rev ? ` (rev ${rev})` : ''}`,
    'ORGANIZER:mailto:alice@ourco.com',
    'ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@ourco.com',
    ...attendees,
    'DESCRIPTION:Agenda: renewal\\, adoption\\, open tickets. Dial-in details follow in the invitation body text.',
    'END:VEVENT',
  ];
}
const calendarText = (events: string[][]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Touchpoint bench//EN', ...events.flat(), 'END:VCALENDAR', ''].join('\r\n');

const auth = { authorization: `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}` };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number) => Math.round(x);

async function http(method: string, url: string, body?: string, headers: Record<string, string> = {}) {
  const r = await fetch(url, { method, headers: { ...auth, ...headers }, ...(body ? { body } : {}) });
  await r.arrayBuffer();
  if (r.status >= 300) throw new Error(`${method} ${url}: HTTP ${r.status}`);
}

function cli(db: string, ...args: string[]): string {
  return execFileSync(process.execPath, [path.join(ROOT, 'bin', 'touchpoint'), '--db', db, '--now', NOW, ...args], { encoding: 'utf8' });
}

/** tsdav sync-collection with calendar data: the least any client must do to read the calendar. */
async function protocolOnly(
  calUrl: string,
  token?: string,
): Promise<{ ms: number; objects: number; token: string; hrefs: Map<number, string> }> {
  const t = performance.now();
  const res = await syncCollection({
    url: calUrl,
    props: { 'd:getetag': {}, 'c:calendar-data': {} },
    syncLevel: 1,
    ...(token ? { syncToken: token } : {}),
    headers: auth,
  });
  const ms = performance.now() - t;
  // Which href Radicale gave each event (index in our list → href), to change some later.
  const hrefs = new Map<number, string>();
  for (const r of res) {
    const data = r.props?.calendarData as string | { _cdata: string } | undefined;
    const text = typeof data === 'string' ? data : data?._cdata;
    const i = text && /UID:bench-(\d+)@/.exec(text)?.[1];
    if (r.href && i) hrefs.set(Number(i), r.href);
  }
  return { ms, objects: hrefs.size, token: String((res[0]!.raw as { multistatus: { syncToken: string } }).multistatus.syncToken), hrefs };
}

async function touchpoint(db: string): Promise<{ ms: number; linked: number; upcoming: number; notLinked: number; errors: number }> {
  return withContext({ db, now: NOW, ...globals }, async (ctx) => {
    const t = performance.now();
    const [r] = await syncAll(ctx);
    const ms = performance.now() - t;
    if (!r || r.failure) throw new Error(`sync failed: ${r?.failure}`);
    return { ms, ...r.calendar, errors: r.errors.length };
  });
}

/** Touchpoint's CalDAV connector alone (discover, list, multiget), without parsing or storing. */
async function connectorOnly(url: string): Promise<number> {
  const t = performance.now();
  const source = new CalDavCalendarSource({ url, user: 'alice', password: PASSWORD, outbound: TEST_OUTBOUND });
  for await (const page of source.changes(null)) void page;
  return performance.now() - t;
}

/**
 * CPU milliseconds spent from now until stop() by this process and by Radicale (all its
 * threads, from /proc): less sensitive than wall time to a machine shared with other work.
 */
function cpuSpan(serverPid: number): () => number {
  const serverMs = () => {
    const stat = readFileSync(`/proc/${serverPid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in 10 ms clock ticks
  };
  const node0 = process.cpuUsage();
  const server0 = serverMs();
  return () => {
    const n = process.cpuUsage(node0);
    return Math.round((n.user + n.system) / 1000 + serverMs() - server0);
  };
}

const copyDb = (from: string, to: string) => {
  for (const sfx of ['', '-wal', '-shm']) if (existsSync(from + sfx)) copyFileSync(from + sfx, to + sfx);
};

async function main() {
  const work = mkdtempSync(path.join(tmpdir(), 'touchpoint-bench-caldav-'));
  const server = await RadicaleServer.start({ users: { alice: PASSWORD } });
  try {
    const calUrl = `${server.url}alice/work/`;
    const t0 = performance.now();
    await http('MKCALENDAR', calUrl);
    // Radicale accepts a whole calendar PUT on the collection and splits it into one object per UID.
    await http('PUT', calUrl, calendarText(Array.from({ length: CONFIG.events }, (_, i) => vevent(i))), {
      'content-type': 'text/calendar',
    });
    const fillMs = performance.now() - t0;
    // Radicale parses and caches each item the first time it is read: do that once, untimed,
    // so the first run does not charge Radicale's cache build to whichever side goes first.
    await protocolOnly(calUrl);

    // A template database: workspace, directory, the CalDAV connection; copied for each run.
    const template = path.join(work, 'template.db');
    cli(template, 'init', '--workspace', 'bench', '--internal-domain', 'ourco.com');
    cli(template, 'teammate', 'add', '--email', 'alice@ourco.com');
    const csv = ['account_id,email,name,external_id'];
    for (let a = 0; a < CONFIG.accounts; a++)
      for (let u = 0; u < CONFIG.usersPerAccount; u++) csv.push(`acc-${a},user${u}@account${a}.example,,`);
    writeFileSync(path.join(work, 'users.csv'), csv.join('\n'));
    // Accounts must exist before the import; 500 CLI calls would take minutes, the store takes ms.
    await withContext({ db: template, now: NOW, ...globals }, async (ctx) => {
      for (let a = 0; a < CONFIG.accounts; a++) await addAccount(ctx.db, ctx.ws.id, { id: `acc-${a}`, name: `Account ${a}` }, ctx.now);
    });
    cli(template, 'users', 'import', path.join(work, 'users.csv'), '--source', 'csv');
    cli(
      template,
      'connect',
      'caldav',
      '--teammate',
      'alice@ourco.com',
      '--url',
      server.url,
      '--user',
      'alice',
      '--password-env',
      'BENCH_CALDAV_PW',
      '--authorized-at',
      AUTH,
    );

    const runs: {
      protocolInitialMs: number;
      connectorInitialMs: number;
      touchpointInitialMs: number;
      protocolIncrementalMs: number;
      touchpointIncrementalMs: number;
      protocolInitialCpuMs: number;
      touchpointInitialCpuMs: number;
      protocolIncrementalCpuMs: number;
      touchpointIncrementalCpuMs: number;
    }[] = [];
    let meetings = { linked: 0, upcoming: 0, notLinked: 0 };
    let objects = 0;
    for (let run = 0; run < CONFIG.runs; run++) {
      const db = path.join(work, `run-${run}.db`);
      copyDb(template, db);
      const pid = server.pid!;
      let stop = cpuSpan(pid);
      const p0 = await protocolOnly(calUrl);
      const p0cpu = stop();
      const c0 = await connectorOnly(server.url);
      stop = cpuSpan(pid);
      const t0r = await touchpoint(db);
      const t0cpu = stop();
      objects = p0.objects;
      meetings = { linked: t0r.linked, upcoming: t0r.upcoming, notLinked: t0r.notLinked };
      if (t0r.errors) throw new Error(`${t0r.errors} item errors`);
      // Change 20 events (a few of them series), then read the change both ways from the same state.
      for (let k = 0; k < CONFIG.changed; k++) {
        const i = (run * 97 + k * 101) % CONFIG.events;
        await http('PUT', new URL(p0.hrefs.get(i)!, server.url).href, calendarText([vevent(i, run + 1)]), {
          'content-type': 'text/calendar',
        });
      }
      stop = cpuSpan(pid);
      const p1 = await protocolOnly(calUrl, p0.token);
      const p1cpu = stop();
      if (p1.objects !== CONFIG.changed) throw new Error(`protocol saw ${p1.objects} changed objects, expected ${CONFIG.changed}`);
      stop = cpuSpan(pid);
      const t1 = await touchpoint(db);
      const t1cpu = stop();
      runs.push({
        protocolInitialMs: round(p0.ms),
        connectorInitialMs: round(c0),
        touchpointInitialMs: round(t0r.ms),
        protocolIncrementalMs: round(p1.ms),
        touchpointIncrementalMs: round(t1.ms),
        protocolInitialCpuMs: p0cpu,
        touchpointInitialCpuMs: t0cpu,
        protocolIncrementalCpuMs: p1cpu,
        touchpointIncrementalCpuMs: t1cpu,
      });
      await withContext({ db, now: NOW, ...globals }, async (ctx) => {
        const c = (await getCursor(
          ctx.db,
          (
            await ctx.db.selectFrom('connections').select('id').executeTakeFirstOrThrow()
          ).id,
          'calendar',
        )) as { calendars: Record<string, { etags: object }> };
        if (Object.keys(Object.values(c.calendars)[0]!.etags).length !== CONFIG.events)
          throw new Error('cursor does not know every object');
      });
      rmSync(db, { force: true });
      console.log(
        `run ${run + 1}/${CONFIG.runs}: initial ${runs.at(-1)!.protocolInitialMs} ms protocol, ${runs.at(-1)!.connectorInitialMs} ms ` +
          `connector alone, ${runs.at(-1)!.touchpointInitialMs} ms Touchpoint; incremental ${runs.at(-1)!.protocolIncrementalMs} / ` +
          `${runs.at(-1)!.touchpointIncrementalMs} ms`,
      );
    }

    const m = (k: keyof (typeof runs)[number]) => median(runs.map((r) => r[k]));
    const initialRatio = m('touchpointInitialMs') / m('protocolInitialMs');
    const incrementalRatio = m('touchpointIncrementalMs') / m('protocolIncrementalMs');
    const col = (k: keyof (typeof runs)[number]) => runs.map((r) => r[k]);
    const events = `${CONFIG.events.toLocaleString('en-US')} events incl. ${CONFIG.series} recurring series`;
    const rows = [
      ratioRow({
        id: 'caldav.initial',
        what: `CalDAV initial sync, ${events} (fetch, expand, decide, store)`,
        limit: 'tsdav sync-collection alone (etag + calendar-data)',
        unit: 'ms',
        value: col('touchpointInitialMs'),
        limitRuns: col('protocolInitialMs'),
        kind: 'time',
        maxRatio: TARGET_RATIO,
      }),
      ratioRow({
        id: 'caldav.incremental',
        what: `CalDAV incremental sync, ${CONFIG.changed} of the ${events} changed`,
        limit: 'tsdav sync-collection alone, from the same token',
        unit: 'ms',
        value: col('touchpointIncrementalMs'),
        limitRuns: col('protocolIncrementalMs'),
        kind: 'time',
        maxRatio: TARGET_RATIO,
      }),
    ];
    const result = {
      bench: 'caldav',
      rows,
      date: new Date().toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      loadAverageAtStart: loadavg()[0],
      radicale: execFileSync('/usr/bin/radicale', ['--version'], { encoding: 'utf8' }).trim(),
      config: CONFIG,
      fillMs: round(fillMs),
      calendarObjects: objects,
      meetingsStored: meetings,
      medians: {
        protocolInitialMs: m('protocolInitialMs'),
        connectorInitialMs: m('connectorInitialMs'),
        touchpointInitialMs: m('touchpointInitialMs'),
        initialRatio: Number(initialRatio.toFixed(2)),
        protocolIncrementalMs: m('protocolIncrementalMs'),
        touchpointIncrementalMs: m('touchpointIncrementalMs'),
        incrementalRatio: Number(incrementalRatio.toFixed(2)),
        // CPU of this process + Radicale during each: the same comparison, less disturbed by other load.
        protocolInitialCpuMs: m('protocolInitialCpuMs'),
        touchpointInitialCpuMs: m('touchpointInitialCpuMs'),
        initialCpuRatio: Number((m('touchpointInitialCpuMs') / m('protocolInitialCpuMs')).toFixed(2)),
        protocolIncrementalCpuMs: m('protocolIncrementalCpuMs'),
        touchpointIncrementalCpuMs: m('touchpointIncrementalCpuMs'),
        incrementalCpuRatio: Number((m('touchpointIncrementalCpuMs') / m('protocolIncrementalCpuMs')).toFixed(2)),
      },
      targetRatio: TARGET_RATIO,
      runs,
    };
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench', 'results', 'caldav.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(
      `\n${objects} calendar objects (${CONFIG.series} recurring series) → ${meetings.linked + meetings.upcoming + meetings.notLinked} ` +
        `occurrences decided and stored`,
    );
    console.log(
      `initial:     protocol ${m('protocolInitialMs')} ms, connector alone ${m('connectorInitialMs')} ms, Touchpoint ` +
        `${m('touchpointInitialMs')} ms → ${initialRatio.toFixed(2)}× (target ≤ ${TARGET_RATIO}×)`,
    );
    console.log(
      `incremental: protocol ${m('protocolIncrementalMs')} ms, Touchpoint ${m('touchpointIncrementalMs')} ms → ` +
        `${incrementalRatio.toFixed(2)}× (${CONFIG.changed} events changed)`,
    );
    console.log(
      `CPU (this process + Radicale): initial ${m('protocolInitialCpuMs')} / ${m('touchpointInitialCpuMs')} ms → ` +
        `${(m('touchpointInitialCpuMs') / m('protocolInitialCpuMs')).toFixed(2)}×; incremental ${m('protocolIncrementalCpuMs')} / ` +
        `${m('touchpointIncrementalCpuMs')} ms → ${(m('touchpointIncrementalCpuMs') / m('protocolIncrementalCpuMs')).toFixed(2)}×`,
    );
    console.log('written to bench/results/caldav.json');
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
