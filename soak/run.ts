// `npm run soak -- [--minutes 30] [--mailboxes 1000] [--calendars 200] [--rate 1] [--burst 100] [--no-docs]`
//
// Touchpoint under load for half an hour: N IMAP mailboxes on a real Dovecot with IDLE, M
// CalDAV calendars on Radicale, all on loopback; `touchpoint serve` (API, scheduler, IDLE
// sessions, workers) and one `touchpoint worker` on a private PostgreSQL. Mail arrives at a
// steady rate with a burst every window; Dovecot restarts at 40 % of the run and PostgreSQL
// at 65 %. Per window: new mail → linked p50/p95, RSS, open fds, sync queue depth, IDLE
// sessions alive, load. At the end: every delivered message linked once (0 lost, 0
// duplicated) and every meeting seen. Not part of `npm test`: see docs/soak.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/open.js';
import { freePort, startDovecot } from '../scripts/services/dovecot.js';
import { RadicaleServer } from '../scripts/services/radicale.js';
import { customer, deliver, makeCalendars, makeMaildirs, meeting, PASSPHRASE, PASSWORD, seedWorkspaces, user } from './fixtures.js';
import { startPrivatePostgres } from './postgres.js';
import { duplicates, meetingUids, sample, Tracker, type Sample } from './probe.js';
import { markdownTable, rows, writeDocs, type Window } from './report.js';

const { values: a } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    mailboxes: { type: 'string', default: '1000' },
    calendars: { type: 'string', default: '200' },
    rate: { type: 'string', default: '1' },
    burst: { type: 'string', default: '100' },
    interval: { type: 'string', default: '5' },
    'calendar-interval': { type: 'string', default: '5' },
    'warm-up': { type: 'string', default: '10' },
    drain: { type: 'string', default: '15' },
    'no-docs': { type: 'boolean', default: false },
  },
});
const MINUTES = Number(a.minutes);
const MAILBOXES = Number(a.mailboxes);
const CALENDARS = Math.min(Number(a.calendars), MAILBOXES);
const RATE = Number(a.rate);
const BURST = Math.min(Number(a.burst), MAILBOXES);
const INTERVAL = Number(a.interval);
const CAL_INTERVAL = Number(a['calendar-interval']);
const WINDOW_MS = (MINUTES < 10 ? 1 : 5) * 60_000;
const RUN_MS = MINUTES * 60_000;
const log = (msg: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const workDir = mkdtempSync(join(tmpdir(), 'tp-soak-'));
log(`soak: ${MAILBOXES} IMAP mailboxes, ${CALENDARS} CalDAV calendars, ${MINUTES} min; logs in ${workDir}`);

raiseInotifyLimit(MAILBOXES * 2 + 200);

const users = Object.fromEntries(Array.from({ length: MAILBOXES }, (_, i) => [user(i), PASSWORD]));
// Each mailbox: one IDLE session, one sync at a time, plus headroom for the restart's reconnects.
const dovecot = await startDovecot({ users, maxConnections: Math.ceil(MAILBOXES * 1.5) + 100 });
makeMaildirs(dovecot, MAILBOXES);
const radicale = await RadicaleServer.start({
  users: Object.fromEntries(Array.from({ length: CALENDARS }, (_, i) => [user(i), PASSWORD])),
});
const pg = await startPrivatePostgres(300);
const started = new Date();
const calendars = await makeCalendars(radicale, CALENDARS, started);
const db = await openStore(pg.url, { poolMax: 24 });
const { wsId, calendarWsId } = await seedWorkspaces(db, {
  mailboxes: MAILBOXES,
  calendars: CALENDARS,
  interval: INTERVAL,
  calendarInterval: CAL_INTERVAL,
  dovecot,
  radicale,
  now: started,
});
log(`seeded: Dovecot :${dovecot.port}, Radicale :${radicale.port}, PostgreSQL :${pg.port}`);

// Ctrl-C (or SIGTERM) stops everything this run started: the services, Dovecot, Radicale, PostgreSQL.
let children: ChildProcess[] = [];
const abandon = () => {
  stopping = true;
  for (const c of children) c.kill('SIGKILL');
  void dovecot
    .stop()
    .catch(() => undefined)
    .then(() => radicale.close())
    .catch(() => undefined)
    .finally(() => {
      try {
        pg.stop();
      } finally {
        process.exit(130);
      }
    });
};
process.once('SIGINT', abandon);
process.once('SIGTERM', abandon);

const port = await freePort();
const env = {
  ...process.env,
  TOUCHPOINT_DB: pg.url,
  TOUCHPOINT_SECRET_KEY: PASSPHRASE,
  TOUCHPOINT_OUTBOUND_ALLOW: '127.0.0.1/32',
  TOUCHPOINT_LOG_LEVEL: 'info',
  TOUCHPOINT_WORKER_CONCURRENCY: '8',
};
/** A service process with room for its sockets (`ulimit -n`), its log in the work dir. */
function service(role: 'serve' | 'worker', extra: Record<string, string>): ChildProcess {
  const child = spawn('bash', ['-c', `ulimit -n 20000 && exec node bin/touchpoint ${role}`], {
    env: { ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = createWriteStream(join(workDir, `${role}.log`));
  // Two pipes into one file: neither may end it (stdout ending first lost stderr's last lines,
  // the very ones saying why a service died, and crashed the soak: write after end).
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  child.on('close', () => out.end());
  child.on('exit', (code, signal) => {
    if (!stopping) log(`${role} exited unexpectedly (${code ?? signal}): see ${join(workDir, `${role}.log`)}`);
  });
  return child;
}
let stopping = false;
const serve = service('serve', { TOUCHPOINT_PORT: String(port) });
const worker = service('worker', { TOUCHPOINT_PORT: '0' });
children = [serve, worker];
const metricsUrl = `http://127.0.0.1:${port}/metrics`;
for (let i = 0; ; i++) {
  const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) break;
  if (i > 300) throw new Error('serve did not answer /healthz within 5 minutes');
  await sleep(1000);
}

// Warm-up: every IDLE session up and the first syncs done, before the clock starts.
const warmDeadline = Date.now() + Number(a['warm-up']) * 60_000;
for (;;) {
  const s = await sample(serve.pid!, worker.pid ?? null, metricsUrl);
  log(
    `warm-up: ${s.idle ?? '?'} of ${MAILBOXES} IDLE sessions, sync queue ${s.queue ?? '?'}, RSS ${s.rssMb} MB, load ${s.load1.toFixed(1)}`,
  );
  if ((s.idle === MAILBOXES && s.queue !== null && s.queue < 10) || Date.now() > warmDeadline) break;
  await sleep(5000);
}

const tracker = new Tracker();
const samples: Sample[] = [];
const t0 = Date.now();
const windows: Window[] = [];
for (let from = t0; from < t0 + RUN_MS; from += WINDOW_MS) windows.push({ from, to: Math.min(from + WINDOW_MS, t0 + RUN_MS), events: [] });
const note = (e: string) => {
  const w = windows.find((x) => Date.now() >= x.from && Date.now() < x.to) ?? windows[windows.length - 1]!;
  w.events.push(e);
  log(e);
};

let seq = 0;
const deliverOne = (i: number) => {
  const messageId = `soak-${++seq}-${i}@cust.example`;
  const at = Date.now();
  deliver(dovecot, i, messageId, customer(seq), new Date(at), seq);
  tracker.delivered({ messageId, mailbox: i, at });
};
const events: string[] = [];
const lastEventAt = t0 + Math.max(RUN_MS - (CAL_INTERVAL + 1) * 60_000, RUN_MS / 2);
const timers = [
  setInterval(() => deliverOne(Math.floor(Math.random() * MAILBOXES)), 1000 / RATE),
  setInterval(() => void tracker.poll(db, wsId), 250),
  setInterval(() => void sample(serve.pid!, worker.pid ?? null, metricsUrl).then((s) => samples.push(s)), 5000),
  setInterval(() => {
    // A meeting booked now and then on a calendar (polled at the sync interval: stops 6 minutes before the end).
    if (Date.now() > lastEventAt) return;
    const i = Math.floor(Math.random() * CALENDARS);
    const uid = `soak-ev-${i}-${events.length + 1}@ourco.com`;
    events.push(uid);
    void calendars[i]!.put('work', `${uid}.ics`, meeting(uid, i, new Date(Date.now() + 60 * 60_000))).catch((err: Error) =>
      log(`PUT event: ${err.message}`),
    );
  }, 15_000),
];
// A burst in the middle of every window: BURST mailboxes get a message at the same instant.
for (const w of windows) {
  setTimeout(
    () => {
      const start = Math.floor(Math.random() * MAILBOXES);
      for (let k = 0; k < BURST; k++) deliverOne((start + k) % MAILBOXES);
      note(`burst of ${BURST}`);
    },
    (w.from + w.to) / 2 - t0,
  );
}
setTimeout(() => {
  note('Dovecot restart');
  void dovecot.restart().then(
    () => log('Dovecot is back'),
    (err: Error) => log(`Dovecot restart failed: ${err.message}`),
  );
}, RUN_MS * 0.4);
setTimeout(() => {
  note('PostgreSQL restart');
  try {
    pg.restart();
    log('PostgreSQL is back');
  } catch (err) {
    log(`PostgreSQL restart failed: ${(err as Error).message}`);
  }
}, RUN_MS * 0.65);

for (let left = RUN_MS; left > 0; left -= 60_000) {
  await sleep(Math.min(60_000, left));
  const s = samples[samples.length - 1];
  log(
    `${Math.round((Date.now() - t0) / 60_000)} min: ${tracker.deliveries.size} delivered, ${tracker.pendingCount} pending` +
      (s ? `, IDLE ${s.idle ?? '?'}, queue ${s.queue ?? '?'}, RSS ${s.rssMb} MB, fds ${s.fds}, load ${s.load1.toFixed(1)}` : ''),
  );
}
clearInterval(timers[0]);
clearInterval(timers[3]);

// Drain: the queue may still hold syncs (a machine too busy to keep up); the last messages get
// up to --drain minutes to be linked. What is still pending then is counted as lost.
const drainStarted = Date.now();
const drainUntil = drainStarted + Number(a.drain) * 60_000;
while (tracker.pendingCount > 0 && Date.now() < drainUntil) {
  await tracker.poll(db, wsId);
  await sleep(5000);
  const s = await sample(serve.pid!, worker.pid ?? null, metricsUrl);
  log(`draining: ${tracker.pendingCount} messages pending, sync queue ${s.queue ?? '?'}`);
}
const drainMinutes = ((Date.now() - drainStarted) / 60_000).toFixed(1);
const want = new Set([...calendars.map((_, i) => `soak-ev-${i}-0@ourco.com`), ...events]);
let seen = await meetingUids(db, calendarWsId);
const meetingsUntil = Date.now() + 2 * 60_000;
while ([...want].some((u) => !seen.has(u)) && Date.now() < meetingsUntil) {
  await sleep(5000);
  seen = await meetingUids(db, calendarWsId);
}
for (const t of timers) clearInterval(t);

const all = [...tracker.deliveries.values()];
const lost = all.filter((d) => !d.linkedAt);
const notLinked = all.filter((d) => d.linkedAt && d.outcome !== 'linked');
const dup = await duplicates(db, wsId);
const missingMeetings = [...want].filter((u) => !seen.has(u));
const table = markdownTable(rows(windows, all, samples, t0));
const load = samples.map((s) => s.load1);
const summary = [
  `Run of ${new Date(t0).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${MINUTES} minutes (after a warm-up until every IDLE session was up): ` +
    `${MAILBOXES} IMAP mailboxes with IDLE, ${CALENDARS} CalDAV calendars, sync interval ${INTERVAL} min (calendars ${CAL_INTERVAL} min), ${RATE} message/s steady plus a burst of ${BURST} per window; ` +
    `load average (1 min) ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} on ${(await import('node:os')).cpus().length} cores shared with other work.`,
  '',
  `After the last window the remaining mail took ${drainMinutes} min to be linked (the queue's backlog).`,
  '',
  `**${all.length} messages delivered: ${all.length - lost.length} linked, ${lost.length} lost, ${dup} duplicated, ${notLinked.length} decided "not linked"; ` +
    `${want.size} meetings booked: ${want.size - missingMeetings.length} seen, ${missingMeetings.length} missing.**`,
];
console.log(`\n${table}\n\n${summary.join('\n')}`);
if (lost.length)
  console.log(
    `lost (first 10): ${lost
      .slice(0, 10)
      .map((d) => d.messageId)
      .join(', ')}`,
  );
if (!a['no-docs']) writeDocs(new URL('../docs/soak.md', import.meta.url).pathname, `${summary.join('\n')}\n\n${table}`);

stopping = true;
serve.kill('SIGTERM');
worker.kill('SIGTERM');
// serve holds every IDLE session: it must exit on SIGTERM by itself (a hang guard, then kill).
const stopAsked = Date.now();
const exited = (c: typeof serve) => new Promise((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));
const guard = sleep(120_000).then(() => 'still running after 120 s');
for (const [name, c] of [
  ['serve', serve],
  ['worker', worker],
] as const) {
  const how = await Promise.race([exited(c), guard]);
  log(
    `${name} after SIGTERM: ${typeof how === 'string' ? how : `exited with ${how} in ${((Date.now() - stopAsked) / 1000).toFixed(1)} s`}`,
  );
  if (typeof how === 'string') c.kill('SIGKILL');
}
await db.destroy();
await dovecot.stop();
await radicale.close();
pg.stop();
log(`done; service logs kept in ${workDir}`);
process.exit(lost.length || dup || missingMeetings.length ? 1 : 0);

/**
 * Dovecot's IDLE watches each mailbox with one inotify instance per session; past the kernel's
 * per-user limit (128 by default) it falls back to polling every 30 s, and new mail → linked
 * becomes the poll interval, not ours. A real mail server is tuned for its sessions: so is this one.
 */
function raiseInotifyLimit(want: number): void {
  const file = '/proc/sys/fs/inotify/max_user_instances';
  try {
    const now = Number(readFileSync(file, 'utf8'));
    if (now >= want) return;
    writeFileSync(file, String(want));
    log(`raised fs.inotify.max_user_instances ${now} → ${want} (Dovecot IDLE: one per session)`);
  } catch (err) {
    log(`could not raise fs.inotify.max_user_instances (${(err as Error).message}): IDLE may fall back to 30 s polling`);
  }
}
