// An in-memory snapshot of a workspace's directory, shaped for the rules:
// O(1) lookups from a normalized address to end users, teammates, internal domains and
// the blocklist. Built once per sync run and after each directory change.
import type { Account, BlocklistEntry, EndUser, Teammate } from '../domain/directory.js';
import { domainAndParents, domainOf, normalizeAddress, normalizeDomain } from './address.js';
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

export class DirectoryIndex {
  private readonly usersByEmail = new Map<string, EndUser[]>();
  private readonly teammateByAddress = new Map<string, Teammate>();
  private readonly internalDomains: Set<string>;
  private readonly blockedDomains: Set<string>;
  private readonly blockedAddresses: Set<string>;
  private readonly accountNames = new Map<string, string>();
  private hintIndex: HintIndex | undefined;

  constructor(private readonly input: DirectoryInput) {
    this.internalDomains = new Set(input.internalDomains.map(normalizeDomain));
    this.blockedDomains = new Set(input.blocklist.filter((b) => b.kind === 'domain').map((b) => normalizeDomain(b.entry)));
    this.blockedAddresses = new Set(input.blocklist.filter((b) => b.kind === 'address').map((b) => normalizeAddress(b.entry)));
    for (const a of input.accounts) this.accountNames.set(a.id, a.name);
    for (const t of input.teammates) {
      for (const addr of [t.email, ...t.aliases]) this.teammateByAddress.set(normalizeAddress(addr), t);
    }
    for (const u of input.endUsers) {
      const key = normalizeAddress(u.email);
      const list = this.usersByEmail.get(key);
      if (list) list.push(u);
      else this.usersByEmail.set(key, [u]);
    }
  }

  /** Non-deleted end users whose `email` field is exactly this address (any account). */
  endUsersFor(normalized: string): readonly EndUser[] {
    return this.usersByEmail.get(normalized) ?? [];
  }

  teammateFor(normalized: string): Teammate | undefined {
    return this.teammateByAddress.get(normalized);
  }

  /** The internal domain covering this address's domain, if any. */
  internalDomainOf(normalized: string): string | undefined {
    for (const d of domainAndParents(domainOf(normalized))) if (this.internalDomains.has(d)) return d;
    return undefined;
  }

  /** Internal = a teammate's address (any alias) or an address on an internal domain. */
  isInternal(normalized: string): boolean {
    return this.teammateByAddress.has(normalized) || this.internalDomainOf(normalized) !== undefined;
  }

  /** The blocklist entry that covers this address, if any. */
  blockHit(normalized: string): BlockHit | undefined {
    if (this.blockedAddresses.has(normalized)) return { entry: normalized, kind: 'address' };
    if (this.blockedDomains.size === 0) return undefined;
    for (const d of domainAndParents(domainOf(normalized))) {
      if (this.blockedDomains.has(d)) return { entry: d, kind: 'domain' };
    }
    return undefined;
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
