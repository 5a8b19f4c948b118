// CalDAV throttling against a real Radicale behind a faithful proxy that answers 503 or 429
// with Retry-After: the sync stops at the first refusal as THROTTLED carrying the server's wait
// (the shared Retry-After module, its third caller), keeps its cursor, and the next sync
// resumes and reads every event once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalDavCalendarSource } from '../../src/providers/caldav/caldav-calendar-source.js';
import type { CalendarPage, Cursor } from '../../src/providers/types.js';
import { ics } from '../support/cli.js';
import { TEST_OUTBOUND } from '../support/config.js';
import { CalDavAccount, RadicaleServer, SERVER_SETUP_MS } from '../support/caldav-server.js';
import { throttlingProxy, type ThrottlingProxy } from '../support/throttling-proxy.js';

let server: RadicaleServer;
let proxy: ThrottlingProxy;
const PASSWORD = 'alice-pw';

beforeAll(async () => {
  server = await RadicaleServer.start({ users: { alice: PASSWORD } });
  const alice = new CalDavAccount(server, 'alice', PASSWORD);
  await alice.makeCalendar('work', 'Work');
  for (const n of [1, 2, 3, 4, 5]) {
    const start = `2026031${n}T150000Z`;
    await alice.put(
      'work',
      `e${n}.ics`,
      ics({ uid: `e${n}`, start, end: start.replace('T15', 'T16'), summary: `e${n}`, organizer: 'alice@ourco.com' }),
    );
  }
  proxy = await throttlingProxy(server.url);
}, SERVER_SETUP_MS);

afterAll(async () => {
  await proxy?.close();
  await server?.close();
});

const source = (url = proxy.url) =>
  new CalDavCalendarSource({ url, user: 'alice', password: PASSWORD, pageSize: 2, outbound: TEST_OUTBOUND });

async function drain(cursor: Cursor | null, url?: string): Promise<{ pages: CalendarPage[]; error?: unknown }> {
  const pages: CalendarPage[] = [];
  try {
    for await (const p of source(url).changes(cursor)) pages.push(p);
  } catch (error) {
    return { pages, error };
  }
  return { pages };
}
const refs = (pages: CalendarPage[]) => pages.flatMap((p) => p.upserts.map((u) => u.ref));

describe('CalDAV throttling (503 / 429 with Retry-After)', () => {
  it('503 with Retry-After in seconds: THROTTLED with that wait, no retry; the next sync reads everything once', async () => {
    // The calendar queries (REPORT), after discovery.
    proxy.throttle(1, 503, '7', { method: 'REPORT' });
    const first = await drain(null);
    expect(first.error).toMatchObject({
      code: 'THROTTLED',
      retryAfterMs: 7_000,
      message: expect.stringMatching(/asked us to slow down \(HTTP 503\)/),
    });
    expect(proxy.refused()).toBe(1);
    expect(proxy.passedSinceRefusal()).toBe(0); // it stopped at the refusal instead of hammering the server
    const again = await drain(first.pages.at(-1)?.cursor ?? null);
    expect(again.error).toBeUndefined();
    expect([...refs(first.pages), ...refs(again.pages)].sort()).toEqual(['e1', 'e2', 'e3', 'e4', 'e5'].map((e) => `/alice/work/${e}.ics`));
  });

  it('429 with Retry-After as an HTTP date: THROTTLED waiting until that date; the next sync reads everything', async () => {
    const retryAt = new Date(Date.now() + 120_000).toUTCString();
    proxy.throttle(1, 429, retryAt, { method: 'REPORT' });
    const first = await drain(null);
    expect(first.error).toMatchObject({ code: 'THROTTLED', message: expect.stringMatching(/HTTP 429/) });
    const wait = (first.error as { retryAfterMs: number }).retryAfterMs;
    // The date is whole seconds, and some time passed since it was written.
    expect(wait).toBeGreaterThan(60_000);
    expect(wait).toBeLessThanOrEqual(120_000);
    expect(proxy.passedSinceRefusal()).toBe(0);
    const again = await drain(first.pages.at(-1)?.cursor ?? null);
    expect(again.error).toBeUndefined();
    expect([...refs(first.pages), ...refs(again.pages)].sort()).toEqual(['e1', 'e2', 'e3', 'e4', 'e5'].map((e) => `/alice/work/${e}.ics`));
  });
});

const ALL = ['e1', 'e2', 'e3', 'e4', 'e5'].map((e) => `/alice/work/${e}.ics`);

// Discovery (RFC 6764 /.well-known/caldav, then current-user-principal and calendar-home-set)
// has fallbacks for paths a server does not serve; a server that asks us to wait must not be
// taken for one of those, nor be asked again at the next path.
describe('CalDAV throttling during discovery', () => {
  it('503 with Retry-After on /.well-known/caldav: THROTTLED with that wait, no request follows; the next sync reads everything', async () => {
    proxy.throttle(1, 503, '7', { method: 'PROPFIND', path: '/.well-known/caldav' });
    const first = await drain(null);
    expect(first.error).toMatchObject({ code: 'THROTTLED', retryAfterMs: 7_000, message: expect.stringMatching(/HTTP 503/) });
    expect(first.pages).toEqual([]);
    expect(proxy.refused()).toBeGreaterThan(0);
    expect(proxy.passedSinceRefusal()).toBe(0);
    const again = await drain(null);
    expect(again.error).toBeUndefined();
    expect(refs(again.pages).sort()).toEqual(ALL);
  });

  it('429 with an HTTP date while looking for the principal: THROTTLED until that date, the other candidate roots are not tried', async () => {
    // With a URL below the root, tsdav has two candidate roots for the principal lookup
    // ("/" and "/alice/"); a refusal at the first must not send it on to the second.
    const url = `${proxy.url}alice/`;
    const retryAt = new Date(Date.now() + 120_000).toUTCString();
    proxy.throttle(1, 429, retryAt, { method: 'PROPFIND', path: '/' });
    const first = await drain(null, url);
    expect(first.error).toMatchObject({ code: 'THROTTLED', message: expect.stringMatching(/HTTP 429/) });
    const wait = (first.error as { retryAfterMs: number }).retryAfterMs;
    expect(wait).toBeGreaterThan(60_000);
    expect(wait).toBeLessThanOrEqual(120_000);
    expect(proxy.passedSinceRefusal()).toBe(0);
    const again = await drain(null, url);
    expect(again.error).toBeUndefined();
    expect(refs(again.pages).sort()).toEqual(ALL);
  });
});
