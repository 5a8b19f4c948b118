// User mistakes: a non-zero exit and ONE clear line on stderr ("touchpoint: …"), never a
// stack trace; a CSV with bad rows reports each with its line number while good rows import.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectUserError, ROOT, runCli, Workspace, type CliResult, type ImportReport } from '../support/cli.js';

const NOW = '2026-03-20T12:00:00Z';
const w = new Workspace(NOW);
const fresh = mkdtempSync(path.join(tmpdir(), 'touchpoint-fresh-'));

/** [name, args, expected message]; args run against the initialized workspace unless they set --db. */
const CASES: [string, string[], RegExp][] = [
  ['a malformed teammate address', ['teammate', 'add', '--email', 'not-an-address'], /"not-an-address" is not an email address/],
  ['a malformed alias', ['teammate', 'add', '--email', 'eve@ourco.com', '--alias', 'eve@'], /"eve@" is not an email address/],
  ['a malformed end-user address', ['user', 'add', '--account', 'acme', '--email', 'jane@@acme.com'], /is not an email address/],
  ['a malformed blocklist entry', ['blocklist', 'add', 'not a domain'], /neither a domain nor an email address/],
  ['an unknown account (user add)', ['user', 'add', '--account', 'nosuch', '--email', 'x@nosuch.com'], /unknown account "nosuch"/],
  ['an unknown account (timeline)', ['timeline', 'nosuch'], /unknown account "nosuch"/],
  ['an unknown account (timeline --json)', ['timeline', 'nosuch', '--json'], /unknown account "nosuch"/],
  [
    'an end user that is not there',
    ['user', 'delete', '--account', 'acme', '--email', 'nobody@acme.com'],
    /nobody@acme\.com is not an end user of account "acme"/,
  ],
  ['a duplicate end user', ['user', 'add', '--account', 'acme', '--email', 'JANE@acme.com'], /already an end user/],
  ['a duplicate account', ['account', 'add', '--id', 'acme', '--name', 'Acme again'], /already exists/],
  ['a second init', ['init', '--workspace', 'cs-team'], /already exists/],
  ['a bad --now (not a date)', ['--now', 'yesterday', 'status'], /--now: "yesterday" is not an ISO-8601 date/],
  ['a bad --now (impossible date)', ['--now', '2026-13-45T00:00:00Z', 'status'], /--now/],
  [
    'a bad --authorized-at',
    ['connect', 'folder', '--teammate', 'alice@ourco.com', '--mail', '.', '--authorized-at', '03/01/2026'],
    /--authorized-at/,
  ],
  ['a bad --occurrence', ['explain', 'meeting', 'x', '--occurrence', 'next tuesday'], /--occurrence/],
  [
    'a missing mail folder',
    ['connect', 'folder', '--teammate', 'alice@ourco.com', '--mail', '/no/such/folder', '--authorized-at', '2026-03-01T00:00:00Z'],
    /folder \/no\/such\/folder does not exist/,
  ],
  [
    'a missing calendar folder',
    ['connect', 'folder', '--teammate', 'alice@ourco.com', '--calendar', 'nope', '--authorized-at', '2026-03-01T00:00:00Z'],
    /does not exist/,
  ],
  [
    'connect without any folder',
    ['connect', 'folder', '--teammate', 'alice@ourco.com', '--authorized-at', '2026-03-01T00:00:00Z'],
    /--mail/,
  ],
  [
    'connect for an unknown teammate',
    ['connect', 'folder', '--teammate', 'zed@ourco.com', '--mail', '.', '--authorized-at', '2026-03-01T00:00:00Z'],
    /no teammate with address zed@ourco\.com/,
  ],
  ['a missing CSV file', ['users', 'import', 'no-such.csv'], /cannot read no-such\.csv/],
  ['a CSV without the required columns', ['users', 'import', 'csv/no-header.csv'], /account_id/],
  ['a bad --source', ['users', 'import', 'csv/no-header.csv', '--source', 'Sales Force'], /--source/],
  ['an unknown connection', ['sync', '--connection', 'nosuch'], /no connection "nosuch"/],
  ['an unknown workspace', ['--workspace', 'other', 'status'], /no workspace "other"/],
  ['a one-letter search', ['search', 'a'], /at least 2 characters/],
  ['a required option left out', ['account', 'add', '--id', 'x'], /--name/],
  ['an unknown option', ['status', '--colour'], /unknown option/],
  ['an unknown command', ['frobnicate'], /unknown command/],
  ['a missing argument', ['timeline'], /missing required argument/],
  [
    'a mail "folder" that is a file',
    ['connect', 'folder', '--teammate', 'alice@ourco.com', '--mail', 'csv/no-header.csv', '--authorized-at', '2026-03-01T00:00:00Z'],
    /not a folder/,
  ],
  ['a CSV that is not CSV (unclosed quote)', ['users', 'import', 'csv/broken.csv'], /cannot read the CSV/],
  ['removing what is not on the blocklist', ['blocklist', 'remove', 'nothere.com'], /not on the blocklist/],
  ['a bad workspace slug', ['init', '--workspace', 'Bad Slug'], /--workspace/],
  ['a bad internal domain', ['init', '--workspace', 'other', '--internal-domain', 'not a domain'], /--internal-domain/],
];

const results = new Map<string, CliResult>();

beforeAll(async () => {
  await w.init('cs-team', ['ourco.com']);
  await w.teammate('alice@ourco.com');
  await w.account('acme', 'Acme Corp');
  await w.ok(['user', 'add', '--account', 'acme', '--email', 'jane@acme.com']);
  w.write('csv/no-header.csv', 'id,mail\nacme,jane@acme.com\n');
  w.write('csv/broken.csv', 'account_id,email,name,external_id\nacme,"unclosed@acme.com,Un Closed,1\n');
  // Mistakes only read (or fail before writing): run them a few at a time.
  const queue = [...CASES];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) results.set(c[0], await w.run(c[1]));
  };
  await Promise.all([worker(), worker(), worker()]);
});

afterAll(() => {
  w.cleanup();
  rmSync(fresh, { recursive: true, force: true });
});

describe('user mistakes: non-zero exit, one "touchpoint:" line, no stack trace', () => {
  it.each(CASES)('%s', (name, _args, message) => {
    const r = results.get(name)!;
    expectUserError(r, message);
    expect(r.stdout).toBe('');
  });

  it('running any command before init says to run init first', async () => {
    const db = path.join(fresh, 'new.db');
    const [status, timeline] = await Promise.all([
      runCli(['--db', db, '--now', NOW, 'status', '--json']),
      runCli(['--db', db, '--now', NOW, 'teammate', 'add', '--email', 'alice@ourco.com']),
    ]);
    expectUserError(status, /no workspace in .* yet: create one first with ".*touchpoint --db \S+ init --workspace cs-team/);
    expectUserError(timeline, / init --workspace /);
  });

  it('a bad setting stops the command before it runs, naming the variable or the flag', async () => {
    const db = path.join(fresh, 'never-created.db');
    expectUserError(
      await runCli(['--db', db, '--now', NOW, 'status'], ROOT, { TOUCHPOINT_RATE_LIMIT: 'abc' }),
      /^touchpoint: TOUCHPOINT_RATE_LIMIT: "abc" is not a number$/,
    );
    const short = await runCli(['--db', db, 'status'], ROOT, { TOUCHPOINT_SECRET_KEY: 'too-short-key' });
    expectUserError(short, /TOUCHPOINT_SECRET_KEY must be a passphrase of at least 32 characters/);
    expect(short.stderr).not.toContain('too-short-key');
    expectUserError(await runCli(['--db', db, 'serve', '--port', 'x'], ROOT), /--port: "x" is not a number/);
    expect(existsSync(db)).toBe(false); // nothing ran
  });

  it('--db wins over TOUCHPOINT_DB, which is the default without it', async () => {
    const viaEnv = await runCli(['--now', NOW, 'status', '--json'], ROOT, { TOUCHPOINT_DB: w.db });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    const viaFlag = await runCli(['--db', path.join(fresh, 'other.db'), '--now', NOW, 'status'], ROOT, { TOUCHPOINT_DB: w.db });
    expectUserError(viaFlag, /no workspace in .*other\.db/);
  });

  it('a database path that cannot be opened', async () => {
    expectUserError(await runCli(['--db', fresh, '--now', NOW, 'status']), /cannot open database/);
  });

  it('none of the mistakes changed the workspace', async () => {
    const s = await w.status();
    expect(s.connections).toEqual([]);
    const search = await w.json(['search', 'acme.com']);
    expect(search.accounts.map((a: { endUser: { email: string } }) => a.endUser.email)).toEqual(['jane@acme.com']);
  });
});

describe('a CSV with bad rows', () => {
  let report: ImportReport;
  let human: string;

  beforeAll(async () => {
    // CRLF line endings (as Excel writes them), a blank line, and a quoted field over two lines.
    const csv = [
      'account_id,email,name,external_id', //              1
      'acme,good1@acme.com,Good One,1', //                   2
      'acme,not-an-email,Bad,2', //                          3
      'nosuch,x@nosuch.com,Unknown account,3', //            4
      ',y@acme.com,No account,4', //                         5
      'acme,,No email,5', //                                 6
      'acme,GOOD1@acme.com,Duplicate,6', //                  7
      'acme,good2@acme.com,"Two', //                         8
      'Lines",7', //                                         9
      '', //                                                 10
      'acme,bad@@acme.com,Bad two,8', //                     11
      'acme, good3@acme.com ,Three,9', //                    12
      'acme,jane@acme.com,Already there,10', //              13
    ].join('\r\n');
    w.write('csv/mixed.csv', `${csv}\r\n`);
    report = await w.json<ImportReport>(['users', 'import', w.path('csv/mixed.csv')]);
    human = await w.ok(['users', 'import', w.path('csv/mixed.csv')]);
  });

  it('imports the good rows', () => {
    expect(report.counts).toEqual({ created: 3, unchanged: 1, skipped_suppressed: 0, error: 6 });
    expect(report.rows.filter((r) => r.outcome === 'created').map((r) => [r.line, r.email])).toEqual([
      [2, 'good1@acme.com'],
      [8, 'good2@acme.com'],
      [12, 'good3@acme.com'],
    ]);
    expect(report.rows.find((r) => r.outcome === 'unchanged')).toMatchObject({ line: 13, email: 'jane@acme.com' });
  });

  it('reports every bad row with its line number and reason', () => {
    expect(report.rows.filter((r) => r.outcome === 'error').map((r) => [r.line, r.reason])).toEqual([
      [3, '"not-an-email" is not an email address'],
      [4, 'unknown account "nosuch"'],
      [5, 'account_id is empty'],
      [6, 'email is empty'],
      [7, 'duplicate of an earlier row'],
      [11, '"bad@@acme.com" is not an email address'],
    ]);
  });

  it('says the same in words, and the imported users are end users', async () => {
    expect(human).toMatch(/0 created, 4 unchanged, 0 skipped \(suppressed\), 6 rejected/);
    expect(human).toContain('line 3: rejected — "not-an-email" is not an email address');
    expect(human).toContain('line 11: rejected');
    const s = await w.json(['search', 'good']);
    expect(s.accounts.map((a: { endUser: { email: string; source: string } }) => [a.endUser.email, a.endUser.source])).toEqual([
      ['good1@acme.com', 'csv'],
      ['good2@acme.com', 'csv'],
      ['good3@acme.com', 'csv'],
    ]);
  });
});
