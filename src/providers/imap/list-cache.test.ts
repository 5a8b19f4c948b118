// A kept session's LIST, reused for LIST_TTL_MS (list-cache.ts).
import { describe, expect, it } from 'vitest';
import type { ListedFolder } from './folders.js';
import { LIST_TTL_MS, ListCache } from './list-cache.js';

const folders = (n: number): ListedFolder[] => [{ path: `F${n}`, flags: new Set() }];

function setup() {
  let now = 1_000;
  let lists = 0;
  const cache = new ListCache<object>(() => now);
  const list = async () => folders(++lists);
  return { cache, list, advance: (ms: number) => (now += ms), lists: () => lists };
}

describe('ListCache', () => {
  it('reuses the same session’s LIST until it is LIST_TTL_MS old', async () => {
    const t = setup();
    const s = {};
    expect(await t.cache.get(s, t.list)).toEqual({ folders: folders(1), reused: false });
    t.advance(LIST_TTL_MS - 1);
    expect(await t.cache.get(s, t.list)).toEqual({ folders: folders(1), reused: true });
    t.advance(1);
    expect(await t.cache.get(s, t.list)).toEqual({ folders: folders(2), reused: false });
    expect(t.lists()).toBe(2);
  });

  it('never reuses another session’s LIST (a reconnect lists again)', async () => {
    const t = setup();
    await t.cache.get({}, t.list);
    expect((await t.cache.get({}, t.list)).reused).toBe(false);
    expect(t.lists()).toBe(2);
  });

  it('lists again after clear()', async () => {
    const t = setup();
    const s = {};
    await t.cache.get(s, t.list);
    t.cache.clear();
    expect(await t.cache.get(s, t.list)).toEqual({ folders: folders(2), reused: false });
  });
});
