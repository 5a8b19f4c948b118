// An in-memory snapshot of a workspace's directory, shaped for the rules:
// O(1) lookups from a normalized address to end users, teammates, internal domains and
// the blocklist. Built once per sync run and after each directory change.
import type { Account, BlocklistEntry, EndUser, Teammate } from '../domain/directory.js';
import { domainOf, normalizeAddress, normalizeDomain } from './address.js';
import { AddressTable, addressHash } from './address-table.js';
import { HintIndex } from './hints.js';

export interface DirectoryInput {
  internalDomains: string[];
  teammates: Teammate[];
  accounts: Account[];
  endUsers: EndUser[];
  blocklist: BlocklistEntry[];
}

export interface BlockHit {
  entry: string;
  kind: 'domain' | 'address';
}

const NONE: readonly EndUser[] = Object.freeze([]);

/**
 * A Bloom filter of the end users' addresses (one probe in 2^24 bits = 2 MB, ~6 % false
 * positives at a million addresses). Most participants of most mail are not end users, and
 * at a million keys each miss in the table costs a cache miss; the filter answers those from
 * 2 MB that stay in cache. It takes the table's hash (addressHash), computed once.
 */
class AddressFilter {
  private static readonly BITS = 24;
  private readonly words = new Int32Array(1 << (AddressFilter.BITS - 5));

  add(h: number): void {
    const bit = h >>> (32 - AddressFilter.BITS);
    this.words[bit >>> 5]! |= 1 << (bit & 31);
  }

  mightHave(h: number): boolean {
    const bit = h >>> (32 - AddressFilter.BITS);
    return (this.words[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }
}

/** The most specific of `domain` and its parents that is in `set` (as domainAndParents, without the array). */
function coveringDomain(set: ReadonlySet<string>, domain: string): string | undefined {
  let d = domain;
  for (;;) {
    if (set.has(d)) return d;
    const dot = d.indexOf('.');
    if (dot < 0) return undefined;
    d = d.slice(dot + 1);
  }
}

export class DirectoryIndex {
  /** Normalised address → end users (indexes into input.endUsers), account number, blocked. */
  private readonly users: AddressTable;
  /** Several end users of one address, as endUsersOrOne returns them (built on first ask). */
  private readonly sharedUsers = new Map<number, readonly EndUser[]>();
  /** The end users' account ids as small integers (the table's account column), and back. */
  private readonly accountNumbers = new Map<string, number>();
  private readonly accountIds: string[] = [];
  private readonly userFilter = new AddressFilter();
  private readonly teammateByAddress = new Map<string, Teammate>();
  private readonly internalDomains: Set<string>;
  private readonly blockedDomains: Set<string>;
  private readonly blockedAddresses: Set<string>;
  private readonly accountNames = new Map<string, string>();
  /** The internal domains, which isInternal compares with an address's tail without cutting strings (undefined when one is empty). */
  private readonly internalTails: string[] | undefined;
  /**
   * The teammates' addresses no internal domain covers: the only ones isInternal must look up
   * once the domains said no (usually none; a Map look-up hashes every fresh address).
   */
  private readonly offDomainTeammates = new Set<string>();
  /** Each account number's name (accountNameOf): the details name linked accounts without a look-up by id. */
  private readonly accountNamesByNumber: string[];
  /**
   * The blocklist hit of every end user's address that has one, worked out once here: a match
   * asks this small map (it stays in cache) instead of cutting the domain into parents.
   */
  private readonly blockedEndUsers = new Map<string, BlockHit>();
  private hintIndex: HintIndex | undefined;

  constructor(private readonly input: DirectoryInput) {
    this.internalDomains = new Set(input.internalDomains.map(normalizeDomain));
    this.internalTails = this.internalDomains.has('') ? undefined : [...this.internalDomains];
    this.blockedDomains = new Set(input.blocklist.filter((b) => b.kind === 'domain').map((b) => normalizeDomain(b.entry)));
    this.blockedAddresses = new Set(input.blocklist.filter((b) => b.kind === 'address').map((b) => normalizeAddress(b.entry)));
    for (const a of input.accounts) this.accountNames.set(a.id, a.name);
    for (const t of input.teammates) {
      for (const addr of [t.email, ...t.aliases]) this.teammateByAddress.set(normalizeAddress(addr), t);
    }
    if (this.internalTails) for (const a of this.teammateByAddress.keys()) if (!this.onInternalDomain(a)) this.offDomainTeammates.add(a);
    const keys = input.endUsers.map((u) => normalizeAddress(u.email));
    let chars = 0;
    for (const k of keys) chars += k.length + 1;
    this.users = new AddressTable(keys.length, chars);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const h = addressHash(key);
      this.userFilter.add(h);
      const hit = this.blockHit(key);
      if (hit && !this.blockedEndUsers.has(key)) this.blockedEndUsers.set(key, hit);
      this.users.add(key, h, i, this.accountNumber(input.endUsers[i]!.accountId), hit !== undefined);
    }
    this.accountNamesByNumber = this.accountIds.map((id) => this.accountName(id));
  }

  private accountNumber(id: string): number {
    let n = this.accountNumbers.get(id);
    if (n === undefined) {
      n = this.accountIds.length;
      this.accountIds.push(id);
      this.accountNumbers.set(id, n);
    }
    return n;
  }

  /**
   * The rules' hot path: the table slot of the end users with this address, or -1. The slot
   * answers the account and the blocklist without reading an EndUser (slotAccount, slotBlocked).
   */
  endUserSlot(normalized: string): number {
    return this.endUserSlotHashed(normalized, addressHash(normalized));
  }

  /** endUserSlot with the address's addressHash already worked out (normalizeAndHash). */
  endUserSlotHashed(normalized: string, h: number): number {
    return this.userFilter.mightHave(h) ? this.users.find(normalized, h) : -1;
  }

  /** The account number of the slot's only end user, or -1 when several end users share the address. */
  slotAccount(slot: number): number {
    return this.users.account(slot);
  }

  /** Whether the blocklist covers the slot's address (endUserBlockHit gives the entry). */
  slotBlocked(slot: number): boolean {
    return this.users.blocked(slot);
  }

  /** The slot's only end user's index (endUserAt), or -1 when several share the address (slotEndUsers). */
  slotUser(slot: number): number {
    const u = this.users.users(slot);
    return u >= 0 ? u : -1;
  }

  /** The end users of a slot, in the order of the input (several or one). */
  private slotEndUsers(slot: number): EndUser | readonly EndUser[] {
    const u = this.users.users(slot);
    if (u >= 0) return this.input.endUsers[u]!;
    let list = this.sharedUsers.get(slot);
    if (list === undefined) {
      list = this.users.multi[-1 - u]!.map((i) => this.input.endUsers[i]!);
      this.sharedUsers.set(slot, list);
    }
    return list;
  }

  /** End user `i` of the input (a match's `user`). */
  endUserAt(i: number): EndUser {
    return this.input.endUsers[i]!;
  }

  /** The index of each end user of a slot several share, in input order. */
  slotUserIndexes(slot: number): readonly number[] {
    const u = this.users.users(slot);
    return u >= 0 ? [u] : this.users.multi[-1 - u]!;
  }

  /** The account numbers of each end user of a slot several share, in input order. */
  slotAccounts(slot: number): readonly number[] {
    const u = this.users.users(slot);
    return u >= 0 ? [this.users.account(slot)] : this.users.multiAccounts[-1 - u]!;
  }

  /** The account id behind an account number (slotAccount, slotAccounts). */
  accountIdOf(n: number): string {
    return this.accountIds[n]!;
  }

  /**
   * endUsersFor without the array for the common single end user (the rules' hot path):
   * undefined, one end user, or several.
   */
  endUsersOrOne(normalized: string): EndUser | readonly EndUser[] | undefined {
    const slot = this.endUserSlot(normalized);
    return slot < 0 ? undefined : this.slotEndUsers(slot);
  }

  /** blockHit for an address endUsersFor finds end users for (looked up, not worked out). */
  endUserBlockHit(normalized: string): BlockHit | undefined {
    return this.blockedEndUsers.size === 0 ? undefined : this.blockedEndUsers.get(normalized);
  }

  /** Non-deleted end users whose `email` field is exactly this address (any account). */
  endUsersFor(normalized: string): readonly EndUser[] {
    const slot = this.endUserSlot(normalized);
    if (slot < 0) return NONE;
    const found = this.slotEndUsers(slot);
    return Array.isArray(found) ? found : [found as EndUser];
  }

  teammateFor(normalized: string): Teammate | undefined {
    return this.teammateByAddress.get(normalized);
  }

  /** The internal domain covering this address's domain, if any. */
  internalDomainOf(normalized: string): string | undefined {
    if (this.internalDomains.size === 0) return undefined;
    const d = domainOf(normalized);
    // An address without an "@" (or with nothing after it) has no domain, even when "" is listed.
    return d === '' ? undefined : coveringDomain(this.internalDomains, d);
  }

  /** Internal = a teammate's address (any alias) or an address on an internal domain. */
  isInternal(normalized: string): boolean {
    if (this.internalTails === undefined) return this.teammateByAddress.has(normalized) || this.internalDomainOf(normalized) !== undefined;
    // A teammate on an internal domain is internal by its domain: only the others are looked up.
    if (this.onInternalDomain(normalized)) return true;
    return this.offDomainTeammates.size > 0 && this.offDomainTeammates.has(normalized);
  }

  /**
   * Whether the address ends in "@d" or ".d" for an internal domain d, the "." after its last
   * "@" (a subdomain): as coveringDomain, comparing characters from the end without new strings.
   */
  private onInternalDomain(normalized: string): boolean {
    const n = normalized.length;
    for (const d of this.internalTails!) {
      const start = n - d.length; // where d would begin
      if (start < 1) continue;
      const before = normalized.charCodeAt(start - 1);
      if (before !== 64 /* @ */ && before !== 46 /* . */) continue;
      let i = d.length - 1;
      while (i >= 0 && normalized.charCodeAt(start + i) === d.charCodeAt(i)) i--;
      // The address's last "@" is at start - 1 or before it (always so without an "@" in d,
      // when there is one): an address without an "@" is on no domain, however it ends.
      if (i < 0) {
        const at = normalized.lastIndexOf('@');
        if (at >= 0 && at < start) return true;
      }
    }
    return false;
  }

  /** The blocklist entry that covers this address, if any. */
  blockHit(normalized: string): BlockHit | undefined {
    if (this.blockedAddresses.has(normalized)) return { entry: normalized, kind: 'address' };
    if (this.blockedDomains.size === 0) return undefined;
    const d = coveringDomain(this.blockedDomains, domainOf(normalized));
    return d === undefined ? undefined : { entry: d, kind: 'domain' };
  }

  accountName(id: string): string {
    return this.accountNames.get(id) ?? id;
  }

  /** accountName of an account number (a match's `account`). */
  accountNameOf(n: number): string {
    return this.accountNamesByNumber[n]!;
  }

  /** Near-miss index, built on first use: the troubleshooter needs it, the hot path does not. */
  hints(): HintIndex {
    this.hintIndex ??= new HintIndex(this.input.endUsers);
    return this.hintIndex;
  }

  get endUserCount(): number {
    return this.input.endUsers.length;
  }
}
