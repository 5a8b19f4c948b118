// Runs INSIDE a checkout of release 0.1.0 (commit 196e13c), copied there by ../make.sh as
// test/upgrade-fixtures-build.test.ts and run with that checkout's own vitest: it builds the
// upgrade fixtures with 0.1.0's CLI (bin/touchpoint) against real servers (Dovecot, Radicale)
// and 0.1.0's Google and Microsoft emulators, once on SQLite and once on PostgreSQL.
// It imports 0.1.0's test helpers, so it is not type-checked in the current tree.
import { mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GoogleEmulator } from './emulators/google.js';
import { MicrosoftEmulator } from './emulators/microsoft.js';
import { CalDavAccount, RadicaleServer } from './support/caldav-server.js';
import { BIN, eml, ics, ROOT, runCli } from './support/cli.js';
import { deliver, startMailServer, type Dovecot } from './support/imap.js';

const OUT = process.env.UPGRADE_FIXTURES_OUT!;
const PG_ADMIN = process.env.UPGRADE_FIXTURES_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PG_DB = 'tp_upgrade_fixture_010';
const NOW = '2026-03-10T12:00:00Z';
const AUTH = '2026-03-01T00:00:00Z';
/** The fixtures' key: committed with them, so the upgrade test can prove secrets still decrypt. */
const KEY = 'touchpoint upgrade fixture key 0.1.0, not a real secret';

const g = new GoogleEmulator();
const ms = new MicrosoftEmulator();
let dovecot: Dovecot;
let radicale: RadicaleServer;

const EMAILS = [
  'renewal-1@mail.acme.com',
  'historic-4@mail.acme.com',
  'plus-6@mail.acme.com',
  'partner-7@partnerco.com',
  'joint-3@globex.com',
  'imap-1@acme.com',
  'imap-internal@ourco.com',
  'gmail-1@acme.com',
  'gmail-kate@acme.com',
  'graph-1@acme.com',
  'nowhere@acme.com',
];
const MEETINGS: [string, string?][] = [
  ['globex-weekly@ourco.com'],
  ['acme-internal-sync@acme.com'],
  ['qbr-cancelled@ourco.com'],
  ['caldav-weekly@ourco.com', '2026-03-04T15:00:00.000Z'],
  ['caldav-single@ourco.com'],
  ['g-single-1'],
  ['g-weekly'],
  ['040000008200E00074C5B7101A82E008-ms-1'],
];

const mail = (id: string, at: string, over: Record<string, string> = {}) =>
  eml({ from: 'john@acme.com', to: 'alice@ourco.com', date: at, messageId: id, subject: `About ${id}`, body: `Body of ${id}`, ...over });

async function tp(db: string, args: string[]): Promise<string> {
  const r = await runCli(['--db', db, '--now', NOW, ...args]);
  if (r.code !== 0) throw new Error(`touchpoint ${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  Object.assign(process.env, {
    TOUCHPOINT_SECRET_KEY: KEY,
    IMAP_PASS: 'imap-pass-0.1.0',
    CALDAV_PASS: 'caldav-pass-0.1.0',
    TOUCHPOINT_GOOGLE_CLIENT_ID: 'test-client.apps.googleusercontent.com',
    TOUCHPOINT_GOOGLE_CLIENT_SECRET: 'test-client-secret',
    TOUCHPOINT_MICROSOFT_CLIENT_ID: '00000000-0000-0000-0000-00000000c11e',
    TOUCHPOINT_MICROSOFT_CLIENT_SECRET: 'test-client-secret',
  });
  await g.start();
  await ms.start();
  Object.assign(process.env, {
    TOUCHPOINT_GOOGLE_TOKEN_URL: g.tokenUrl,
    TOUCHPOINT_GOOGLE_ROOT_URL: g.rootUrl,
    TOUCHPOINT_MICROSOFT_AUTHORITY: ms.authority,
    TOUCHPOINT_GRAPH_BASE_URL: ms.graphBaseUrl,
  });
  dovecot = await startMailServer({ users: { 'erin@ourco.com': 'imap-pass-0.1.0' } });
  await deliver(dovecot, 'erin@ourco.com', 'imap-pass-0.1.0', [
    { raw: mail('imap-1@acme.com', '2026-03-03T09:00:00Z', { to: 'erin@ourco.com' }), at: '2026-03-03T09:00:00Z' },
    {
      raw: mail('imap-internal@ourco.com', '2026-03-04T09:00:00Z', { from: 'bob@ourco.com', to: 'erin@ourco.com' }),
      at: '2026-03-04T09:00:00Z',
    },
    { raw: mail('imap-old@acme.com', '2026-02-20T09:00:00Z', { to: 'erin@ourco.com' }), at: '2026-02-20T09:00:00Z' },
    {
      raw: mail('renewal-1@mail.acme.com', '2026-03-05T09:00:00Z', { to: 'erin@ourco.com', cc: 'alice@ourco.com' }),
      at: '2026-03-05T09:00:01Z',
    },
  ]);
  radicale = await RadicaleServer.start({ users: { 'frank@ourco.com': 'caldav-pass-0.1.0' } });
  const cal = new CalDavAccount(radicale, 'frank@ourco.com', 'caldav-pass-0.1.0');
  await cal.makeCalendar('work');
  await cal.put(
    'work',
    'weekly.ics',
    ics(
      {
        uid: 'caldav-weekly@ourco.com',
        start: '20260225T150000Z',
        end: '20260225T153000Z',
        rrule: 'FREQ=WEEKLY;COUNT=6',
        organizer: 'frank@ourco.com',
        attendees: [{ email: 'john@acme.com' }],
      },
      {
        uid: 'caldav-weekly@ourco.com',
        recurrenceId: '20260311T150000Z',
        start: '20260311T160000Z',
        end: '20260311T163000Z',
        organizer: 'frank@ourco.com',
        attendees: [{ email: 'john@acme.com' }, { email: 'kate@acme.com' }],
      },
    ),
  );
  await cal.put(
    'work',
    'single.ics',
    ics({
      uid: 'caldav-single@ourco.com',
      start: '20260305T100000Z',
      end: '20260305T110000Z',
      organizer: 'frank@ourco.com',
      attendees: [{ email: 'bob@globex.com' }],
    }),
  );
  g.addMessage('g-1', mail('gmail-1@acme.com', '2026-03-03T10:00:00Z', { to: 'gina@ourco.com' }), '2026-03-03T10:00:00Z');
  g.addMessage(
    'g-2',
    mail('gmail-kate@acme.com', '2026-03-04T10:00:00Z', { from: 'Kate <KATE@acme.com>', to: 'gina@ourco.com' }),
    '2026-03-04T10:00:00Z',
    ['INBOX', 'IMPORTANT'],
  );
  g.addMessage(
    'g-3',
    mail('gmail-partner@partnerco.com', '2026-03-04T11:00:00Z', { from: 'pat@partnerco.com', to: 'gina@ourco.com' }),
    '2026-03-04T11:00:00Z',
  );
  const gev = (id: string, start: string, extra: Record<string, unknown> = {}) => ({
    id,
    iCalUID: id,
    status: 'confirmed',
    summary: id,
    start: { dateTime: start, timeZone: 'UTC' },
    end: { dateTime: new Date(Date.parse(start) + 1_800_000).toISOString(), timeZone: 'UTC' },
    organizer: { email: 'gina@ourco.com', self: true },
    attendees: [{ email: 'jane@acme.com', responseStatus: 'accepted' }],
    ...extra,
  });
  g.putEvent(gev('g-single-1', '2026-03-05T15:00:00.000Z'));
  for (const day of ['2026-03-02', '2026-03-09', '2026-03-16']) {
    g.putEvent(
      gev(`g-weekly_${day.replaceAll('-', '')}T100000Z`, `${day}T10:00:00.000Z`, {
        iCalUID: 'g-weekly',
        recurringEventId: 'g-weekly',
        originalStartTime: { dateTime: `${day}T10:00:00.000Z` },
        attendees: [{ email: 'bob@globex.com', responseStatus: 'accepted' }],
      }),
    );
  }
  ms.addMessage({
    id: 'AAMk-1',
    folder: 'inbox',
    internetMessageId: 'graph-1@acme.com',
    subject: 'About graph-1',
    from: 'john@acme.com',
    to: ['hank@ourco.com'],
    receivedDateTime: '2026-03-06T09:00:00Z',
    body: 'Body of graph-1',
  });
  ms.addMessage({
    id: 'AAMk-2',
    folder: 'sentitems',
    internetMessageId: 'graph-sent@ourco.com',
    subject: 'Re: graph-1',
    from: 'hank@ourco.com',
    to: ['john@acme.com'],
    receivedDateTime: '2026-03-06T10:00:01Z',
    sentDateTime: '2026-03-06T10:00:00Z',
  });
  const mtime = (d: string) => ({ dateTime: d.replace('Z', '').replace(/\.\d+$/, ''), timeZone: 'UTC' });
  ms.putEvent({
    id: 'ms-1',
    iCalUId: '040000008200E00074C5B7101A82E008-ms-1',
    type: 'singleInstance',
    subject: 'Graph meeting',
    start: mtime('2026-03-06T14:00:00'),
    end: mtime('2026-03-06T14:30:00'),
    isAllDay: false,
    isCancelled: false,
    isOrganizer: true,
    organizer: { emailAddress: { address: 'hank@ourco.com', name: 'hank' } },
    attendees: [
      {
        type: 'required',
        status: { response: 'accepted', time: '0001-01-01T00:00:00Z' },
        emailAddress: { address: 'kate@acme.com', name: 'Kate' },
      },
    ],
    originalStartTimeZone: 'UTC',
  });
  mkdirSync(OUT, { recursive: true });
}, 600_000);

afterAll(async () => {
  await g.stop();
  await ms.stop();
  await dovecot?.stop();
  await radicale?.close();
});

/** Every provider 0.1.0 knows, a recurring series on three of them, a suppression, the blocklist, a token, a webhook. */
async function build(db: string): Promise<void> {
  await tp(db, ['init', '--workspace', 'cs-team', '--internal-domain', 'ourco.com', '--internal-domain', 'ourco.io']);
  for (const [email, ...more] of [
    ['alice@ourco.com', '--alias', 'alice.chen@ourco.com', '--name', 'Alice Chen'],
    ['dan@ourco.com'],
    ['erin@ourco.com'],
    ['frank@ourco.com'],
    ['gina@ourco.com'],
    ['hank@ourco.com'],
  ]) {
    await tp(db, ['teammate', 'add', '--email', email!, ...more]);
  }
  for (const [id, name] of [
    ['acme', 'Acme Corp'],
    ['globex', 'Globex'],
    ['initech', 'Initech'],
  ])
    await tp(db, ['account', 'add', '--id', id!, '--name', name!]);
  await tp(db, ['users', 'import', path.join(ROOT, 'examples/demo/users.csv'), '--source', 'crm:salesforce']);
  await tp(db, ['blocklist', 'add', 'partnerco.com']);
  const demo = (p: string) => path.join(ROOT, 'examples/demo', p);
  await tp(db, [
    'connect',
    'folder',
    '--teammate',
    'alice@ourco.com',
    '--mail',
    demo('mail/alice'),
    '--calendar',
    demo('calendar/alice'),
    '--authorized-at',
    AUTH,
  ]);
  await tp(db, ['connect', 'folder', '--teammate', 'dan@ourco.com', '--mail', demo('mail/dan'), '--authorized-at', AUTH]);
  await tp(db, [
    'connect',
    'imap',
    '--teammate',
    'erin@ourco.com',
    '--host',
    dovecot.host,
    '--port',
    String(dovecot.port),
    '--plain',
    '--user',
    'erin@ourco.com',
    '--password-env',
    'IMAP_PASS',
    '--authorized-at',
    AUTH,
  ]);
  await tp(db, [
    'connect',
    'caldav',
    '--teammate',
    'frank@ourco.com',
    '--url',
    radicale.url,
    '--user',
    'frank@ourco.com',
    '--password-env',
    'CALDAV_PASS',
    '--authorized-at',
    AUTH,
  ]);
  process.env.GINA_GMAIL = g.issueRefreshToken();
  process.env.GINA_GCAL = g.issueRefreshToken();
  process.env.HANK_MS = ms.issueRefreshToken();
  await tp(db, ['connect', 'gmail', '--teammate', 'gina@ourco.com', '--token-env', 'GINA_GMAIL', '--authorized-at', AUTH]);
  await tp(db, ['connect', 'google-calendar', '--teammate', 'gina@ourco.com', '--token-env', 'GINA_GCAL', '--authorized-at', AUTH]);
  await tp(db, ['connect', 'microsoft', '--teammate', 'hank@ourco.com', '--token-env', 'HANK_MS', '--authorized-at', AUTH]);
  await tp(db, ['sync']);
  await tp(db, ['sync']);
  await tp(db, ['user', 'delete', '--account', 'globex', '--email', 'jane@acme.com', '--suppress']);
  const token = /tp_[A-Za-z0-9_-]+/.exec(await tp(db, ['token', 'create', '--role', 'admin', '--name', 'ops']))![0];
  await tp(db, ['token', 'create', '--role', 'csm', '--name', 'reader']);
  await putWebhook(db, token);
}

/** 0.1.0 sets the webhook over its API only: serve, PUT /v1/webhook, stop. */
async function putWebhook(db: string, token: string): Promise<void> {
  const port = 18000 + Math.floor(Math.random() * 2000);
  const p = spawn(process.execPath, [BIN, '--db', db, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    env: process.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    for (let i = 0; ; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/webhook`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          url: 'https://hooks.example.com/touchpoint',
          events: ['activity.linked', 'connection.needs_reauth'],
          enabled: true,
          secret: 'webhook-signing-secret-0.1.0-abcdef',
        }),
      }).catch(() => null);
      if (res) {
        expect(res.status, await res.text()).toBe(200);
        return;
      }
      if (i > 300) throw new Error('serve did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    p.kill('SIGTERM');
    await new Promise((r) => p.once('exit', r));
  }
}

async function explainAnswers(db: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const id of EMAILS) out[`email ${id}`] = JSON.parse(await tp(db, ['explain', 'email', id, '--json']));
  for (const [uid, occ] of MEETINGS)
    out[`meeting ${uid}${occ ? ` @${occ}` : ''}`] = JSON.parse(
      await tp(db, ['explain', 'meeting', uid, ...(occ ? ['--occurrence', occ] : []), '--json']),
    );
  return out;
}

function sqliteCounts(file: string): Record<string, number> {
  const d = new Database(file, { readonly: true });
  const names = d.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as {
    name: string;
  }[];
  const counts = Object.fromEntries(
    names.map(({ name }) => [name, (d.prepare(`select count(*) as n from "${name}"`).get() as { n: number }).n]),
  );
  d.close();
  return counts;
}

async function pgCounts(url: string): Promise<Record<string, number>> {
  const c = new pg.Client(url);
  await c.connect();
  const { rows } = await c.query("select table_name from information_schema.tables where table_schema = 'public' order by table_name");
  const counts: Record<string, number> = {};
  for (const { table_name } of rows) counts[table_name] = Number((await c.query(`select count(*) as n from "${table_name}"`)).rows[0].n);
  await c.end();
  return counts;
}

const write = (name: string, v: unknown) => writeFileSync(path.join(OUT, name), `${JSON.stringify(v, null, 2)}\n`);

it('builds the SQLite fixture with 0.1.0', async () => {
  const file = path.join(OUT, 'touchpoint-0.1.0.db');
  await build(file);
  write('explain-0.1.0.sqlite.json', await explainAnswers(file));
  // One file, no -wal beside it: checkpoint and leave rollback-journal mode.
  const d = new Database(file);
  d.pragma('wal_checkpoint(TRUNCATE)');
  d.pragma('journal_mode = DELETE');
  d.close();
  write('counts-0.1.0.sqlite.json', sqliteCounts(file));
}, 600_000);

it('builds the PostgreSQL fixture with 0.1.0', async () => {
  const admin = new pg.Client(PG_ADMIN);
  await admin.connect();
  await admin.query(`drop database if exists ${PG_DB}`);
  await admin.query(`create database ${PG_DB}`);
  await admin.end();
  const url = Object.assign(new URL(PG_ADMIN), { pathname: `/${PG_DB}` }).toString();
  await build(url);
  write('explain-0.1.0.postgres.json', await explainAnswers(url));
  write('counts-0.1.0.postgres.json', await pgCounts(url));
  execFileSync('pg_dump', ['--no-owner', '--no-privileges', '--file', path.join(OUT, 'touchpoint-0.1.0.postgres.sql'), url]);
}, 600_000);
