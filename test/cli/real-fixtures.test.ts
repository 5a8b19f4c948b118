// Real-world mail and calendar files (copied from public projects, see SOURCES.tsv): a
// folder connection over ALL of them syncs to the end; every file either becomes an item or
// is reported as a per-item error with its path and a reason; the process never crashes.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarManifest, emailManifest } from '../fixtures/manifest.js';
import { ROOT, Workspace, type StatusJson, type SyncJson } from '../support/cli.js';

const REAL = path.join(ROOT, 'test/fixtures/real');
const EML = readdirSync(path.join(REAL, 'eml'))
  .filter((f) => f.endsWith('.eml'))
  .sort();
const ICS = readdirSync(path.join(REAL, 'ics'))
  .filter((f) => f.endsWith('.ics'))
  .sort();

/** UIDs of a calendar file, from its unfolded content lines. */
function uidsOf(file: string): string[] {
  const text = readFileSync(path.join(REAL, 'ics', file), 'utf8').replace(/\r?\n[ \t]/g, '');
  return [...text.matchAll(/^UID(?:;[^:\r\n]*)?:(.*?)\s*$/gim)].map((m) => m[1]!);
}

const w = new Workspace('2026-03-20T12:00:00Z', 'touchpoint-real-');
let sync: SyncJson;
let again: SyncJson;
let status: StatusJson;

beforeAll(async () => {
  await w.init('real', ['ourco.com']);
  await w.teammate('alice@ourco.com');
  // Authorized long ago, so every file's dates fall inside what the sync looks at.
  await w.ok([
    'connect',
    'folder',
    '--teammate',
    'alice@ourco.com',
    '--mail',
    path.join(REAL, 'eml'),
    '--calendar',
    path.join(REAL, 'ics'),
    '--authorized-at',
    '2000-01-01T00:00:00Z',
  ]);
  sync = await w.sync();
  status = await w.status();
  again = await w.sync();
});

afterAll(() => w.cleanup());

describe('a folder connection over every real-world fixture', () => {
  it('the fixture set is the one SOURCES.tsv describes', () => {
    const listed = readFileSync(path.join(REAL, 'SOURCES.tsv'), 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t')[0])
      .filter(Boolean);
    for (const f of listed) expect([...EML.map((x) => `eml/${x}`), ...ICS.map((x) => `ics/${x}`)]).toContain(f);
    expect(EML.length).toBeGreaterThan(50);
    expect(ICS.length).toBeGreaterThan(30);
  });

  it('syncs to the end: exit 0, connection active, no connection-level failure', () => {
    expect(sync.connections).toHaveLength(1);
    const c = sync.connections[0]!;
    expect(c.failure).toBeUndefined();
    expect(c.status).toBe('active');
    const st = status.connections[0]!;
    expect(st).toMatchObject({ status: 'active', lastError: null, lastSuccessAt: '2026-03-20T12:00:00.000Z' });
  });

  it('exactly the files the manifest calls malformed or partly read are per-item errors, each with its reason', () => {
    const expected = Object.entries({ ...emailManifest(), ...calendarManifest() }).flatMap(([file, e]) => {
      if (e.outcome === 'malformed') return [{ where: file, reason: e.reason }];
      return 'reported' in e && e.reported ? [{ where: file, reason: e.reported }] : [];
    });
    const errors = status.connections[0]!.errors;
    expect(errors.map((e) => e.where).sort()).toEqual(expected.map((e) => e.where).sort());
    for (const { where, reason } of expected) expect(errors.find((e) => e.where === where)?.reason).toContain(reason);
    for (const e of errors) {
      expect(e.reason.trim().length).toBeGreaterThan(10);
      expect(e.reason).not.toMatch(/unexpected|TypeError|undefined|\[object/i);
    }
  });

  it('every mail file the manifest says parses is one email seen', () => {
    const parses = Object.values(emailManifest()).filter((e) => e.outcome === 'parses').length;
    expect(sync.connections[0]!.mail.seen).toBe(parses);
    // The store counts distinct emails: two fixtures share a Message-ID with another one.
    expect(status.connections[0]!.counts.email.seen).toBe(parses - 2);
  });

  it('every file produced an item or is listed as an error (checked file by file in the store)', () => {
    const db = new Database(w.db, { readonly: true });
    try {
      const mailRefs = new Set(
        db
          .prepare('select distinct ref from email_sightings')
          .all()
          .map((r) => (r as { ref: string }).ref),
      );
      const calRefs = new Set(
        db
          .prepare('select distinct ref from meeting_sightings')
          .all()
          .map((r) => (r as { ref: string }).ref),
      );
      const uids = new Set(
        db
          .prepare('select distinct uid from meetings')
          .all()
          .map((r) => (r as { uid: string }).uid),
      );
      const errored = new Set(status.connections[0]!.errors.map((e) => e.where));
      const missing = [
        ...EML.filter((f) => !mailRefs.has(f) && !errored.has(f)),
        // Two files may hold the same event (an invitation and its reply): its UID is the item.
        ...ICS.filter((f) => !calRefs.has(f) && !errored.has(f) && !uidsOf(f).some((u) => uids.has(u))),
      ];
      expect(missing).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('a second sync reads nothing again and reports no new errors', () => {
    const c = again.connections[0]!;
    expect(c.status).toBe('active');
    expect(c.mail.seen).toBe(0);
    expect(c.errors).toEqual([]);
  });
});
