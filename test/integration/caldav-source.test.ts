// The CalDAV connector on its own against a real Radicale: discovery, RFC 6578 sync tokens,
// the ctag/etag fallback, invalid tokens, deletions and error translation. (The rules and the
// store through the CLI are in caldav-rules / caldav-sync tests.)
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalDavCalendarSource, type CalDavSourceOptions } from '../../src/providers/caldav/caldav-calendar-source.js';
import type { CalendarPage, Cursor } from '../../src/providers/types.js';
import { SourceError } from '../../src/providers/types.js';
import { ics } from '../support/cli.js';
import { CalDavAccount, RadicaleServer, SERVER_SETUP_MS } from '../support/caldav-server.js';
import { TEST_OUTBOUND } from '../support/config.js';

let server: RadicaleServer;
let alice: CalDavAccount;
const PASSWORD = 'alice-S3cret-pw';

const event = (uid: string, start = '20260310T150000Z', summary = uid) =>
  ics({ uid, start, end: start.replace(/T15/, 'T16'), summary, organizer: 'alice@ourco.com' });

async function drain(source: CalDavCalendarSource, cursor: Cursor | null) {
  const pages: CalendarPage[] = [];
  for await (const p of source.changes(cursor)) pages.push(p);
  return {
    pages,
    cursor: pages.length ? pages[pages.length - 1]!.cursor : cursor,
    upserts: pages.flatMap((p) => p.upserts.map((u) => u.ref)).sort(),
    deletes: pages.flatMap((p) => p.deletes).sort(),
    errors: pages.flatMap((p) => p.errors),
  };
}

const source = (over: Partial<CalDavSourceOptions> = {}) =>
  new CalDavCalendarSource({ url: server.url, user: 'alice', password: PASSWORD, pageSize: 3, outbound: TEST_OUTBOUND, ...over });
const tokenOf = (c: Cursor, cal: string) =>
  (c as { calendars: Record<string, { syncToken?: string }> }).calendars[`/alice/${cal}/`]?.syncToken;

beforeAll(async () => {
  server = await RadicaleServer.start({ users: { alice: PASSWORD, bob: 'bob-password' } });
  alice = new CalDavAccount(server, 'alice', PASSWORD);
  await alice.makeCalendar('work', 'Work');
  await alice.makeCalendar('personal', 'Personal');
  for (let i = 1; i <= 7; i++) await alice.put('work', `w${i}.ics`, event(`w${i}`));
  await alice.put('personal', 'p1.ics', event('p1'));
}, SERVER_SETUP_MS);

afterAll(async () => {
  await server?.close();
});

describe('discovery and the first sync', () => {
  it("finds the user's event calendars through /.well-known and the calendar home", async () => {
    const cals = await source().calendars();
    expect(cals.map((c) => [c.path, c.displayName, c.syncCollection])).toEqual([
      ['/alice/personal/', 'Personal', true],
      ['/alice/work/', 'Work', true],
    ]);
  });

  it('returns every object once, in pages, with the etag as version and the raw iCalendar text', async () => {
    const r = await drain(source(), null);
    expect(r.upserts).toEqual([
      ...['p1'].map((n) => alice.ref('personal', `${n}.ics`)),
      ...[1, 2, 3, 4, 5, 6, 7].map((i) => alice.ref('work', `w${i}.ics`)),
    ]);
    expect(r.errors).toEqual([]);
    // 1 page for personal, 3 pages of ≤3 for work.
    expect(r.pages.map((p) => p.upserts.length)).toEqual([1, 3, 3, 1]);
    const obj = r.pages[0]!.upserts[0]!;
    expect(obj.version).toMatch(/^".+"$/);
    expect(obj.ics).toContain('UID:p1');
    // Tokens are saved only with a calendar's last page.
    expect(tokenOf(r.pages[1]!.cursor, 'work')).toBeUndefined();
    expect(tokenOf(r.pages[3]!.cursor, 'work')).toMatch(/^http:\/\/radicale.org\/ns\/sync\//);
  });
});

describe('incremental sync with RFC 6578 tokens', () => {
  it('nothing changed: no page and no object read', async () => {
    const s = source();
    const first = await drain(s, null);
    const again = await drain(s, first.cursor);
    expect(again.pages).toEqual([]);
    expect(s.lastRun.map((c) => c.method)).toEqual(['unchanged', 'unchanged']);
  });

  it('one event changed, one added, one deleted: only those come back', async () => {
    const s = source();
    const { cursor } = await drain(s, null);
    await alice.put('work', 'w2.ics', event('w2', '20260311T150000Z', 'moved'));
    await alice.put('work', 'w8.ics', event('w8'));
    await alice.remove('work/w3.ics');
    const r = await drain(s, cursor);
    expect(r.upserts).toEqual([alice.ref('work', 'w2.ics'), alice.ref('work', 'w8.ics')]);
    expect(r.deletes).toEqual([alice.ref('work', 'w3.ics')]);
    expect(s.lastRun.find((c) => c.path === '/alice/work/')).toMatchObject({ method: 'sync-collection', fetched: 2, deleted: 1 });
    await alice.put('work', 'w3.ics', event('w3'));
  });

  it('a corrupted token is refused by the server (403 valid-sync-token) → full listing, only real changes re-read', async () => {
    const s = source();
    const { cursor } = await drain(s, null);
    const broken = JSON.parse(JSON.stringify(cursor));
    broken.calendars['/alice/work/'].syncToken = `http://radicale.org/ns/sync/${'0'.repeat(64)}`;
    await alice.put('work', 'w4.ics', event('w4', '20260312T150000Z', 'changed while the token was bad'));
    await alice.remove('work/w5.ics');
    const r = await drain(s, broken);
    expect(s.lastRun.find((c) => c.path === '/alice/work/')!.method).toBe('full-resync');
    expect(r.upserts).toEqual([alice.ref('work', 'w4.ics')]);
    expect(r.deletes).toEqual([alice.ref('work', 'w5.ics')]);
    expect(tokenOf(r.cursor!, 'work')).not.toBe(broken.calendars['/alice/work/'].syncToken);
    // And the next sync is incremental again.
    const next = await drain(s, r.cursor);
    expect(next.pages).toEqual([]);
    await alice.put('work', 'w5.ics', event('w5'));
  });

  it('an expired token (Radicale dropped its history) → the same full re-sync', async () => {
    const s = source();
    const { cursor } = await drain(s, null);
    await alice.put('work', 'w6.ics', event('w6', '20260313T150000Z', 'changed'));
    rmSync(path.join(server.storage, 'collection-root', 'alice', 'work', '.Radicale.cache', 'sync-token'), {
      recursive: true,
      force: true,
    });
    const r = await drain(s, cursor);
    expect(s.lastRun.find((c) => c.path === '/alice/work/')!.method).toBe('full-resync');
    expect(r.upserts).toEqual([alice.ref('work', 'w6.ics')]);
    expect(r.deletes).toEqual([]);
  });
});

describe('servers without sync-collection: ctag + etag diff', () => {
  it('lists by etag, skips unchanged calendars by ctag, and finds changes and deletions', async () => {
    const s = source({ syncCollection: false });
    const first = await drain(s, null);
    expect(first.upserts.length).toBe(9);
    expect(s.lastRun.every((c) => c.method === 'etag-diff')).toBe(true);

    const again = await drain(s, first.cursor);
    expect(again.pages).toEqual([]);
    expect(s.lastRun.map((c) => c.method)).toEqual(['unchanged', 'unchanged']);

    await alice.put('work', 'w7.ics', event('w7', '20260314T150000Z', 'changed'));
    await alice.remove('work/w8.ics');
    const r = await drain(s, first.cursor);
    expect(r.upserts).toEqual([alice.ref('work', 'w7.ics')]);
    expect(r.deletes).toEqual([alice.ref('work', 'w8.ics')]);
    expect(s.lastRun.map((c) => c.method)).toEqual(['unchanged', 'etag-diff']);
  });
});

describe('calendars appearing and disappearing', () => {
  it("a new calendar is synced in full; a deleted calendar's events come back as deletions", async () => {
    const s = source();
    const { cursor } = await drain(s, null);
    await alice.makeCalendar('projects');
    await alice.put('projects', 'x1.ics', event('x1'));
    const added = await drain(s, cursor);
    expect(added.upserts).toEqual([alice.ref('projects', 'x1.ics')]);
    await alice.remove('projects/');
    const removed = await drain(s, added.cursor);
    expect(removed.deletes).toEqual([alice.ref('projects', 'x1.ics')]);
    expect(Object.keys((removed.cursor as { calendars: object }).calendars)).not.toContain('/alice/projects/');
  });

  it('the calendar home is kept in the cursor; one that moved away is found again by discovery', async () => {
    const s = source();
    const first = await drain(s, null);
    expect((first.cursor as { home?: string }).home).toBe(`${server.url}alice/`);
    const moved = { ...(first.cursor as object), home: `${server.url}alice/old-home-gone/` };
    const r = await drain(s, moved);
    expect(r.upserts).toEqual([]);
    expect(r.deletes).toEqual([]);
    expect((r.cursor as { home?: string }).home).toBe(`${server.url}alice/`);
  });

  it("another user's calendars are not discovered", async () => {
    const bob = new CalDavAccount(server, 'bob', 'bob-password');
    await bob.makeCalendar('bobcal');
    await bob.put('bobcal', 'b1.ics', event('b1'));
    const cals = await source().calendars();
    expect(cals.map((c) => c.path)).not.toContain('/bob/bobcal/');
  });
});

describe('errors are translated once, at the edge', () => {
  it('a wrong password → AUTH_FAILED in plain words, without the password', async () => {
    const err = await drain(source({ password: 'not-the-password' }), null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).code).toBe('AUTH_FAILED');
    expect((err as SourceError).message).toMatch(/rejected the user name or password of alice/);
    expect((err as SourceError).message).not.toContain('not-the-password');
  });

  it('no server listening → NETWORK', async () => {
    const err = await drain(source({ url: 'http://127.0.0.1:9/' }), null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).code).toBe('NETWORK');
    expect((err as SourceError).message).toMatch(/could not reach the CalDAV server/);
  });
});
