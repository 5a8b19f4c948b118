// Matching participants (email headers or meeting attendees) against the directory:
// shared by the email rules (E3–E6) and the meeting rules (M5–M6).
import type { EndUser } from '../domain/directory.js';
import type { Address, EmailItem } from '../domain/items.js';
import type { LinkedAccount, LinkVia } from '../domain/decision.js';
import { displayAddress, normalizeAndHash } from '../directory/address.js';
import type { BlockHit, DirectoryIndex } from '../directory/index.js';

export interface Participant {
  address: string; // normalized
  field: string; // from / to / cc / bcc / attendee
  partstat?: string;
  /** The address's addressHash (directory/address-table.ts): worked out while normalizing, used to look it up. */
  hash: number;
}

/** Where normalizeAndHash writes a hash (one decision at a time: the rules never wait). */
const hashOut = new Int32Array(1);

/** A meeting's attendee as a participant: its address normalized and hashed in one pass. */
export function attendee(raw: string, partstat: string | undefined): Participant {
  const address = normalizeAndHash(raw, hashOut);
  return { address, field: 'attendee', partstat, hash: hashOut[0]! };
}

/** From, To, Cc and (where the provider shows it) Bcc, normalized, each address once. */
export function emailParticipants(item: EmailItem): Participant[] {
  const out: Participant[] = [];
  // A handful of participants (the usual mail) are compared in place; a Set only pays off for long lists.
  const seen = item.from.length + item.to.length + item.cc.length + item.bcc.length > 16 ? new Set<string>() : undefined;
  addParticipants(out, seen, item.from, 'from');
  addParticipants(out, seen, item.to, 'to');
  addParticipants(out, seen, item.cc, 'cc');
  addParticipants(out, seen, item.bcc, 'bcc');
  return out;
}

function addParticipants(out: Participant[], seen: Set<string> | undefined, list: readonly Address[], field: string): void {
  for (const a of list) {
    const address = normalizeAndHash(a.address, hashOut);
    if (!address) continue;
    if (seen) {
      if (seen.has(address)) continue;
      seen.add(address);
    } else if (hasAddress(out, address)) continue;
    out.push({ address, field, hash: hashOut[0]! });
  }
}

function hasAddress(out: readonly Participant[], address: string): boolean {
  for (const p of out) if (p.address === address) return true;
  return false;
}

/**
 * A participant with the same address as an end user. The end user is named by its index in
 * the directory (dir.endUserAt) and its account by a number (dir.accountIdOf): deciding reads
 * neither object, only what is kept or explained does (linkedAccounts, the details).
 */
export interface Match {
  participant: Participant;
  user: number;
  account: number;
  blocked?: BlockHit;
}

const match = (participant: Participant, user: number, account: number, blocked: BlockHit | undefined): Match =>
  blocked ? { participant, user, account, blocked } : { participant, user, account };

/** Every (participant, end user) pair with the same address, with any blocklist hit. */
export function findMatches(participants: readonly Participant[], dir: DirectoryIndex): Match[] {
  const out: Match[] = [];
  for (const p of participants) {
    const slot = dir.endUserSlotHashed(p.address, p.hash);
    if (slot < 0) continue;
    // The entry is looked up only for the few addresses the blocklist covers.
    const blocked = dir.slotBlocked(slot) ? dir.endUserBlockHit(p.address) : undefined;
    const account = dir.slotAccount(slot);
    if (account >= 0) out.push(match(p, dir.slotUser(slot), account, blocked));
    else {
      const users = dir.slotUserIndexes(slot);
      const accounts = dir.slotAccounts(slot);
      for (let i = 0; i < users.length; i++) out.push(match(p, users[i]!, accounts[i]!, blocked));
    }
  }
  return out;
}

/**
 * Group matches by account, in first-seen order, naming the end user(s) behind each link;
 * `numbers` receives each account's number, in the same order (the details name them).
 */
export function linkedAccounts(matches: readonly Match[], dir: DirectoryIndex, numbers: number[] = []): LinkedAccount[] {
  const out: LinkedAccount[] = [];
  if (matches.length === 0) return out;
  // A few matches (the usual item) are grouped by a scan of the accounts so far; many, by a Map.
  const byAccount = matches.length > 16 ? new Map<number, LinkVia[]>() : undefined;
  for (const m of matches) {
    const via = linkVia(m, dir.endUserAt(m.user));
    const list = byAccount ? byAccount.get(m.account) : viaOf(out, numbers, m.account);
    if (list) list.push(via);
    else {
      const account = { id: dir.accountIdOf(m.account), via: [via] };
      out.push(account);
      numbers.push(m.account);
      byAccount?.set(m.account, account.via);
    }
  }
  return out;
}

function viaOf(accounts: readonly LinkedAccount[], numbers: readonly number[], n: number): LinkVia[] | undefined {
  for (let i = 0; i < numbers.length; i++) if (numbers[i] === n) return accounts[i]!.via;
  return undefined;
}

function linkVia(m: Match, u: EndUser): LinkVia {
  const via: LinkVia = {
    email: u.email,
    endUserId: u.id,
    source: u.source,
    field: m.participant.field,
  };
  if (u.externalId) via.externalId = u.externalId;
  if (u.sourceUrl) via.sourceUrl = u.sourceUrl;
  if (u.sourceSyncedAt) via.sourceSyncedAt = u.sourceSyncedAt;
  if (m.participant.partstat) via.partstat = m.participant.partstat;
  return via;
}

export function describeMatches(matches: readonly Match[], dir: DirectoryIndex): string {
  return matches
    .map((m) => {
      const id = dir.accountIdOf(m.account);
      return `${displayAddress(m.participant.address)} (${m.participant.field}) is an end user of ${dir.accountNameOf(m.account)} [${id}]`;
    })
    .join('; ');
}

export function list(values: readonly string[], max = 5): string {
  if (values.length <= max) return values.join(', ');
  return `${values.slice(0, max).join(', ')} and ${values.length - max} more`;
}

/** list() of normalised addresses or blocklist entries, each as people write it (displayAddress). */
export function addressList(values: readonly string[], max = 5): string {
  return list(values.map(displayAddress), max);
}
