import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SourceError, type CalendarPage, type MailPage } from '../types.js';
import { FolderCalendarSource } from './folder-calendar-source.js';
import { FolderMailSource } from './folder-mail-source.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../test/fixtures/real');
const eml = (name: string) => readFileSync(path.join(FIXTURES, 'eml', name));
const ics = (name: string) => readFileSync(path.join(FIXTURES, 'ics', name));

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'touchpoint-folder-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function put(rel: string, content: string | Buffer): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), content);
}

/** Moves the file's mtime so its version changes even within the same millisecond. */
function touch(rel: string, secondsLater = 60): void {
  const t = new Date(Date.now() + secondsLater * 1000);
  utimesSync(path.join(root, rel), t, t);
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of it) out.push(page);
  return out;
}

describe('FolderMailSource', () => {
  beforeEach(() => {
    put('a.eml', eml('talon__gmail.eml'));
    put('Customers/acme.EML', eml('enmime__qp-utf8-header.eml'));
    put('Work/cur/1700000000.M1P1.host:2,S', eml('talon__apple_mail_2.eml')); // Maildir: any name
    put('Work/new/1700000001.M2P2.host', eml('flanker__multi-received-headers.eml'));
    put('Work/tmp/1700000002.M3P3.host', eml('talon__outlook.eml')); // half-delivered: skipped
    put('cur/inbox-1', eml('mimekit__epilogue.eml'));
    put('.Sent/cur/sent-1', eml('mikel-mail__example08.eml')); // Maildir++ folder
    put('.DS_Store', 'junk');
    put('notes.txt', 'not mail, not in a Maildir');
    put('broken.eml', Buffer.from([0, 1, 2, 3, 255, 254, 10, 10, 65]));
  });

  it('reads .eml files and Maildir cur/new, names folders, and reports a garbage file', async () => {
    const pages = await all(new FolderMailSource({ root }).changes(null));
    const sightings = pages.flatMap((p) => p.sightings);
    expect(sightings.map((s) => [s.ref, s.folder])).toEqual([
      ['.Sent/cur/sent-1', 'Sent'],
      ['Customers/acme.EML', 'Customers'],
      ['Work/cur/1700000000.M1P1.host:2,S', 'Work'],
      ['Work/new/1700000001.M2P2.host', 'Work'],
      ['a.eml', 'INBOX'],
      ['cur/inbox-1', 'INBOX'],
    ]);
    const errors = pages.flatMap((p) => p.errors);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.where).toBe('broken.eml');
    expect(errors[0]?.reason).toMatch(/none of the From, To, Date or Message-ID/);
  });

  it('is incremental: nothing new after the last cursor; a touched or added file comes alone', async () => {
    const source = new FolderMailSource({ root });
    const first = await all(source.changes(null));
    const cursor = first.at(-1)?.cursor;
    expect(await all(source.changes(cursor))).toEqual([]); // the garbage file is not re-reported either

    touch('a.eml');
    put('Work/new/1700000009.M9P9.host', eml('talon__outlook.eml'));
    const second = await all(source.changes(cursor));
    expect(second.flatMap((p) => p.sightings.map((s) => s.ref))).toEqual(['Work/new/1700000009.M9P9.host', 'a.eml']);
    expect(second.flatMap((p) => p.errors)).toEqual([]);
  });

  it('pages with a cursor that covers every file handled so far', async () => {
    const pages = await all(new FolderMailSource({ root, pageSize: 3 }).changes(null));
    expect(pages.map((p) => p.progress)).toEqual([
      { done: 3, total: 7 },
      { done: 6, total: 7 },
      { done: 7, total: 7 },
    ]);
    const sizes = pages.map((p) => Object.keys(p.cursor as object).length);
    expect(sizes).toEqual([3, 6, 7]);
    // Resuming from page 1's cursor (a crash after storing it) re-reads only the rest.
    const resumed = await all(new FolderMailSource({ root }).changes(pages[0]!.cursor));
    expect(resumed.flatMap((p) => [...p.sightings.map((s) => s.ref), ...p.errors.map((e) => e.where)])).toHaveLength(4);
  });

  it('drops deleted files from the cursor', async () => {
    const source = new FolderMailSource({ root });
    const cursor = (await all(source.changes(null))).at(-1)?.cursor;
    rmSync(path.join(root, 'a.eml'));
    const pages: MailPage[] = await all(source.changes(cursor));
    expect(pages).toHaveLength(1);
    expect(pages[0]?.sightings).toEqual([]);
    expect(Object.keys(pages[0]?.cursor as object)).not.toContain('a.eml');
  });

  it('fetches one message by ref, and null when it is gone or outside the root', async () => {
    const source = new FolderMailSource({ root });
    expect((await source.fetch('a.eml'))?.subject).toBe('Re: Test');
    expect(await source.fetch('missing.eml')).toBeNull();
    expect(await source.fetch('../etc/passwd')).toBeNull();
  });

  it('fetches many refs in one call, in order: a gone file and one outside the root are null, a garbage file is its parse error', async () => {
    const source = new FolderMailSource({ root });
    const refs = ['a.eml', 'missing.eml', 'broken.eml', '../etc/passwd', 'Work/cur/1700000000.M1P1.host:2,S', 'Work'];
    const outcomes = await source.fetchMany(refs);
    expect(outcomes).toHaveLength(refs.length);
    const [good, gone, broken, outside, maildir, dir] = outcomes;
    expect(good).toEqual(await source.fetch('a.eml'));
    expect((good as { subject: string }).subject).toBe('Re: Test');
    expect(gone).toBeNull();
    expect(broken).toBeInstanceOf(Error);
    const thrown = await source.fetch('broken.eml').catch((e: Error) => e);
    expect((broken as Error).message).toBe((thrown as Error).message);
    expect(outside).toBeNull();
    expect(maildir).toEqual(await source.fetch('Work/cur/1700000000.M1P1.host:2,S'));
    expect(dir).toBeNull(); // a folder, not a message
  });

  it('does not follow a symlink out of the root when re-reading', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'touchpoint-outside-'));
    try {
      writeFileSync(path.join(outside, 'x.eml'), eml('talon__gmail.eml'));
      symlinkSync(path.join(outside, 'x.eml'), path.join(root, 'link.eml'));
      symlinkSync(path.join(root, 'a.eml'), path.join(root, 'inside-link.eml'));
      symlinkSync(outside, path.join(root, 'Elsewhere'));
      const source = new FolderMailSource({ root });
      const [escaped, inside, viaFolder] = await source.fetchMany(['link.eml', 'inside-link.eml', 'Elsewhere/x.eml']);
      expect(escaped).toBeNull();
      expect(viaFolder).toBeNull();
      expect((inside as { subject: string }).subject).toBe('Re: Test'); // resolves inside: read, as before
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a named pipe in place of a message is not a message, and the re-read does not wait on it', () => {
    put('a.eml', eml('talon__gmail.eml'));
    execFileSync('mkfifo', [path.join(root, 'pipe.eml')]);
    // In a child process: a read that blocked on the pipe would hold this worker's event loop,
    // and with it vitest's own timeout; the child is killed instead.
    const script = `
      import { FolderMailSource } from ${JSON.stringify(path.join(import.meta.dirname, 'folder-mail-source.ts'))};
      const out = await new FolderMailSource({ root: ${JSON.stringify(root)} }).fetchMany(['pipe.eml', 'a.eml']);
      console.log(JSON.stringify(out.map((x) => (x === null ? null : x.subject))));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 30_000, encoding: 'utf8' });
    expect(r.signal).toBeNull();
    expect(JSON.parse(r.stdout)).toEqual([null, 'Re: Test']);
  });

  it('says in plain words when the root does not exist', async () => {
    const missing = path.join(root, 'nope');
    const err = await all(new FolderMailSource({ root: missing }).changes(null)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: `mail folder ${missing} does not exist` });
  });

  it('refuses a cursor it did not write', async () => {
    const err = await all(new FolderMailSource({ root }).changes('garbage')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CURSOR_INVALID' });
  });
});

describe('FolderCalendarSource', () => {
  beforeEach(() => {
    put('work.ics', ics('icalevents__response.ics'));
    put('team/standup.ICS', ics('ical4j__Standup.ics'));
    put('empty.ics', '');
    put('binary.ics', Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff]));
    put('readme.txt', 'ignored');
    put('.hidden/x.ics', ics('icalevents__response.ics'));
  });

  it('returns every .ics as a CalendarObject and reports empty or non-text files', async () => {
    const pages = await all(new FolderCalendarSource({ root }).changes(null));
    const upserts = pages.flatMap((p) => p.upserts);
    expect(upserts.map((u) => u.ref)).toEqual(['team/standup.ICS', 'work.ics']);
    expect(upserts[1]?.ics).toContain('METHOD:REPLY');
    expect(upserts[1]?.version).toMatch(/^\d+(\.\d+)?:\d+$/);
    expect(pages.flatMap((p) => p.errors).map((e) => [e.where, e.reason])).toEqual([
      ['binary.ics', 'the file is not text (not valid UTF-8)'],
      ['empty.ics', 'the file is empty'],
    ]);
  });

  it('is incremental and reports vanished files as deletes', async () => {
    const source = new FolderCalendarSource({ root });
    const cursor = (await all(source.changes(null))).at(-1)?.cursor;
    expect(await all(source.changes(cursor))).toEqual([]);

    rmSync(path.join(root, 'work.ics'));
    touch('team/standup.ICS');
    const pages: CalendarPage[] = await all(source.changes(cursor));
    expect(pages.flatMap((p) => p.upserts.map((u) => u.ref))).toEqual(['team/standup.ICS']);
    expect(pages.flatMap((p) => p.deletes)).toEqual(['work.ics']);

    const after = await all(source.changes(pages.at(-1)?.cursor));
    expect(after).toEqual([]);
  });

  it('says in plain words when the root does not exist', async () => {
    const err = await all(new FolderCalendarSource({ root: path.join(root, 'nope') }).changes(null)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
  });
});
