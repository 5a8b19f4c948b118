// An in-memory snapshot of a workspace's directory, shaped for the rules:
// O(1) lookups from a normalized address to end users, teammates, internal domains and
// the blocklist. Built once per sync run and after each directory change.
import type { Account, BlocklistEntry, EndUser, Teammate } from '../domain/directory.js';
import { domainOf, normalizeAddress, normalizeDomain } from './address.js';
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
 * at a million keys each miss in the Map costs several cache misses (~0.5 µs on our VMs);
 * the filter answers those from 2 MB that stay in cache.
 */
class AddressFilter {
  private static readonly BITS = 24;
  private readonly words = new Int32Array(1 << (AddressFilter.BITS - 5));

  private static hash(s: string): number {
    let h = 0x811c9dc5; // FNV-1a
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    return h;
  }

  add(s: string): void {
    const h = AddressFilter.hash(s);
    this.set(h >>> (32 - AddressFilter.BITS));
  }

  mightHave(s: string): boolean {
    const h = AddressFilter.hash(s);
    return this.has(h >>> (32 - AddressFilter.BITS));
  }

  private set(bit: number): void {
    this.words[bit >>> 5]! |= 1 << (bit & 31);
  }

  private has(bit: number): boolean {
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
  // One end user (the common case) is stored bare, several as an array: at a million end
  // users the one-element arrays alone cost ~30 MB.
  private readonly usersByEmail = new Map<string, EndUser | EndUser[]>();
  private readonly userFilter = new AddressFilter();
  private readonly teammateByAddress = new Map<string, Teammate>();
  private readonly internalDomains: Set<string>;
  private readonly blockedDomains: Set<string>;
  private readonly blockedAddresses: Set<string>;
  private readonly accountNames = new Map<string, string>();
  /** The internal domains as "@d" and ".d" suffixes: isInternal asks them without cutting strings (not for an empty domain). */
  private readonly internalSuffixes: string[] | undefined;
  /**
   * The blocklist hit of every end user's address that has one, worked out once here: a match
   * asks this small map (it stays in cache) instead of cutting the domain into parents.
   */
  private readonly blockedEndUsers = new Map<string, BlockHit>();
  private hintIndex: HintIndex | undefined;

  constructor(private readonly input: DirectoryInput) {
    this.internalDomains = new Set(input.internalDomains.map(normalizeDomain));
    this.internalSuffixes = this.internalDomains.has('') ? undefined : [...this.internalDomains].flatMap((d) => [`@${d}`, `.${d}`]);
    this.blockedDomains = new Set(input.blocklist.filter((b) => b.kind === 'domain').map((b) => normalizeDomain(b.entry)));
    this.blockedAddresses = new Set(input.blocklist.filter((b) => b.kind === 'address').map((b) => normalizeAddress(b.entry)));
    for (const a of input.accounts) this.accountNames.set(a.id, a.name);
    for (const t of input.teammates) {
      for (const addr of [t.email, ...t.aliases]) this.teammateByAddress.set(normalizeAddress(addr), t);
    }
    for (const u of input.endUsers) {
      const key = normalizeAddress(u.email);
      this.userFilter.add(key);
      const found = this.usersByEmail.get(key);
      if (found === undefined) {
        this.usersByEmail.set(key, u);
        const hit = this.blockHit(key);
        if (hit) this.blockedEndUsers.set(key, hit);
      } else if (Array.isArray(found)) found.push(u);
      else this.usersByEmail.set(key, [found, u]);
    }
  }

  /**
   * endUsersFor without the array for the common single end user (the rules' hot path):
   * undefined, one end user, or several.
   */
  endUsersOrOne(normalized: string): EndUser | readonly EndUser[] | undefined {
    return this.userFilter.mightHave(normalized) ? this.usersByEmail.get(normalized) : undefined;
  }

  /** blockHit for an address endUsersFor finds end users for (looked up, not worked out). */
  endUserBlockHit(normalized: string): BlockHit | undefined {
    return this.blockedEndUsers.size === 0 ? undefined : this.blockedEndUsers.get(normalized);
  }

  /** Non-deleted end users whose `email` field is exactly this address (any account). */
  endUsersFor(normalized: string): readonly EndUser[] {
    if (!this.userFilter.mightHave(normalized)) return NONE;
    const found = this.usersByEmail.get(normalized);
    return found === undefined ? NONE : Array.isArray(found) ? found : [found];
  }

  teammateFor(normalized: string): Teammate | undefined {
    return this.teammateByAddress.get(normalized);
  }

  /** The internal domain covering this address's domain, if any. */
  internalDomainOf(normalized: string): string | undefined {
    return this.internalDomains.size === 0 ? undefined : coveringDomain(this.internalDomains, domainOf(normalized));
  }

  /** Internal = a teammate's address (any alias) or an address on an internal domain. */
  isInternal(normalized: string): boolean {
    if (this.teammateByAddress.has(normalized)) return true;
    if (this.internalSuffixes === undefined) return this.internalDomainOf(normalized) !== undefined;
    // The domain is what follows the last "@": an "@d" suffix is that domain, a ".d" suffix
    // after that "@" a subdomain of it (as coveringDomain, without new strings).
    const at = normalized.lastIndexOf('@');
    for (const suffix of this.internalSuffixes) {
      if (normalized.endsWith(suffix) && normalized.length - suffix.length >= at) return true;
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

  /** Near-miss index, built on first use: the troubleshooter needs it, the hot path does not. */
  hints(): HintIndex {
    this.hintIndex ??= new HintIndex(this.input.endUsers);
    return this.hintIndex;
  }

  get endUserCount(): number {
    return this.input.endUsers.length;
  }
}
