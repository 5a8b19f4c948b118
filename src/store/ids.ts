// Row ids for activities: UUID version 7 (RFC 9562 §5.7) — a 48-bit millisecond timestamp,
// then random bits. Rows created together get neighbouring ids, so a page of new emails
// lands in a few B-tree pages of every index keyed by the id (emails, links, hashes,
// sightings) instead of dirtying pages all over them: with random v4 ids, writing those
// pages out was most of the cost of a sync's commit. The clock only orders ids; it never
// decides anything, and 74 random bits keep them unguessable.
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let seq = 0;

// Random bytes are drawn 4 KiB at a time: one randomBytes(16) call per id was a few percent
// of a first calendar sync (thousands of ids), most of it the call, not the randomness.
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let poolAt = POOL_SIZE;

function random16(): Buffer {
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolAt = 0;
  }
  // A copy: the id's bytes are overwritten below, and the pool's are never handed out twice.
  const b = Buffer.from(pool.subarray(poolAt, poolAt + 16));
  poolAt += 16;
  return b;
}

export function newId(nowMs: number = Date.now()): string {
  return idFrom(random16(), nowMs);
}

/**
 * `count` ids at once, as `count` calls of newId would give them, from one draw of random
 * bytes: a page of new emails took a randomBytes call (and its buffer) per id.
 */
export function newIds(count: number, nowMs: number = Date.now()): string[] {
  const bytes = randomBytes(16 * count);
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = idFrom(bytes.subarray(16 * i, 16 * i + 16), nowMs);
  return out;
}

/** The id for `nowMs` from 16 random bytes, which it overwrites with the id's own. */
function idFrom(b: Buffer, nowMs: number): string {
  // Several ids in one millisecond: count up in the 12 bits after the version (rand_a) so
  // they still sort in creation order.
  if (nowMs <= lastMs) {
    nowMs = lastMs;
    seq = (seq + 1) & 0xfff;
    if (seq === 0) nowMs = ++lastMs;
  } else {
    seq = b.readUInt16BE(6) & 0x7ff;
  }
  lastMs = nowMs;
  b.writeUIntBE(nowMs, 0, 6);
  b[6] = 0x70 | (seq >> 8);
  b[7] = seq & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
