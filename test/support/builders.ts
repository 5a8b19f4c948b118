// Small builders for rule and directory tests: a default workspace directory, connections,
// sightings, emails and meetings, with every field overridable. Test data only; no I/O.
import type { ConnectionView, Sighting } from '../../src/domain/connection.js';
import type { Decision, RuleId } from '../../src/domain/decision.js';
import type { Account, BlocklistEntry, EndUser, Teammate } from '../../src/domain/directory.js';
import type { Address, Attendee, EmailItem, MeetingOccurrence, PartStat } from '../../src/domain/items.js';
import { DirectoryIndex, type DirectoryInput } from '../../src/directory/index.js';
import type { EmailCase } from '../../src/rules/decide-email.js';
import type { MeetingCase } from '../../src/rules/decide-meeting.js';

/** The inbox/calendar was first authorized at T0. */
export const T0 = new Date('2024-03-01T09:00:00.000Z');
/** "Now" for every decision, a week after authorization. */
export const NOW = new Date('2024-03-08T12:00:00.000Z');

export const minutes = (n: number): number => n * 60_000;
export const at = (base: Date, deltaMs: number): Date => new Date(base.getTime() + deltaMs);

// ---------------------------------------------------------------- directory

export const ALICE: Teammate = {
  id: 'tm-alice',
  email: 'alice@ourco.com',
  aliases: ['alice.w@ourco.com', 'alice@ourco-sales.io'],
  name: 'Alice (CSM)',
};
export const BEN: Teammate = { id: 'tm-ben', email: 'ben@ourco.com', aliases: [] };

export const ACME: Account = { id: 'acc-acme', name: 'Acme' };
export const GLOBEX: Account = { id: 'acc-globex', name: 'Globex' };
export const INITECH: Account = { id: 'acc-initech', name: 'Initech' };

let userSeq = 0;
export function endUser(accountId: string, email: string, over: Partial<EndUser> = {}): EndUser {
  userSeq += 1;
  return { id: `eu-${userSeq}`, accountId, email, source: 'manual', ...over };
}

export function domainBlock(entry: string): BlocklistEntry {
  return { entry, kind: 'domain' };
}
export function addressBlock(entry: string): BlocklistEntry {
  return { entry, kind: 'address' };
}

export function directoryInput(over: Partial<DirectoryInput> = {}): DirectoryInput {
  return {
    internalDomains: ['ourco.com'],
    teammates: [ALICE, BEN],
    accounts: [ACME, GLOBEX, INITECH],
    endUsers: [],
    blocklist: [],
    ...over,
  };
}

export function directory(over: Partial<DirectoryInput> = {}): DirectoryIndex {
  return new DirectoryIndex(directoryInput(over));
}

// ---------------------------------------------------------------- connections

export function connection(over: Partial<ConnectionView> = {}): ConnectionView {
  return {
    id: 'conn-alice',
    provider: 'gmail',
    teammateId: ALICE.id,
    ownerAddresses: [ALICE.email, ...ALICE.aliases],
    status: 'active',
    authorizedAt: T0,
    lastSuccessAt: at(NOW, -minutes(2)),
    nextSyncAt: at(NOW, minutes(3)),
    ...over,
  };
}

export const BEN_CONNECTION: ConnectionView = connection({
  id: 'conn-ben',
  teammateId: BEN.id,
  ownerAddresses: [BEN.email],
});

export function sighting(over: Partial<Sighting> & { at?: Date } = {}): Sighting {
  const when = over.at ?? at(T0, minutes(60));
  return { connection: connection(), folder: 'INBOX', at: when, seenAt: at(when, minutes(1)), ...over };
}

// ---------------------------------------------------------------- emails

type Addrs = string | string[];
const addrs = (a: Addrs | undefined): Address[] => (a === undefined ? [] : Array.isArray(a) ? a : [a]).map((address) => ({ address }));

export interface EmailSpec {
  from?: Addrs;
  to?: Addrs;
  cc?: Addrs;
  bcc?: Addrs;
  receivedAt?: Date;
  messageId?: string | null;
  subject?: string;
}

export function emailItem(spec: EmailSpec = {}): EmailItem {
  const receivedAt = spec.receivedAt ?? at(T0, minutes(60));
  return {
    messageId: spec.messageId === undefined ? 'msg-1@example.test' : spec.messageId,
    fingerprint: 'fp-1',
    sentAt: receivedAt,
    receivedAt,
    from: addrs(spec.from),
    to: addrs(spec.to),
    cc: addrs(spec.cc),
    bcc: addrs(spec.bcc),
    subject: spec.subject ?? 'Quarterly review',
  };
}

/** An email seen once, in Alice's INBOX, one hour after authorization, unless told otherwise. */
export function emailCase(spec: EmailSpec = {}, sightings?: Sighting[]): EmailCase {
  const item = emailItem(spec);
  return { item, sightings: sightings ?? [sighting({ at: item.receivedAt })] };
}

// ---------------------------------------------------------------- meetings

export function attendee(address: string, partstat: PartStat = 'ACCEPTED'): Attendee {
  return { address, partstat };
}

export function occurrence(over: Partial<MeetingOccurrence> = {}): MeetingOccurrence {
  const start = over.start ?? at(T0, minutes(24 * 60));
  return {
    uid: 'evt-1@ourco.com',
    start,
    end: at(start, minutes(30)),
    allDay: false,
    title: 'Onboarding call',
    organizer: { address: ALICE.email },
    attendees: [],
    cancelled: false,
    recurring: false,
    ...over,
  };
}

/** A meeting seen in Alice's calendar, unless told otherwise. */
export function meetingCase(over: Partial<MeetingOccurrence> = {}, sightings?: Sighting[]): MeetingCase {
  const occ = occurrence(over);
  return {
    occurrence: occ,
    sightings: sightings ?? [sighting({ folder: 'Calendar', connection: connection({ provider: 'google_calendar' }), at: occ.start })],
  };
}

// ---------------------------------------------------------------- reading decisions

export const ruleIds = (d: Decision): RuleId[] => d.checks.map((c) => c.rule);
export const codes = (d: Decision): string[] => d.checks.map((c) => c.code);
export const statuses = (d: Decision): string[] => d.checks.map((c) => c.status);
export const remedyCodes = (d: Decision): string[] => d.remedies.map((r) => r.code);
export const accountIds = (d: Decision): string[] => d.accounts.map((a) => a.id);

export function check(d: Decision, rule: RuleId) {
  const c = d.checks.find((ch) => ch.rule === rule);
  if (!c) throw new Error(`decision has no ${rule} check: ${codes(d).join(', ')}`);
  return c;
}

export const EMAIL_RULES: RuleId[] = ['E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7'];
export const MEETING_RULES: RuleId[] = ['M1', 'M2', 'M3', 'M4', 'M5', 'M6'];
