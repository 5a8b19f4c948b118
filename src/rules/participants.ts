// Matching participants (email headers or meeting attendees) against the directory:
// shared by the email rules (E3–E6) and the meeting rules (M5–M6).
import type { EndUser } from '../domain/directory.js';
import type { Address, EmailItem } from '../domain/items.js';
import type { LinkedAccount, LinkVia } from '../domain/decision.js';
import { normalizeAddress } from '../directory/address.js';
import type { BlockHit, DirectoryIndex } from '../directory/index.js';

export interface Participant {
  address: string; // normalized
  field: string; // from / to / cc / bcc / attendee
  partstat?: string;
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
    const address = normalizeAddress(a.address);
    if (!address) continue;
    if (seen) {
      if (seen.has(address)) continue;
      seen.add(address);
    } else if (hasAddress(out, address)) continue;
    out.push({ address, field });
  }
}

function hasAddress(out: readonly Participant[], address: string): boolean {
  for (const p of out) if (p.address === address) return true;
  return false;
}

export interface Match {
  participant: Participant;
  endUser: EndUser;
  blocked?: BlockHit;
}

const match = (participant: Participant, endUser: EndUser, blocked: BlockHit | undefined): Match =>
  blocked ? { participant, endUser, blocked } : { participant, endUser };

/** Every (participant, end user) pair with the same address, with any blocklist hit. */
export function findMatches(participants: readonly Participant[], dir: DirectoryIndex): Match[] {
  const out: Match[] = [];
  for (const p of participants) {
    const users = dir.endUsersOrOne(p.address);
    if (users === undefined) continue;
    const blocked = dir.endUserBlockHit(p.address);
    if (!Array.isArray(users)) out.push(match(p, users as EndUser, blocked));
    else for (const endUser of users) out.push(match(p, endUser, blocked));
  }
  return out;
}

/** Group matches by account, in first-seen order, naming the end user(s) behind each link. */
export function linkedAccounts(matches: readonly Match[]): LinkedAccount[] {
  const out: LinkedAccount[] = [];
  if (matches.length === 0) return out;
  // A few matches (the usual item) are grouped by a scan of the accounts so far; many, by a Map.
  const byAccount = matches.length > 16 ? new Map<string, LinkVia[]>() : undefined;
  for (const m of matches) {
    const id = m.endUser.accountId;
    const via = linkVia(m);
    const list = byAccount ? byAccount.get(id) : viaOf(out, id);
    if (list) list.push(via);
    else {
      const account = { id, via: [via] };
      out.push(account);
      byAccount?.set(id, account.via);
    }
  }
  return out;
}

function viaOf(accounts: readonly LinkedAccount[], id: string): LinkVia[] | undefined {
  for (const a of accounts) if (a.id === id) return a.via;
  return undefined;
}

function linkVia(m: Match): LinkVia {
  const via: LinkVia = {
    email: m.endUser.email,
    endUserId: m.endUser.id,
    source: m.endUser.source,
    field: m.participant.field,
  };
  if (m.endUser.externalId) via.externalId = m.endUser.externalId;
  if (m.endUser.sourceUrl) via.sourceUrl = m.endUser.sourceUrl;
  if (m.endUser.sourceSyncedAt) via.sourceSyncedAt = m.endUser.sourceSyncedAt;
  if (m.participant.partstat) via.partstat = m.participant.partstat;
  return via;
}

/** `accountName` is the directory's (or a memo of it: one decision names an account in two checks). */
export function describeMatches(matches: readonly Match[], accountName: (id: string) => string): string {
  return matches
    .map(
      (m) =>
        `${m.participant.address} (${m.participant.field}) is an end user of ${accountName(m.endUser.accountId)} [${m.endUser.accountId}]`,
    )
    .join('; ');
}

export function list(values: readonly string[], max = 5): string {
  if (values.length <= max) return values.join(', ');
  return `${values.slice(0, max).join(', ')} and ${values.length - max} more`;
}
