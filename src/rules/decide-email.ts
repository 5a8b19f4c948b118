// Rules E1–E7, E1 inbox authorized to E7 on time (from the article's "I cannot find the
// email which should have been synced?"). Pure: the item, the directory and `now` come in; the decision and every reason
// come out. No I/O, no clock.
//
// One pass works the verdicts out (one small integer per check, no object) with plain loops;
// the Check and Remedy objects are made afterwards, and the plain-words details from the same
// facts, only when this call wants them (always for explain; for linked items only on the
// sync's hot path, where a not-linked email gets a shared, frozen codes-only decision).
import type { Sighting } from '../domain/connection.js';
import type { Check, Decision, Hint, Remedy } from '../domain/decision.js';
import type { EmailItem } from '../domain/items.js';
import type { DirectoryIndex } from '../directory/index.js';
import { displayAddress } from '../directory/address.js';
import {
  addressList,
  describeMatches,
  emailParticipants,
  findMatches,
  linkedAccounts,
  list,
  type Match,
  type Participant,
} from './participants.js';
import { remedy, uniqueConnections, uniqueRemedies } from './remedies.js';
import { ageWords, isoTime } from './time-words.js';
import { check, wantsDetails, type DetailMode } from './details.js';

export interface EmailCase {
  /** The message; with several sightings, the union of what each showed (Bcc only on sent copies). */
  item: EmailItem;
  sightings: Sighting[];
  /**
   * `emailParticipants(item)`, when the caller has worked them out already (the sync hashes
   * them for the store): they are not worked out a second time.
   */
  participants?: readonly Participant[];
}

export interface DecideOptions {
  /** Compute near-miss hints (troubleshooter); the sync's hot path skips them. */
  hints?: boolean;
  /** The promise to users, minutes (E7). */
  promiseMinutes?: number;
  /**
   * Write each check's plain-words detail (default true). The sync stores details for linked
   * items only, so its hot path asks for 'linked'; false gives codes only.
   */
  details?: DetailMode;
}

// `now` is part of the signature for symmetry with decideMeeting; no email rule depends on it yet.
export function decideEmail(c: EmailCase, dir: DirectoryIndex, _now: Date, opts: DecideOptions = {}): Decision {
  return decide(c, dir, opts, opts.details ?? true);
}

/**
 * The sync's hot path: one pass that writes the details only for mail that is linked. Most
 * mail is not, and not-linked mail keeps codes only (store/email-writes.ts): such an email
 * gets exactly that, one frozen decision shared by every email with the same codes (without
 * remedy texts or actions, which name its addresses; with hints, the full remedies).
 */
export function decideEmailForSync(c: EmailCase, dir: DirectoryIndex, _now: Date, opts: DecideOptions = {}): Decision {
  return decide(c, dir, opts, 'linked');
}

/** What the details are written from: the decision's own intermediate results. */
interface EmailFacts {
  reauth: Sighting[] | undefined;
  current: Sighting | undefined;
  participants: readonly Participant[];
  matches: Match[];
  external: string[];
  blocked: number;
  blockedEntries: string[];
  accounts: Decision['accounts'];
  /** Each linked account's number, in the order of `accounts` (the details name them by it). */
  accountNumbers: number[];
  internal: number;
  first: Sighting | undefined;
  lagMin: number;
  late: boolean;
  promiseMinutes: number;
}

type Template = readonly [rule: Check['rule'], status: Check['status'], code: string];

/**
 * Each check's possible verdicts, E1..E7: a decision is first worked out as one small integer
 * per check (an index here), and Check objects are made only for a decision that is built.
 */
const EMAIL_CHECKS: readonly (readonly Template[])[] = [
  [
    ['E1', 'fail', 'E1_NOT_SEEN'],
    ['E1', 'pass', 'E1_AUTHORIZED'],
  ],
  [
    ['E2', 'n/a', 'E2_NOT_SEEN'],
    ['E2', 'pass', 'E2_AFTER_AUTHORIZATION'],
    ['E2', 'fail', 'E2_HISTORIC'],
  ],
  [
    ['E3', 'pass', 'E3_END_USER_MATCH'],
    ['E3', 'fail', 'E3_NO_END_USER'],
  ],
  [
    ['E4', 'n/a', 'E4_NO_MATCH'],
    ['E4', 'fail', 'E4_ALL_BLOCKLISTED'],
    ['E4', 'pass', 'E4_NOT_BLOCKLISTED'],
  ],
  [
    ['E5', 'n/a', 'E5_NO_ACCOUNT'],
    ['E5', 'pass', 'E5_ACCOUNTS'],
  ],
  [
    ['E6', 'fail', 'E6_INTERNAL_ONLY'],
    ['E6', 'pass', 'E6_HAS_EXTERNAL'],
  ],
  [
    ['E7', 'n/a', 'E7_NOT_SEEN'],
    ['E7', 'pass', 'E7_CAUGHT_UP'],
    ['E7', 'pass', 'E7_SYNCED'],
  ],
];

/**
 * The verdicts of a decision as one integer: each check's index in EMAIL_CHECKS, then whether
 * E1 asks to re-authorize, whether E3 asks to add an end user, and how many blocklist entries
 * E4 asks to remove (what the remedies' codes depend on besides the checks). Mixed radix, E1
 * in the lowest digit; decide() computes it inline (no array per decision).
 */
const RADIX = [2, 3, 2, 3, 2, 2, 3, 2, 2] as const;

/** The digits of a verdicts key, E1..E7, re-authorize, add end user, then the unblock count. */
function verdictDigits(key: number): number[] {
  const out: number[] = [];
  for (const r of RADIX) {
    out.push(key % r);
    key = Math.floor(key / r);
  }
  out.push(key);
  return out;
}

function decide(c: EmailCase, dir: DirectoryIndex, opts: DecideOptions, mode: DetailMode): Decision {
  const sightings = c.sightings;
  const seen = sightings.length > 0;

  // E1 inbox authorized: it was seen through a mailbox that was authorized and working.
  let reauth = 0;
  for (const s of sightings) if (s.connection.status === 'needs_reauth') reauth = 1;
  const e1 = seen ? 1 : 0;

  // E2 not historic: sent/received at or after the connection's FIRST authorizedAt.
  let current: Sighting | undefined;
  for (const s of sightings) {
    if (s.at.getTime() >= s.connection.authorizedAt.getTime()) {
      current = s;
      break;
    }
  }
  const e2 = !seen ? 0 : current ? 1 : 2;

  // E3 end-user match: whole address, case-insensitive, in the "email" field.
  const participants = c.participants ?? emailParticipants(c.item);
  const matches = findMatches(participants, dir);
  // Who is internal is asked once per participant (E3's remedy and E6 both need it).
  let internal = 0;
  let external = 0;
  for (const p of participants) {
    if (dir.isInternal(p.address)) internal++;
    else if (matches.length === 0) external++;
  }
  const e3 = matches.length > 0 ? 0 : 1;
  const addEndUser = e3 === 1 && external > 0 ? 1 : 0;

  // E4 not blocklisted: a blocklisted participant never causes a match.
  let blocked = 0;
  for (const m of matches) if (m.blocked) blocked++;
  const effective: Match[] = blocked === 0 ? matches : matches.filter((m) => !m.blocked);
  const e4 = matches.length === 0 ? 0 : effective.length === 0 ? 1 : 2;
  const blockedEntries = e4 === 1 ? [...new Set(matches.map((m) => m.blocked!.entry))] : [];

  // E5 every account with a matching end user gets the email.
  // (Each effective match links its end user's account: there are accounts iff there are such matches.)
  const e5 = effective.length === 0 ? 0 : 1;

  // E6 internal mail: between internal people only → never linked.
  const e6 = participants.length > 0 && internal === participants.length ? 0 : 1;

  // E7 on time: informational — how long after it arrived the sync saw it.
  const promiseMinutes = opts.promiseMinutes ?? 30;
  let first: Sighting | undefined;
  let lagMin = 0;
  let late = false;
  if (seen) {
    first = sightings[0]!;
    for (let i = 1; i < sightings.length; i++) if (!(first.seenAt <= sightings[i]!.seenAt)) first = sightings[i]!;
    lagMin = Math.max(0, (first.seenAt.getTime() - first.at.getTime()) / 60000);
    late = lagMin > promiseMinutes && first.connection.authorizedAt <= first.at;
  }
  const e7 = !seen ? 0 : late ? 1 : 2;

  const failed = e1 === 0 || e2 === 2 || e3 === 1 || e4 === 1 || e6 === 0;
  const outcome = !failed && e5 === 1 ? 'linked' : 'not_linked';
  const hints = opts.hints && e3 === 1 ? participants.flatMap((p) => dir.hints().forParticipant(p.address)) : [];
  const key =
    e1 + 2 * (e2 + 3 * (e3 + 2 * (e4 + 3 * (e5 + 2 * (e6 + 2 * (e7 + 3 * (reauth * e1 + 2 * (addEndUser + 2 * blockedEntries.length))))))));
  // The sync's not-linked mail (most of it) keeps codes only: one shared decision per verdicts.
  if (mode === 'linked' && outcome !== 'linked' && hints.length === 0) return codesOnly(key);

  const checks = checksOf(key);
  const reauthSightings = reauth && seen ? sightings.filter((s) => s.connection.status === 'needs_reauth') : undefined;
  const externals = addEndUser ? externalAddresses(participants, dir) : [];
  const remedies = remediesOf(key, {
    reauth: reauthSightings ?? [],
    authorizedAt: seen ? sightings[0]!.connection.authorizedAt : new Date(0),
    hints,
    external: externals,
    blockedEntries,
  });

  const details = wantsDetails(mode, outcome);
  // The accounts read each matched EndUser: worked out only for mail that keeps or explains them.
  const accountNumbers: number[] = [];
  const accounts = outcome === 'linked' || details ? linkedAccounts(effective, dir, accountNumbers) : [];
  if (details) {
    const facts: EmailFacts = {
      reauth: reauthSightings,
      current,
      participants,
      matches,
      external: externals,
      blocked,
      blockedEntries,
      accounts,
      accountNumbers,
      internal,
      first,
      lagMin,
      late,
      promiseMinutes,
    };
    writeDetails(checks, c.sightings, facts, dir);
  }
  return {
    kind: 'email',
    outcome,
    accounts: outcome === 'linked' ? accounts : [],
    checks,
    remedies: remedies.length < 2 ? remedies : uniqueRemedies(remedies) /* our own list: no copy */,
    hints,
  };
}

/** New Check objects (details empty) for the verdicts of `key`, E1..E7. */
function checksOf(key: number): Check[] {
  const digits = verdictDigits(key);
  return EMAIL_CHECKS.map((verdicts, i) => {
    const [rule, status, code] = verdicts[digits[i]!]!;
    return check(rule, status, code);
  });
}

/** What a decision's remedies name: the sightings to re-authorize, the first authorization, hints, addresses, entries. */
interface RemedyFacts {
  reauth: readonly Sighting[];
  authorizedAt: Date;
  hints: readonly Hint[];
  external: string[];
  blockedEntries: readonly string[];
}

/** The remedies of the verdicts `key`, in the rules' order: E1, E2, E3 (hints, then add), E4, E6. */
function remediesOf(key: number, f: RemedyFacts): Remedy[] {
  const [e1, e2, , , , e6, , reauth, addEndUser] = verdictDigits(key);
  const out: Remedy[] = [];
  if (e1 === 0) out.push(remedy.authorize('inbox'));
  else if (reauth) out.push(remedy.reauthorize('inbox', uniqueConnections(f.reauth)));
  if (e2 === 2) out.push(remedy.historic('emails', f.authorizedAt));
  for (const h of f.hints) out.push(remedy.fixEmailField(h.endUserEmail, h.participant, h.accountId));
  if (addEndUser) out.push(remedy.addEndUser(f.external));
  for (const e of f.blockedEntries) out.push(remedy.unblock(e));
  if (e6 === 0) out.push(remedy.internalOnly());
  return out;
}

/** The participants that are not internal (E3's remedy and detail name them when nobody matched). */
function externalAddresses(participants: readonly Participant[], dir: DirectoryIndex): string[] {
  const out: string[] = [];
  for (const p of participants) if (!dir.isInternal(p.address)) out.push(p.address);
  return out;
}

/** Shared codes-only decisions, by verdicts key; a few dozen occur. */
const codesOnlyDecisions: (Decision | undefined)[] = [];
/** Keys of up to this many unblock remedies are shared (a key per count would grow without end). */
const MAX_SHARED_KEY = 8 * 2 * 2 * 3 * 2 * 2 * 3 * 2 * 3 * 2;

/**
 * A not-linked email's decision as the sync keeps it (store/codes-only-decision.ts): its
 * codes, no details, no remedy texts or actions (they name addresses and connections), no
 * accounts or hints. Nothing in it depends on the item beyond its verdicts, so one deeply
 * frozen object per verdicts is shared: deciding such mail makes no check or remedy.
 */
function codesOnly(key: number): Decision {
  if (key >= MAX_SHARED_KEY) return buildCodesOnly(key);
  let d = codesOnlyDecisions[key];
  if (d === undefined) {
    d = buildCodesOnly(key);
    codesOnlyDecisions[key] = d;
  }
  return d;
}

function buildCodesOnly(key: number): Decision {
  // The remedies' codes and order are remediesOf's; what their texts and actions would name
  // (addresses, connections, dates) is not kept, so blanks stand in for it.
  const unblock = verdictDigits(key)[RADIX.length]!;
  const blanks: RemedyFacts = { reauth: [], authorizedAt: new Date(0), hints: [], external: [], blockedEntries: Array(unblock).fill('') };
  const checks = checksOf(key);
  const remedies = remediesOf(key, blanks).map((r) => Object.freeze({ code: r.code, text: '' }));
  for (const c of checks) Object.freeze(c);
  return Object.freeze({
    kind: 'email',
    outcome: 'not_linked',
    accounts: Object.freeze([]) as unknown as Decision['accounts'],
    checks: Object.freeze(checks) as Check[],
    remedies: Object.freeze(remedies) as Remedy[],
    hints: Object.freeze([]) as unknown as Hint[],
  });
}

// The details name addresses as people write them (displayAddress: an IDN domain in Unicode).
const owner = (s: Sighting) => (s.connection.ownerAddresses[0] ? displayAddress(s.connection.ownerAddresses[0]) : s.connection.id);
const where = (s: Sighting) => `${owner(s)} (${s.folder})`;

/** Each check's plain words, in the order E1..E7 (the checks are always those seven). */
function writeDetails(checks: Check[], sightings: Sighting[], f: EmailFacts, dir: DirectoryIndex): void {
  const [e1, e2, e3, e4, e5, e6, e7] = checks as [Check, Check, Check, Check, Check, Check, Check];
  if (sightings.length === 0) {
    e1.detail = 'No authorized inbox has seen this email.';
    e2.detail = 'Not seen by any inbox.';
    e7.detail = `Not seen yet; new mail is synced within ${f.promiseMinutes} minutes.`;
  } else {
    const who = sightings.length === 1 ? where(sightings[0]!) : list([...new Set(sightings.map(where))]);
    const warn = f.reauth ? ` Now needs re-authorization: ${list(f.reauth.map(owner))}; new mail there is not syncing.` : '';
    e1.detail = `Seen through the authorized inbox of ${who}.${warn}`;
    const s = f.current ?? sightings[0]!;
    e2.detail = f.current
      ? `Received ${isoTime(s.at)}, after the inbox was authorized (${isoTime(s.connection.authorizedAt)}).`
      : `Received ${isoTime(s.at)}, before the inbox was first authorized (${isoTime(s.connection.authorizedAt)}). Historic emails are never synced.`;
    const first = f.first!;
    const why = f.late ? ` (later than the ${f.promiseMinutes}-minute promise: caught up after an outage or a late authorization)` : '';
    e7.detail = `Synced ${isoTime(first.seenAt)}, ${ageWords(f.lagMin)} after it arrived${why}.`;
  }

  // Accounts are named by number (an array read), not by id (a look-up in a map of every account: cache misses at 100k).
  const participants = f.participants;
  if (f.matches.length > 0) e3.detail = `${describeMatches(f.matches, dir)}.`;
  else {
    const who = f.external.length ? addressList(f.external) : addressList(participants.map((p) => p.address));
    e3.detail = `No participant is an end user of any account (checked ${who || 'no addresses'}).`;
  }

  if (f.matches.length === 0) e4.detail = 'No matching end user to check against the blocklist.';
  else if (e4.status === 'fail') e4.detail = `Every matching participant is blocklisted (${addressList(f.blockedEntries)}).`;
  else {
    const ignored = [
      ...new Set(
        f.matches.filter((m) => m.blocked).map((m) => `${displayAddress(m.participant.address)} (${displayAddress(m.blocked!.entry)})`),
      ),
    ];
    const note = f.blocked ? ` Ignored as blocklisted: ${list(ignored)}.` : '';
    e4.detail = `No blocklist entry covers the matching participants.${note}`;
  }

  if (f.accounts.length === 0) e5.detail = 'No account to link.';
  else {
    const linked = f.accounts.map(
      (a, i) => `${dir.accountNameOf(f.accountNumbers[i]!)} [${a.id}] via ${a.via.map((v) => v.email).join(', ')}`,
    );
    e5.detail = `Linked to ${f.accounts.length} account(s): ${list(linked, 10)}.`;
  }

  e6.detail =
    e6.status === 'fail'
      ? `Every participant is internal (${addressList(participants.map((p) => p.address))}).`
      : `${participants.length - f.internal} external participant(s), ${f.internal} internal.`;
}
