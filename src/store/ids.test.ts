import { describe, expect, it } from 'vitest';
import { newId, newIds } from './ids.js';

describe('newId (UUIDv7)', () => {
  it('is a version-7, variant-1 UUID', () => {
    expect(newId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sorts in creation order, also within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => newId(1_800_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const later = newId(1_800_000_000_100);
    expect(later > ids.at(-1)!).toBe(true);
  });

  it('newIds gives distinct version-7 ids in creation order, after the ids made before them', () => {
    const before = newId(1_900_000_000_000);
    const ids = newIds(3000, 1_900_000_000_000);
    expect(ids).toHaveLength(3000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([before, ...ids].sort()).toEqual([before, ...ids]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newId(1_900_000_000_000) > ids.at(-1)!).toBe(true);
  });

  it('draws fresh random bits for every id, across refills of its random pool', () => {
    // 1,000 ids use four 4 KiB pools: a pool handed out twice would repeat a random tail.
    const tails = Array.from({ length: 1000 }, () => newId().slice(-12));
    expect(new Set(tails).size).toBe(tails.length);
  });

  it('spells the timestamp and random bytes as the usual 8-4-4-4-12 lowercase hex', () => {
    const ms = 2_100_000_000_000; // later than every id above: its own millisecond
    const [id] = newIds(1, ms);
    const hex = id!.replace(/-/g, '');
    expect(id).toBe(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
    expect(hex.slice(0, 12)).toBe(ms.toString(16).padStart(12, '0'));
    expect(Buffer.from(hex, 'hex').toString('hex')).toBe(hex);
  });
});
