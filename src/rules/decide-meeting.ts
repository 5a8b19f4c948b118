// Rules M1–M6, M1 calendar authorized to M6 not blocklisted (from the article's "I can't
// see the meeting which I recently had with my customer"). Pure: each occurrence is judged on its own start, against `now`.
// As decide-email.ts: one pass decides, the details are written afterwards only when wanted.
// The pass allocates no object per check or attendee: a check is a shared constant of its code
// (copied only when its detail is written), and the attendees live in scratch columns.
import type { Sighting } from '../domain/connection.js';
import type { Check, Decision, Hint, Remedy } from '../domain/decision.js';
import type { EndUser } from '../domain/directory.js';
import type { MeetingOccurrence } from '../domain/items.js';
import { normalizeAddress } from '../directory/address.js';
import type { BlockHit, DirectoryIndex } from '../directory/index.js';
import { linkedAccounts, list, type Match } from './participants.js';
import { remedy, uniqueConnections, uniqueRemedies } from './remedies.js';
import type { DecideOptions } from './decide-email.js';
import { check, codeCheck, ownCheck, wantsDetails, type DetailMode } from './details.js';
import { isoTime } from './time-words.js';

export interface MeetingCase {
  occurrence: MeetingOccurrence;
  /** The calendars it was seen in. */
  sightings: Sighting[];
}

export function decideMeeting(c: MeetingCase, dir: DirectoryIndex, now: Date, opts: DecideOptions = {}): Decision {
  return decide(c, dir, now, opts, opts.details ?? true);
}

/** As decideEmailForSync: one pass, details only for meetings that are linked. */
export function decideMeetingForSync(c: MeetingCase, dir: DirectoryIndex, now: Date, opts: DecideOptions = {}): Decision {
  return decide(c, dir, now, opts, 'linked');
}

const M1_NOT_SEEN = codeCheck('M1', 'fail', 'M1_NOT_SEEN');
const M1_AUTHORIZED = codeCheck('M1', 'pass', 'M1_AUTHORIZED');
const M2_NOT_SEEN = codeCheck('M2', 'n/a', 'M2_NOT_SEEN');
const M2_AFTER_AUTHORIZATION = codeCheck('M2', 'pass', 'M2_AFTER_AUTHORIZATION');
const M2_HISTORIC = codeCheck('M2', 'fail', 'M2_HISTORIC');
const M3_CANCELLED = codeCheck('M3', 'fail', 'M3_CANCELLED');
const M3_NOT_STARTED = codeCheck('M3', 'fail', 'M3_NOT_STARTED');
const M3_STARTED = codeCheck('M3', 'pass', 'M3_STARTED');
const M4_NOT_SEEN = codeCheck('M4', 'n/a', 'M4_NOT_SEEN');
const M4_NO_ORGANIZER = Object.freeze(check('M4', 'pass', 'M4_OWNER_ORGANIZES', 'No ORGANIZER: a personal entry of the calendar owner.'));
const M5_NO_END_USER = codeCheck('M5', 'fail', 'M5_NO_END_USER');
const M5_NOT_ACCEPTED = codeCheck('M5', 'fail', 'M5_NOT_ACCEPTED');
const M5_ACCEPTED = codeCheck('M5', 'pass', 'M5_ACCEPTED');
const M6_NO_MATCH = codeCheck('M6', 'n/a', 'M6_NO_MATCH');
const M6_ALL_BLOCKLISTED = codeCheck('M6', 'fail', 'M6_ALL_BLOCKLISTED');
const M6_NOT_BLOCKLISTED = codeCheck('M6', 'pass', 'M6_NOT_BLOCKLISTED');

/**
 * One decision's attendees (the organizer left out), as columns reused by every decision:
 * decisions are synchronous and never nest, so nothing here outlives the call that filled it.
 */
const scratch = {
  n: 0,
  address: [] as string[],
  partstat: [] as (string | undefined)[],
  users: [] as (EndUser | readonly EndUser[] | undefined)[],
  blocked: [] as (BlockHit | undefined)[],
};

/** What the details are written from: the decision's own intermediate results. */
interface MeetingFacts {
  reauth: boolean;
  current: Sighting | undefined;
  organizer: string | null;
  matches: Match[];
  accepted: Match[];
  external: string[];
  blockedEntries: string[];
}

function decide(c: MeetingCase, dir: DirectoryIndex, now: Date, opts: DecideOptions, mode: DetailMode): Decision {
  const occ = c.occurrence;
  const sightings = c.sightings;
  const seen = sightings.length > 0;
  const remedies: Remedy[] = [];
  let hints: Hint[] = [];
  // A failed check other than "not started yet" (which makes it upcoming, not unlinked).
  let otherFailure = false;

  // M1 calendar authorized.
  let reauth = false;
  let m1: Check;
  if (!seen) {
    m1 = M1_NOT_SEEN;
    otherFailure = true;
    remedies.push(remedy.authorize('calendar'));
  } else {
    for (const s of sightings) if (s.connection.status === 'needs_reauth') reauth = true;
    m1 = M1_AUTHORIZED;
    if (reauth) {
      const needing = sightings.filter((s) => s.connection.status === 'needs_reauth');
      remedies.push(remedy.reauthorize('calendar', uniqueConnections(needing)));
    }
  }

  // M2 not historic: this occurrence starts at or after the calendar's first authorization.
  const start = occ.start.getTime();
  let current: Sighting | undefined;
  for (const s of sightings) {
    if (start >= s.connection.authorizedAt.getTime()) {
      current = s;
      break;
    }
  }
  let m2: Check;
  if (!seen) m2 = M2_NOT_SEEN;
  else if (current) m2 = M2_AFTER_AUTHORIZATION;
  else {
    m2 = M2_HISTORIC;
    otherFailure = true;
    remedies.push(remedy.historic('meetings', sightings[0]!.connection.authorizedAt));
  }

  // M3 started (and not cancelled before it started).
  let upcoming = false;
  let m3: Check;
  if (occ.cancelled && (!occ.cancelledAt || occ.cancelledAt.getTime() < start)) {
    m3 = M3_CANCELLED;
    otherFailure = true;
    remedies.push(remedy.cancelled());
  } else if (start > now.getTime()) {
    upcoming = true;
    m3 = M3_NOT_STARTED;
    remedies.push(remedy.waitForStart(occ.start));
  } else m3 = M3_STARTED;

  // M4 the calendar's owner (by any of their addresses) organizes it.
  const organizer = occ.organizer ? normalizeAddress(occ.organizer.address) : null;
  let m4: Check;
  if (!seen) m4 = M4_NOT_SEEN;
  else if (organizer === null) m4 = M4_NO_ORGANIZER;
  else {
    // Every address the ORGANIZER carries (its EMAIL, a relay value, SENT-BY) can name the CSM.
    const also = occ.organizerAlso;
    const organizerAddrs = also?.length ? [organizer, ...also.map(normalizeAddress)] : undefined;
    if (organizerAddrs ? ownerOrganizesAny(sightings, organizerAddrs) : ownerOrganizes(sightings, organizer)) {
      // The detail names the organizer: it is written even when the other details are not.
      m4 = check('M4', 'pass', 'M4_OWNER_ORGANIZES', `Organized by ${organizer}, the calendar's owner.`);
    } else {
      const mate = organizerAddrs ? organizerAddrs.map((a) => dir.teammateFor(a)).find((t) => t !== undefined) : dir.teammateFor(organizer);
      const code = mate ? 'M4_OTHER_TEAMMATE_ORGANIZES' : 'M4_CUSTOMER_ORGANIZES';
      const detail = mate
        ? `Organized by teammate ${organizer}, not by the calendar's owner; it is logged from the organizer's calendar once they connect it.`
        : `Organized by ${organizer}, not by the CSM. Meetings organized by the customer are not synced.`;
      m4 = check('M4', 'fail', code, detail);
      otherFailure = true;
      remedies.push(remedy.organizeYourself());
    }
  }

  // M5 accepted: per account, at least one of ITS end users accepted.
  const { address, partstat, users, blocked } = scratch;
  let n = 0;
  for (const a of occ.attendees) {
    const normalized = normalizeAddress(a.address);
    if (normalized === organizer) continue;
    address[n] = normalized;
    partstat[n] = a.partstat;
    n++;
  }
  scratch.n = n;
  // The look-ups in a loop of their own: at a million end users each is a few cache misses,
  // and with nothing else in between the misses of several attendees overlap.
  for (let i = 0; i < n; i++) users[i] = dir.endUsersOrOne(address[i]!);
  let matched = false;
  let accepted = false;
  let effective = false;
  for (let i = 0; i < n; i++) {
    if (users[i] === undefined) continue;
    matched = true;
    if (partstat[i] !== 'ACCEPTED') continue;
    accepted = true;
    const hit = dir.endUserBlockHit(address[i]!);
    blocked[i] = hit;
    if (hit === undefined) effective = true;
  }
  const external: string[] = [];
  let m5: Check;
  if (!matched) {
    for (let i = 0; i < n; i++) if (!dir.isInternal(address[i]!)) external.push(address[i]!);
    m5 = M5_NO_END_USER;
    if (opts.hints) for (let i = 0; i < n; i++) hints = hints.concat(dir.hints().forParticipant(address[i]!));
    for (const h of hints) remedies.push(remedy.fixEmailField(h.endUserEmail, h.participant, h.accountId));
    if (external.length) remedies.push(remedy.addEndUser(external));
  } else if (!accepted) {
    m5 = M5_NOT_ACCEPTED;
    const who: string[] = [];
    for (let i = 0; i < n; i++) if (users[i] !== undefined && !who.includes(address[i]!)) who.push(address[i]!);
    remedies.push(remedy.askToAccept(who));
  } else m5 = M5_ACCEPTED;
  if (m5 !== M5_ACCEPTED) otherFailure = true;

  // M6 not blocklisted: a blocklisted attendee never counts.
  let blockedEntries: string[] = [];
  let m6: Check;
  if (!accepted) m6 = M6_NO_MATCH;
  else if (!effective) {
    blockedEntries = acceptedBlockEntries();
    m6 = M6_ALL_BLOCKLISTED;
    otherFailure = true;
    for (const e of blockedEntries) remedies.push(remedy.unblock(e));
  } else m6 = M6_NOT_BLOCKLISTED;

  const outcome = otherFailure || !effective ? 'not_linked' : upcoming ? 'upcoming' : 'linked';
  let checks = [m1, m2, m3, m4, m5, m6];
  const details = wantsDetails(mode, outcome);
  // The end users are read (a cache miss each at a million) only for a meeting kept or explained.
  const matches = details || outcome === 'linked' ? attendeeMatches() : undefined;
  const acceptedMatches = matches?.filter((m) => m.participant.partstat === 'ACCEPTED');
  if (details) {
    checks = checks.map(ownCheck);
    writeDetails(checks, c, { reauth, current, organizer, matches: matches!, accepted: acceptedMatches!, external, blockedEntries });
  }
  return {
    kind: 'meeting',
    outcome,
    // The accepting, not blocklisted end users' accounts.
    accounts: outcome === 'linked' ? linkedAccounts(acceptedMatches!.filter((m) => !m.blocked)) : [],
    checks,
    remedies: remedies.length < 2 ? remedies : uniqueRemedies(remedies) /* our own list: no copy */,
    hints,
  };
}

/** The matches of the scratch attendees, as findMatches gives them (block hits of accepting ones only: M5/M6 read no other). */
function attendeeMatches(): Match[] {
  const { n, address, partstat, users, blocked } = scratch;
  const out: Match[] = [];
  for (let i = 0; i < n; i++) {
    const found = users[i];
    if (found === undefined) continue;
    const p = { address: address[i]!, field: 'attendee', partstat: partstat[i] };
    const hit = partstat[i] === 'ACCEPTED' ? blocked[i] : undefined;
    if (!Array.isArray(found))
      out.push(hit ? { participant: p, endUser: found as EndUser, blocked: hit } : { participant: p, endUser: found as EndUser });
    else
      for (const endUser of found as readonly EndUser[])
        out.push(hit ? { participant: p, endUser, blocked: hit } : { participant: p, endUser });
  }
  return out;
}

/** The blocklist entries of the accepting end users, each once, in attendee order. */
function acceptedBlockEntries(): string[] {
  const { n, partstat, users, blocked } = scratch;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (users[i] === undefined || partstat[i] !== 'ACCEPTED') continue;
    const entry = blocked[i]!.entry;
    if (!out.includes(entry)) out.push(entry);
  }
  return out;
}

/** Whether one of the calendars' owners is the organizer (loops: this runs for every meeting). */
function ownerOrganizes(sightings: readonly Sighting[], organizer: string): boolean {
  for (const s of sightings) if (s.connection.ownerAddresses.includes(organizer)) return true;
  return false;
}

function ownerOrganizesAny(sightings: readonly Sighting[], organizerAddrs: readonly string[]): boolean {
  for (const s of sightings) for (const a of organizerAddrs) if (s.connection.ownerAddresses.includes(a)) return true;
  return false;
}
/** The deferred details of M1..M6, in order (M4's pass and fail details are already written). */
function writeDetails(checks: Check[], c: MeetingCase, f: MeetingFacts): void {
  const [m1, m2, m3, m4, m5, m6] = checks as [Check, Check, Check, Check, Check, Check];
  const occ = c.occurrence;
  const sightings = c.sightings;
  const startIso = isoTime(occ.start);

  if (sightings.length === 0) {
    m1.detail = 'No authorized calendar has this meeting.';
    m2.detail = 'Not seen by any calendar.';
    m4.detail = `Organizer: ${f.organizer ?? 'none'}.`;
  } else {
    const who = list([...new Set(sightings.map((s) => s.connection.ownerAddresses[0] ?? s.connection.id))]);
    const warn = f.reauth ? ' The calendar now needs re-authorization; changes are not syncing.' : '';
    m1.detail = `Seen in the authorized calendar of ${who}.${warn}`;
    m2.detail = f.current
      ? `Starts ${startIso}, after the calendar was authorized (${isoTime(f.current.connection.authorizedAt)}).`
      : `Started ${startIso}, before the calendar was first authorized (${isoTime(sightings[0]!.connection.authorizedAt)}). Historic meetings are never synced.`;
  }

  if (m3.code === 'M3_CANCELLED') {
    const when = occ.cancelledAt ? ` on ${isoTime(occ.cancelledAt)}` : '';
    m3.detail = `Cancelled${when}, before it started (${startIso}).`;
  } else if (m3.code === 'M3_NOT_STARTED') m3.detail = `Upcoming: starts ${startIso}; it is logged once it has started.`;
  else {
    const later = occ.cancelled ? ` Cancelled afterwards (${isoTime(occ.cancelledAt!)}); it had already happened, so it stays logged.` : '';
    m3.detail = `Started ${startIso}.${later}`;
  }

  const answers = () => f.matches.map((m) => `${m.participant.address} ${m.participant.partstat} (${m.endUser.accountId})`);
  if (f.matches.length === 0) {
    m5.detail = `No attendee is an end user of any account (checked ${list(f.external) || 'no external attendees besides the organizer'}).`;
  } else if (f.accepted.length === 0) m5.detail = `No end user accepted: ${list(answers(), 10)}.`;
  else {
    const notAccepting: string[] = [];
    for (const m of f.matches) {
      const id = m.endUser.accountId;
      if (!notAccepting.includes(id) && !f.accepted.some((a) => a.endUser.accountId === id)) notAccepting.push(id);
    }
    const note = notAccepting.length ? ` Not linked to ${list(notAccepting)}: none of its end users accepted.` : '';
    m5.detail = `Accepted by ${list([...new Set(f.accepted.map((m) => m.participant.address))])}. Answers: ${list(answers(), 10)}.${note}`;
  }

  if (f.accepted.length === 0) m6.detail = 'No accepting end user to check against the blocklist.';
  else if (m6.status === 'fail') m6.detail = `Every accepting end user is blocklisted (${list(f.blockedEntries)}).`;
  else m6.detail = 'No blocklist entry covers the accepting end users.';
}
