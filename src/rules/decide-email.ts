// Rules E1–E7, E1 inbox authorized to E7 on time (from the article's "I cannot find the
// email which should have been synced?"). Pure: the item, the directory and `now` come in; the decision and every reason
// come out. No I/O, no clock.
import type { Sighting } from '../domain/connection.js';
import type { Check, Decision, Hint, Remedy } from '../domain/decision.js';
import type { EmailItem } from '../domain/items.js';
import type { DirectoryIndex } from '../directory/index.js';
import { emailParticipants, findMatches, linkedAccounts, describeMatches, list, type Match } from './participants.js';
import { remedy, uniqueConnections, uniqueRemedies } from './remedies.js';
import { ageWords, isoTime } from './time-words.js';
import { detailWriter, type DetailMode, type Say } from './details.js';

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
  const checks: Check[] = [];
  const remedies: Remedy[] = [];
  let hints: Hint[] = [];
  const details = detailWriter(checks, opts.details);
  const say = details.say;

  // E1 inbox authorized: it was seen through a mailbox that was authorized and working.
  const reauth = c.sightings.filter((s) => s.connection.status === 'needs_reauth');
  if (c.sightings.length === 0) {
    checks.push({ rule: 'E1', status: 'fail', code: 'E1_NOT_SEEN', detail: say(() => 'No authorized inbox has seen this email.') });
    remedies.push(remedy.authorize('inbox'));
  } else {
    const where = (s: Sighting) => `${s.connection.ownerAddresses[0] ?? s.connection.id} (${s.folder})`;
    const who = () => (c.sightings.length === 1 ? where(c.sightings[0]!) : list([...new Set(c.sightings.map(where))]));
    const warn = () =>
      reauth.length
        ? ` Now needs re-authorization: ${list(reauth.map((s) => s.connection.ownerAddresses[0] ?? s.connection.id))}; new mail there is not syncing.`
        : '';
    checks.push({
      rule: 'E1',
      status: 'pass',
      code: 'E1_AUTHORIZED',
      detail: say(() => `Seen through the authorized inbox of ${who()}.${warn()}`),
    });
    if (reauth.length) remedies.push(remedy.reauthorize('inbox', uniqueConnections(reauth)));
  }

  // E2 not historic: sent/received at or after the connection's FIRST authorizedAt.
  const current = c.sightings.filter((s) => s.at.getTime() >= s.connection.authorizedAt.getTime());
  if (c.sightings.length === 0) {
    checks.push({ rule: 'E2', status: 'n/a', code: 'E2_NOT_SEEN', detail: say(() => 'Not seen by any inbox.') });
  } else if (current.length > 0) {
    const s = current[0]!;
    checks.push({
      rule: 'E2',
      status: 'pass',
      code: 'E2_AFTER_AUTHORIZATION',
      detail: say(() => `Received ${isoTime(s.at)}, after the inbox was authorized (${isoTime(s.connection.authorizedAt)}).`),
    });
  } else {
    const s = c.sightings[0]!;
    checks.push({
      rule: 'E2',
      status: 'fail',
      code: 'E2_HISTORIC',
      detail: say(
        () =>
          `Received ${isoTime(s.at)}, before the inbox was first authorized (${isoTime(s.connection.authorizedAt)}). Historic emails are never synced.`,
      ),
    });
    remedies.push(remedy.historic('emails', s.connection.authorizedAt));
  }

  // E3 end-user match: whole address, case-insensitive, in the "email" field.
  const participants = emailParticipants(c.item);
  const matches = findMatches(participants, dir);
  // Who is internal is asked once per participant (E3's remedy and E6 both need it).
  const isInternal = participants.map((p) => dir.isInternal(p.address));
  if (matches.length > 0) {
    checks.push({ rule: 'E3', status: 'pass', code: 'E3_END_USER_MATCH', detail: say(() => `${describeMatches(matches, dir)}.`) });
  } else {
    const external = participants.filter((_, i) => !isInternal[i]).map((p) => p.address);
    const who = () => (external.length ? list(external) : list(participants.map((p) => p.address)));
    checks.push({
      rule: 'E3',
      status: 'fail',
      code: 'E3_NO_END_USER',
      detail: say(() => `No participant is an end user of any account (checked ${who() || 'no addresses'}).`),
    });
    if (opts.hints) {
      hints = participants.flatMap((p) => dir.hints().forParticipant(p.address));
      for (const h of hints) remedies.push(remedy.fixEmailField(h.endUserEmail, h.participant, h.accountId));
    }
    if (external.length) remedies.push(remedy.addEndUser(external));
  }

  // E4 not blocklisted: a blocklisted participant never causes a match.
  const effective: Match[] = matches.filter((m) => !m.blocked);
  const blocked = matches.filter((m) => m.blocked);
  if (matches.length === 0) {
    checks.push({
      rule: 'E4',
      status: 'n/a',
      code: 'E4_NO_MATCH',
      detail: say(() => 'No matching end user to check against the blocklist.'),
    });
  } else if (effective.length === 0) {
    const entries = [...new Set(blocked.map((m) => m.blocked!.entry))];
    checks.push({
      rule: 'E4',
      status: 'fail',
      code: 'E4_ALL_BLOCKLISTED',
      detail: say(() => `Every matching participant is blocklisted (${list(entries)}).`),
    });
    for (const e of entries) remedies.push(remedy.unblock(e));
  } else {
    const note = () =>
      blocked.length
        ? ` Ignored as blocklisted: ${list([...new Set(blocked.map((m) => `${m.participant.address} (${m.blocked!.entry})`))])}.`
        : '';
    checks.push({
      rule: 'E4',
      status: 'pass',
      code: 'E4_NOT_BLOCKLISTED',
      detail: say(() => `No blocklist entry covers the matching participants.${note()}`),
    });
  }

  // E5 every account with a matching end user gets the email.
  const accounts = linkedAccounts(effective);
  if (accounts.length === 0) {
    checks.push({ rule: 'E5', status: 'n/a', code: 'E5_NO_ACCOUNT', detail: say(() => 'No account to link.') });
  } else {
    const names = () => accounts.map((a) => `${dir.accountName(a.id)} [${a.id}] via ${a.via.map((v) => v.email).join(', ')}`);
    checks.push({
      rule: 'E5',
      status: 'pass',
      code: 'E5_ACCOUNTS',
      detail: say(() => `Linked to ${accounts.length} account(s): ${list(names(), 10)}.`),
    });
  }

  // E6 internal mail: between internal people only → never linked.
  const internal = participants.filter((_, i) => isInternal[i]);
  if (participants.length > 0 && internal.length === participants.length) {
    checks.push({
      rule: 'E6',
      status: 'fail',
      code: 'E6_INTERNAL_ONLY',
      detail: say(() => `Every participant is internal (${list(internal.map((p) => p.address))}).`),
    });
    remedies.push(remedy.internalOnly());
  } else {
    const ext = participants.length - internal.length;
    checks.push({
      rule: 'E6',
      status: 'pass',
      code: 'E6_HAS_EXTERNAL',
      detail: say(() => `${ext} external participant(s), ${internal.length} internal.`),
    });
  }

  // E7 on time: informational — how long after it arrived the sync saw it.
  checks.push(onTimeCheck(c.sightings, opts.promiseMinutes ?? 30, say));

  const failed = checks.some((ch) => ch.status === 'fail');
  const outcome = !failed && accounts.length > 0 ? 'linked' : 'not_linked';
  details.finish(outcome);
  return { kind: 'email', outcome, accounts: outcome === 'linked' ? accounts : [], checks, remedies: uniqueRemedies(remedies), hints };
}

function onTimeCheck(sightings: Sighting[], promiseMinutes: number, say: Say): Check {
  if (sightings.length === 0) {
    return {
      rule: 'E7',
      status: 'n/a',
      code: 'E7_NOT_SEEN',
      detail: say(() => `Not seen yet; new mail is synced within ${promiseMinutes} minutes.`),
    };
  }
  const first = sightings.reduce((a, b) => (a.seenAt <= b.seenAt ? a : b));
  const lagMin = Math.max(0, (first.seenAt.getTime() - first.at.getTime()) / 60000);
  const late = lagMin > promiseMinutes && first.connection.authorizedAt <= first.at;
  const why = late ? ` (later than the ${promiseMinutes}-minute promise: caught up after an outage or a late authorization)` : '';
  return {
    rule: 'E7',
    status: 'pass',
    code: late ? 'E7_CAUGHT_UP' : 'E7_SYNCED',
    detail: say(() => `Synced ${isoTime(first.seenAt)}, ${ageWords(lagMin)} after it arrived${why}.`),
  };
}

/**
 * The sync's hot path: one pass that writes the details only for mail that is linked (most
 * mail is not, and not-linked mail keeps codes only — see store/emails.ts).
 */
export function decideEmailForSync(c: EmailCase, dir: DirectoryIndex, now: Date, opts: DecideOptions = {}): Decision {
  return decideEmail(c, dir, now, { ...opts, details: 'linked' });
}
