// The end users' address table (the DirectoryIndex's hot-path look-up): exact keys only,
// whatever their hashes, lengths or characters.
import { describe, expect, it } from 'vitest';
import { AddressTable, addressHash } from './address-table.js';

const table = (keys: string[], hash: (k: string) => number = addressHash) => {
  const t = new AddressTable(
    keys.length,
    keys.reduce((n, k) => n + k.length + 1, 0),
  );
  for (const [i, k] of keys.entries()) t.add(k, hash(k), i, i % 3, k.startsWith('blocked'));
  return t;
};

describe('AddressTable', () => {
  it('finds each key, its end user, account and blocklist flag; nothing else', () => {
    const t = table(['a@x.io', 'b@x.io', 'blocked@x.io']);
    const slot = t.find('b@x.io', addressHash('b@x.io'));
    expect([t.users(slot), t.account(slot), t.blocked(slot)]).toEqual([1, 1, false]);
    expect(t.blocked(t.find('blocked@x.io', addressHash('blocked@x.io')))).toBe(true);
    for (const k of ['c@x.io', 'a@x.i', 'a@x.io ', 'A@x.io', '']) expect(t.find(k, addressHash(k))).toBe(-1);
  });

  it('tells keys with the same hash apart by their characters', () => {
    const same = () => 42;
    const t = table(['a@x.io', 'b@x.io', 'ab@x.io'], same);
    expect(t.users(t.find('b@x.io', 42))).toBe(1);
    expect(t.users(t.find('ab@x.io', 42))).toBe(2);
    expect(t.find('c@x.io', 42)).toBe(-1);
  });

  it('keeps every end user of a shared address, in order, without an account of its own', () => {
    const t = table(['s@x.io', 'a@x.io', 's@x.io', 's@x.io']);
    const slot = t.find('s@x.io', addressHash('s@x.io'));
    expect(t.account(slot)).toBe(-1);
    expect(t.multi[-1 - t.users(slot)]).toEqual([0, 2, 3]);
    expect(t.multiAccounts[-1 - t.users(slot)]).toEqual([0, 2, 0]);
  });

  it('stores keys beyond Latin-1, longer than 255 characters, or empty', () => {
    const long = `${'x'.repeat(300)}@x.io`;
    const keys = ['zoë@exämple.de', 'δ@παράδειγμα.gr', '用户@例子.中国', long, ''];
    const t = table(keys);
    for (const [i, k] of keys.entries()) expect(t.users(t.find(k, addressHash(k)))).toBe(i);
    expect(t.find('δ@παράδειγμα.g', addressHash('δ@παράδειγμα.g'))).toBe(-1);
    expect(t.find(`${long}x`, addressHash(`${long}x`))).toBe(-1);
  });

  it('holds as many distinct keys as it was sized for, a power of two included (a directory of 512 or 1,024 end users)', () => {
    for (const n of [1, 511, 512, 1024, 1500, 2048]) {
      const keys = Array.from({ length: n }, (_, i) => `user${i}@x.io`);
      const t = table(keys);
      expect(t.users(t.find(keys[n - 1]!, addressHash(keys[n - 1]!)))).toBe(n - 1);
    }
  });

  it('refuses more keys than it was sized for instead of filling up', () => {
    const t = new AddressTable(1, 4);
    expect(() => {
      for (let i = 0; i < 2000; i++) t.add(`k${i}`, addressHash(`k${i}`), i, 0, false);
    }).toThrow(/more than/);
  });
});
