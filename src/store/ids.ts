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

export function newId(nowMs: number = Date.now()): string {
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolAt = 0;
  }
  // The pool's bytes become the id's and are passed over: never handed out twice.
  const id = idFrom(pool, poolAt, nowMs);
  poolAt += 16;
  return id;
}

/**
 * `count` ids at once, as `count` calls of newId would give them, from one draw of random
 * bytes: a page of new emails took a randomBytes call (and its buffer) per id.
 */
export function newIds(count: number, nowMs: number = Date.now()): string[] {
  const bytes = randomBytes(16 * count);
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = idFrom(bytes, 16 * i, nowMs);
  return out;
}

/** The id for `nowMs` from the 16 random bytes of `b` at `at`, which it overwrites with the id's own. */
function idFrom(b: Buffer, at: number, nowMs: number): string {
  // Several ids in one millisecond: count up in the 12 bits after the version (rand_a) so
  // they still sort in creation order.
  if (nowMs <= lastMs) {
    nowMs = lastMs;
    seq = (seq + 1) & 0xfff;
    if (seq === 0) nowMs = ++lastMs;
  } else {
    seq = b.readUInt16BE(at + 6) & 0x7ff;
  }
  lastMs = nowMs;
  b.writeUIntBE(nowMs, at, 6);
  b[at + 6] = 0x70 | (seq >> 8);
  b[at + 7] = seq & 0xff;
  b[at + 8] = 0x80 | (b[at + 8]! & 0x3f);
  return uuidText(b, at);
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
const text = Buffer.alloc(36);

/**
 * The 16 bytes at `at` as 8-4-4-4-12 lowercase hex, written into one buffer and read as one
 * string: a hex string cut in five and joined again made seven strings per id (a page of
 * new emails formats hundreds).
 */
function uuidText(b: Buffer, at: number): string {
  let o = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text[o++] = 0x2d; // '-'
    const v = b[at + i]!;
    text[o++] = HEX_DIGITS[v >> 4]!;
    text[o++] = HEX_DIGITS[v & 15]!;
  }
  return text.toString('latin1', 0, 36);
}
