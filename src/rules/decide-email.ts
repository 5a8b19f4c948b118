// Rules E1–E7, E1 inbox authorized to E7 on time (from the article's "I cannot find the
// email which should have been synced?"). Pure: the item, the directory and `now` come in; the decision and every reason
// come out. No I/O, no clock.
//
// One pass decides (codes, statuses, accounts, remedies) with plain loops and no closure per
// check; the plain-words details are written afterwards, from the same facts, only when this
// call wants them (always for explain; for linked items only on the sync's hot path).
import type { Sighting } from '../domain/connection.js';
import type { Check, Decision, Hint, Remedy } from '../domain/decision.js';
import type { EmailItem } from '../domain/items.js';
import type { DirectoryIndex } from '../directory/index.js';
import { describeMatches, emailParticipants, findMatches, linkedAccounts, list, type Match, type Participant } from './participants.js';
import { remedy, uniqueConnections, uniqueRemedies } from './remedies.js';
import { ageWords, isoTime } from './time-words.js';
import { check, wantsDetails, type DetailMode } from './details.js';

export interface EmailCase {
  /** The message; with several sightings, the union of what each showed (Bcc only on sent copies). */
  item: EmailItem;
  sightings: Sighting[];
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
 * The sync's hot path: one pass that writes the details only for mail that is linked (most
 * mail is not, and not-linked mail keeps codes only — see store/emails.ts).
 */
export function decideEmailForSync(c: EmailCase, dir: DirectoryIndex, _now: Date, opts: DecideOptions = {}): Decision {
  return decide(c, dir, opts, 'linked');
}

/** What the details are written from: the decision's own intermediate results. */
interface EmailFacts {
  reauth: Sighting[] | undefined;
  current: Sighting | undefined;
  participants: Participant[];
  matches: Match[];
  external: string[];
  blocked: number;
  blockedEntries: string[];
  accounts: Decision['accounts'];
  internal: number;
  first: Sighting | undefined;
  lagMin: number;
  late: boolean;
  promiseMinutes: number;
}

function decide(c: EmailCase, dir: DirectoryIndex, opts: DecideOptions, mode: DetailMode): Decision {
  const sightings = c.sightings;
  const seen = sightings.length > 0;
  const remedies: Remedy[] = [];
  let hints: Hint[] = [];
  let failed = false;

  // E1 inbox authorized: it was seen through a mailbox that was authorized and working.
  let reauth: Sighting[] | undefined;
  let e1: Check;
  if (!seen) {
    e1 = check('E1', 'fail', 'E1_NOT_SEEN');
    failed = true;
    remedies.push(remedy.authorize('inbox'));
  } else {
    for (const s of sightings) {
      if (s.connection.status !== 'needs_reauth') continue;
      if (reauth) reauth.push(s);
      else reauth = [s];
    }
    e1 = check('E1', 'pass', 'E1_AUTHORIZED');
    if (reauth) remedies.push(remedy.reauthorize('inbox', uniqueConnections(reauth)));
  }

  // E2 not historic: sent/received at or after the connection's FIRST authorizedAt.
  let current: Sighting | undefined;
  for (const s of sightings) {
    if (s.at.getTime() >= s.connection.authorizedAt.getTime()) {
      current = s;
      break;
    }
  }
  let e2: Check;
  if (!seen) e2 = check('E2', 'n/a', 'E2_NOT_SEEN');
  else if (current) e2 = check('E2', 'pass', 'E2_AFTER_AUTHORIZATION');
  else {
    e2 = check('E2', 'fail', 'E2_HISTORIC');
    failed = true;
    remedies.push(remedy.historic('emails', sightings[0]!.connection.authorizedAt));
  }

  // E3 end-user match: whole address, case-insensitive, in the "email" field.
  const participants = emailParticipants(c.item);
  const matches = findMatches(participants, dir);
  // Who is internal is asked once per participant (E3's remedy and E6 both need it).
  const external: string[] = [];
  let internal = 0;
  for (const p of participants) {
    if (dir.isInternal(p.address)) internal++;
    else if (matches.length === 0) external.push(p.address);
  }
  let e3: Check;
  if (matches.length > 0) e3 = check('E3', 'pass', 'E3_END_USER_MATCH');
  else {
    e3 = check('E3', 'fail', 'E3_NO_END_USER');
    failed = true;
    if (opts.hints) {
      hints = participants.flatMap((p) => dir.hints().forParticipant(p.address));
      for (const h of hints) remedies.push(remedy.fixEmailField(h.endUserEmail, h.participant, h.accountId));
    }
    if (external.length) remedies.push(remedy.addEndUser(external));
  }

  // E4 not blocklisted: a blocklisted participant never causes a match.
  let blocked = 0;
  for (const m of matches) if (m.blocked) blocked++;
  const effective: Match[] = blocked === 0 ? matches : matches.filter((m) => !m.blocked);
  let blockedEntries: string[] = [];
  let e4: Check;
  if (matches.length === 0) e4 = check('E4', 'n/a', 'E4_NO_MATCH');
  else if (effective.length === 0) {
    blockedEntries = [...new Set(matches.map((m) => m.blocked!.entry))];
    e4 = check('E4', 'fail', 'E4_ALL_BLOCKLISTED');
    failed = true;
    for (const e of blockedEntries) remedies.push(remedy.unblock(e));
  } else e4 = check('E4', 'pass', 'E4_NOT_BLOCKLISTED');

  // E5 every account with a matching end user gets the email.
  // (Each effective match links its end user's account: there are accounts iff there are such matches.)
  const e5 = effective.length === 0 ? check('E5', 'n/a', 'E5_NO_ACCOUNT') : check('E5', 'pass', 'E5_ACCOUNTS');

  // E6 internal mail: between internal people only → never linked.
  let e6: Check;
  if (participants.length > 0 && internal === participants.length) {
    e6 = check('E6', 'fail', 'E6_INTERNAL_ONLY');
    failed = true;
    remedies.push(remedy.internalOnly());
  } else e6 = check('E6', 'pass', 'E6_HAS_EXTERNAL');

  // E7 on time: informational — how long after it arrived the sync saw it.
  const promiseMinutes = opts.promiseMinutes ?? 30;
  let first: Sighting | undefined;
  let lagMin = 0;
  let late = false;
  let e7: Check;
  if (!seen) e7 = check('E7', 'n/a', 'E7_NOT_SEEN');
  else {
    first = sightings[0]!;
    for (let i = 1; i < sightings.length; i++) if (!(first.seenAt <= sightings[i]!.seenAt)) first = sightings[i]!;
    lagMin = Math.max(0, (first.seenAt.getTime() - first.at.getTime()) / 60000);
    late = lagMin > promiseMinutes && first.connection.authorizedAt <= first.at;
    e7 = check('E7', 'pass', late ? 'E7_CAUGHT_UP' : 'E7_SYNCED');
  }

  const checks = [e1, e2, e3, e4, e5, e6, e7];
  const outcome = !failed && effective.length > 0 ? 'linked' : 'not_linked';
  const details = wantsDetails(mode, outcome);
  // The accounts read each matched EndUser: worked out only for mail that keeps or explains them.
  const accounts = outcome === 'linked' || details ? linkedAccounts(effective, dir) : [];
  if (details) {
    const facts: EmailFacts = {
      reauth,
      current,
      participants,
      matches,
      external,
      blocked,
      blockedEntries,
      accounts,
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

const owner = (s: Sighting) => s.connection.ownerAddresses[0] ?? s.connection.id;
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

  // Each account's name once: it is a look-up in a map of every account (a cache miss at 100k accounts).
  const names = new Map<string, string>();
  const accountName = (id: string) => {
    let name = names.get(id);
    if (name === undefined) {
      name = dir.accountName(id);
      names.set(id, name);
    }
    return name;
  };
  const participants = f.participants;
  if (f.matches.length > 0) e3.detail = `${describeMatches(f.matches, dir, accountName)}.`;
  else {
    const who = f.external.length ? list(f.external) : list(participants.map((p) => p.address));
    e3.detail = `No participant is an end user of any account (checked ${who || 'no addresses'}).`;
  }

  if (f.matches.length === 0) e4.detail = 'No matching end user to check against the blocklist.';
  else if (e4.status === 'fail') e4.detail = `Every matching participant is blocklisted (${list(f.blockedEntries)}).`;
  else {
    const ignored = [...new Set(f.matches.filter((m) => m.blocked).map((m) => `${m.participant.address} (${m.blocked!.entry})`))];
    const note = f.blocked ? ` Ignored as blocklisted: ${list(ignored)}.` : '';
    e4.detail = `No blocklist entry covers the matching participants.${note}`;
  }

  if (f.accounts.length === 0) e5.detail = 'No account to link.';
  else {
    const linked = f.accounts.map((a) => `${accountName(a.id)} [${a.id}] via ${a.via.map((v) => v.email).join(', ')}`);
    e5.detail = `Linked to ${f.accounts.length} account(s): ${list(linked, 10)}.`;
  }

  e6.detail =
    e6.status === 'fail'
      ? `Every participant is internal (${list(participants.map((p) => p.address))}).`
      : `${participants.length - f.internal} external participant(s), ${f.internal} internal.`;
}
