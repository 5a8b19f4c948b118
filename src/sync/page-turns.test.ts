import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_WAIT_MS, PageTurns, SHORT_PAGE_ITEMS } from './page-turns.js';

/** Whether the promise settled after the pending microtasks ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('PageTurns: short syncs go ahead of long ones', () => {
  it("a long sync's next page waits while a sync on its first page runs, and goes on when it ends", async () => {
    vi.useFakeTimers();
    const turns = new PageTurns();
    const long = turns.begin();
    await long.beforePage(); // its first page: never waits
    const push = turns.begin();
    await push.beforePage();
    const second = long.beforePage();
    expect(await settled(second)).toBe(false);
    push.end();
    expect(await settled(second)).toBe(true);
  });

  it('a long sync is no longer short once it asks for its second page: two long syncs never wait for each other', async () => {
    vi.useFakeTimers();
    const turns = new PageTurns();
    const a = turns.begin();
    const b = turns.begin();
    await a.beforePage();
    await b.beforePage();
    // a leaves "short" as it asks for its second page, but b is still on its first: a waits.
    const a2 = a.beforePage();
    expect(await settled(a2)).toBe(false);
    // b asks for its second page: neither is short any more, both go on.
    expect(await settled(b.beforePage())).toBe(true);
    expect(await settled(a2)).toBe(true);
    expect(turns.shortSyncs).toBe(0);
  });

  it('an initial sync holds no long sync back before its first page, and itself gives way to a short one', async () => {
    vi.useFakeTimers();
    const turns = new PageTurns();
    const long = turns.begin();
    await long.beforePage();
    const initial = turns.begin();
    initial.initial(); // logging in, fetching its first page
    expect(await settled(long.beforePage())).toBe(true);
    const push = turns.begin();
    const write = initial.beforeWrite(1);
    expect(await settled(write)).toBe(false);
    push.end();
    expect(await settled(write)).toBe(true);
  });

  it('waits at most MAX_WAIT_MS per page: a stream of short syncs slows a long one but never stops it', async () => {
    vi.useFakeTimers();
    const turns = new PageTurns();
    const long = turns.begin();
    await long.beforePage();
    turns.begin(); // a short sync that never ends (stuck on its server)
    const next = long.beforePage();
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS - 1);
    expect(await settled(next)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(next)).toBe(true);
  });

  it('a sync that ends on its first page (or fails) releases its turn once, however often end is called', async () => {
    const turns = new PageTurns();
    const s = turns.begin();
    s.end();
    s.end();
    expect(turns.shortSyncs).toBe(0);
    const t = turns.begin();
    expect(turns.shortSyncs).toBe(1);
    t.end();
  });

  it("gives way again before a long sync's transaction, but never makes a short sync wait", async () => {
    vi.useFakeTimers();
    const turns = new PageTurns();
    const long = turns.begin();
    await long.beforePage();
    await long.beforePage(); // now long
    const push = turns.begin();
    await push.beforePage();
    expect(await settled(push.beforeWrite())).toBe(true);
    const write = long.beforeWrite();
    expect(await settled(write)).toBe(false);
    push.end();
    expect(await settled(write)).toBe(true);
  });

  it("never makes a sync wait at a page with nothing in it, nor counts it: a one-page IMAP sync's closing cursor page", async () => {
    vi.useFakeTimers();
    const turns = new PageTurns();
    const a = turns.begin();
    const b = turns.begin(); // another sync, still on its first page
    await a.beforePage(200);
    // The page that only saves the cursor and folder counts: no wait, before it or its transaction.
    expect(await settled(a.beforePage(0))).toBe(true);
    expect(await settled(a.beforeWrite(0))).toBe(true);
    // a is still short (one page of mail): b's second page gives way to it until it ends.
    expect(turns.shortSyncs).toBe(2);
    await b.beforePage(50);
    const b2 = b.beforePage(50);
    expect(await settled(b2)).toBe(false);
    a.end();
    expect(await settled(b2)).toBe(true);
    // A page with mail still makes a sync long and waits as before.
    const c = turns.begin();
    await c.beforePage(10);
    expect(await settled(b.beforePage(10))).toBe(false);
    c.end();
  });

  it('a sync whose first page is big is long as soon as that page arrives; a small one stays short', async () => {
    vi.useFakeTimers();
    const turns = new PageTurns();
    const initial = turns.begin();
    const push = turns.begin();
    push.pageArrived(1);
    initial.pageArrived(SHORT_PAGE_ITEMS + 1);
    expect(turns.shortSyncs).toBe(1);
    await push.beforePage();
    // The push's next page does not wait for the initial sync, which has not asked for its second page.
    expect(await settled(push.beforePage())).toBe(true);
    expect(turns.shortSyncs).toBe(0);
  });

  it("pauses a long sync's plan while a short sync runs, never a short sync's", async () => {
    // pause ends with a real turn of the event loop; only the MAX_WAIT_MS timer is faked.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const afterTurns = async (p: Promise<unknown>) => {
      let done = false;
      void p.then(() => (done = true));
      for (let i = 0; i < 5; i++) await nextTurn();
      return done;
    };
    const turns = new PageTurns();
    const long = turns.begin();
    long.pageArrived(500);
    const push = turns.begin();
    expect(await afterTurns(push.pause())).toBe(true);
    const slice = long.pause();
    expect(await afterTurns(slice)).toBe(false);
    push.end();
    expect(await afterTurns(slice)).toBe(true);
  });
});
