// The end users' addresses as columns: an open-addressing hash table in typed arrays, so that
// the rules' hot path can tell whether an address is an end user's, of which account, and
// whether the blocklist covers it, without touching an EndUser object (or V8's Map, which
// hashes every fresh string a second time and reads its entry, its key and then the value:
// at a million keys each is a cache miss). The EndUser objects are read only for what a
// decision keeps or explains (the linked accounts' details).

/** FNV-1a over the UTF-16 code units: the Bloom filter and the table share it. */
export function addressHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0; // an int32 as the slots hold it (the empty string would stay 0x811c9dc5 > 2^31)
}

/** Bit 30 of a slot's user word: the blocklist covers this address. */
const BLOCKED = 1 << 30;
/** Bit 29: several end users share the address; the low bits index `multi`, not the end users. */
const MULTI = 1 << 29;
const INDEX = MULTI - 1;
/** Slot layout: four int32 per slot, one half of a cache line: [hash, key, account, user word]. */
const STRIDE = 4;

export class AddressTable {
  /** Per slot: the key's hash, where its characters are, the account (-1: several), the user word. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  private keys = 0;
  /**
   * The keys' characters, each key as [length, ...chars] (Latin-1 keys up to 255 characters):
   * comparing there reads one line, where a string key is a pointer to follow first. A key
   * that does not fit is kept as a string (its key word is then -1 - its index in `wide`).
   */
  private chars: Uint8Array;
  private used = 0;
  private readonly wide: string[] = [];
  /** The end users' indexes of each address several end users share. */
  readonly multi: number[][] = [];
  /** Their account numbers, in the same order. */
  readonly multiAccounts: number[][] = [];

  /** `capacity` keys at most (fewer when addresses repeat), `chars` their lengths + 1 each (it grows if short). */
  constructor(capacity: number, chars: number) {
    let size = 1024;
    while (size < capacity * 2) size *= 2; // at most half full: probes stay short
    this.slots = new Int32Array(size * STRIDE);
    this.mask = size - 1;
    this.chars = new Uint8Array(chars + 2);
  }

  /** The slot holding `key` (hash `h`), or -1. */
  find(key: string, h: number): number {
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const at = i * STRIDE;
      const ref = slots[at + 1]!;
      if (ref === 0) return -1; // empty (offsets start at 1)
      if (slots[at] === h && this.keyIs(ref, key)) return i;
    }
  }

  /**
   * Adds end user `user` (of account number `account`) under `key`; `blocked` is the
   * blocklist's verdict on the key (the same for every end user of it).
   */
  add(key: string, h: number, user: number, account: number, blocked: boolean): void {
    const found = this.find(key, h);
    if (found >= 0) {
      const at = found * STRIDE;
      const word = this.slots[at + 3]!;
      if (word & MULTI) {
        this.multi[word & INDEX]!.push(user);
        this.multiAccounts[word & INDEX]!.push(account);
      } else {
        this.multi.push([word & INDEX, user]);
        this.multiAccounts.push([this.slots[at + 2]!, account]);
        this.slots[at + 2] = -1;
        this.slots[at + 3] = (word & BLOCKED) | MULTI | (this.multi.length - 1);
      }
      return;
    }
    // The table does not grow: its size comes from the directory's number of end users, at
    // least twice the keys (so a full table is half full and probes stay short).
    const most = (this.mask + 1) / 2;
    if (++this.keys > most) throw new Error(`AddressTable: more than ${most} keys`);
    let i = h & this.mask;
    while (this.slots[i * STRIDE + 1] !== 0) i = (i + 1) & this.mask;
    const at = i * STRIDE;
    this.slots[at] = h;
    this.slots[at + 1] = this.store(key);
    this.slots[at + 2] = account;
    this.slots[at + 3] = (blocked ? BLOCKED : 0) | user;
  }

  /** The account number of the slot's only end user, or -1 when several share the address. */
  account(slot: number): number {
    return this.slots[slot * STRIDE + 2]!;
  }

  blocked(slot: number): boolean {
    return (this.slots[slot * STRIDE + 3]! & BLOCKED) !== 0;
  }

  /** The slot's end user index (one end user), or -1 - its index in `multi` (several). */
  users(slot: number): number {
    const word = this.slots[slot * STRIDE + 3]!;
    return word & MULTI ? -1 - (word & INDEX) : word & INDEX;
  }

  private keyIs(ref: number, key: string): boolean {
    if (ref < 0) return this.wide[-1 - ref] === key;
    const chars = this.chars;
    const n = key.length;
    if (chars[ref] !== n) return false;
    for (let i = 0; i < n; i++) if (chars[ref + 1 + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /** Stores the key's characters; its key word (> 0: an offset; < 0: a wide key). */
  private store(key: string): number {
    let latin1 = key.length <= 255;
    for (let i = 0; latin1 && i < key.length; i++) if (key.charCodeAt(i) > 255) latin1 = false;
    if (!latin1) {
      this.wide.push(key);
      return -this.wide.length;
    }
    const off = this.used + 1; // offset 0 stays free: 0 marks an empty slot
    if (off + 1 + key.length > this.chars.length) {
      const grown = new Uint8Array(Math.max(this.chars.length * 2, off + 1 + key.length));
      grown.set(this.chars);
      this.chars = grown;
    }
    this.chars[off] = key.length;
    for (let i = 0; i < key.length; i++) this.chars[off + 1 + i] = key.charCodeAt(i);
    this.used = off + key.length;
    return off;
  }
}
