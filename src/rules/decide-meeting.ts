// Rules M1–M6, M1 calendar authorized to M6 not blocklisted (from the article's "I can't
// see the meeting which I recently had with my customer"). Pure: each occurrence is judged on its own start, against `now`.
// As decide-email.ts: one pass decides, the details are written afterwards only when wanted.
import type { Sighting } from '../domain/connection.js';
import type { Check, Decision, Hint, Remedy } from '../domain/decision.js';
import type { MeetingOccurrence } from '../domain/items.js';
import { displayAddress, normalizeAddress } from '../directory/address.js';
import type { DirectoryIndex } from '../directory/index.js';
import { addressList, attendee, findMatches, linkedAccounts, list, type Match, type Participant } from './participants.js';
import { remedy, uniqueConnections, uniqueRemedies } from './remedies.js';
import type { DecideOptions } from './decide-email.js';
import { check, wantsDetails, type DetailMode } from './details.js';
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

/** What the details are written from: the decision's own intermediate results. */
interface MeetingFacts {
  reauth: boolean;
  current: Sighting | undefined;
  organizer: string | null;
  attendees: Participant[];
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
    m1 = check('M1', 'fail', 'M1_NOT_SEEN');
    otherFailure = true;
    remedies.push(remedy.authorize('calendar'));
  } else {
    for (const s of sightings) if (s.connection.status === 'needs_reauth') reauth = true;
    m1 = check('M1', 'pass', 'M1_AUTHORIZED');
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
  if (!seen) m2 = check('M2', 'n/a', 'M2_NOT_SEEN');
  else if (current) m2 = check('M2', 'pass', 'M2_AFTER_AUTHORIZATION');
  else {
    m2 = check('M2', 'fail', 'M2_HISTORIC');
    otherFailure = true;
    remedies.push(remedy.historic('meetings', sightings[0]!.connection.authorizedAt));
  }

  // M3 started (and not cancelled before it started).
  let upcoming = false;
  let m3: Check;
  if (occ.cancelled && (!occ.cancelledAt || occ.cancelledAt.getTime() < start)) {
    m3 = check('M3', 'fail', 'M3_CANCELLED');
    otherFailure = true;
    remedies.push(remedy.cancelled());
  } else if (start > now.getTime()) {
    upcoming = true;
    m3 = check('M3', 'fail', 'M3_NOT_STARTED');
    remedies.push(remedy.waitForStart(occ.start));
  } else m3 = check('M3', 'pass', 'M3_STARTED');

  // M4 the calendar's owner (by any of their addresses) organizes it.
  const organizer = occ.organizer ? normalizeAddress(occ.organizer.address) : null;
  // Every address the ORGANIZER carries (its EMAIL, a relay value, SENT-BY) can name the CSM.
  const also = occ.organizerAlso;
  const organizerAddrs = organizer ? (also?.length ? [organizer, ...also.map(normalizeAddress)] : [organizer]) : [];
  let m4: Check;
  if (!seen) m4 = check('M4', 'n/a', 'M4_NOT_SEEN');
  else if (organizer === null || ownerOrganizes(sightings, organizerAddrs)) {
    // The detail names the organizer: it is written even when the other details are not.
    const detail = organizer
      ? `Organized by ${displayAddress(organizer)}, the calendar's owner.`
      : 'No ORGANIZER: a personal entry of the calendar owner.';
    m4 = check('M4', 'pass', 'M4_OWNER_ORGANIZES', detail);
  } else {
    const mate = organizerAddrs.map((a) => dir.teammateFor(a)).find((t) => t !== undefined);
    const code = mate ? 'M4_OTHER_TEAMMATE_ORGANIZES' : 'M4_CUSTOMER_ORGANIZES';
    const detail = mate
      ? `Organized by teammate ${displayAddress(organizer)}, not by the calendar's owner; it is logged from the organizer's calendar once they connect it.`
      : `Organized by ${displayAddress(organizer)}, not by the CSM. Meetings organized by the customer are not synced.`;
    m4 = check('M4', 'fail', code, detail);
    otherFailure = true;
    remedies.push(remedy.organizeYourself());
  }

  // M5 accepted: per account, at least one of ITS end users accepted.
  const attendees: Participant[] = [];
  for (const a of occ.attendees) {
    const p = attendee(a.address, a.partstat);
    if (p.address !== organizer) attendees.push(p);
  }
  const matches = findMatches(attendees, dir);
  let nAccepted = 0;
  for (const m of matches) if (m.participant.partstat === 'ACCEPTED') nAccepted++;
  const accepted = nAccepted === matches.length ? matches : matches.filter((m) => m.participant.partstat === 'ACCEPTED');
  const external: string[] = [];
  let m5: Check;
  if (matches.length === 0) {
    for (const p of attendees) if (!dir.isInternal(p.address)) external.push(p.address);
    m5 = check('M5', 'fail', 'M5_NO_END_USER');
    if (opts.hints) hints = attendees.flatMap((p) => dir.hints().forParticipant(p.address));
    for (const h of hints) remedies.push(remedy.fixEmailField(h.endUserEmail, h.participant, h.accountId));
    if (external.length) remedies.push(remedy.addEndUser(external));
  } else if (accepted.length === 0) {
    m5 = check('M5', 'fail', 'M5_NOT_ACCEPTED');
    remedies.push(remedy.askToAccept([...new Set(matches.map((m) => m.participant.address))]));
  } else m5 = check('M5', 'pass', 'M5_ACCEPTED');
  if (m5.status === 'fail') otherFailure = true;

  // M6 not blocklisted: a blocklisted attendee never counts.
  let blocked = 0;
  for (const m of accepted) if (m.blocked) blocked++;
  const effective: Match[] = blocked === 0 ? accepted : accepted.filter((m) => !m.blocked);
  let blockedEntries: string[] = [];
  let m6: Check;
  if (accepted.length === 0) m6 = check('M6', 'n/a', 'M6_NO_MATCH');
  else if (effective.length === 0) {
    blockedEntries = [...new Set(accepted.map((m) => m.blocked!.entry))];
    m6 = check('M6', 'fail', 'M6_ALL_BLOCKLISTED');
    otherFailure = true;
    for (const e of blockedEntries) remedies.push(remedy.unblock(e));
  } else m6 = check('M6', 'pass', 'M6_NOT_BLOCKLISTED');

  const checks = [m1, m2, m3, m4, m5, m6];
  // Each effective match links its end user's account: there are accounts iff there are such matches.
  const outcome = otherFailure || effective.length === 0 ? 'not_linked' : upcoming ? 'upcoming' : 'linked';
  if (wantsDetails(mode, outcome)) {
    writeDetails(checks, c, { reauth, current, organizer, attendees, matches, accepted, external, blockedEntries }, dir);
  }
  return {
    kind: 'meeting',
    outcome,
    // The accounts read each matched EndUser: worked out only for a meeting that keeps them.
    accounts: outcome === 'linked' ? linkedAccounts(effective, dir) : [],
    checks,
    remedies: remedies.length < 2 ? remedies : uniqueRemedies(remedies) /* our own list: no copy */,
    hints,
  };
}

/** Whether one of the calendars' owners is one of the organizer's addresses (loops: this runs for every meeting). */
function ownerOrganizes(sightings: readonly Sighting[], organizerAddrs: readonly string[]): boolean {
  for (const s of sightings) for (const a of organizerAddrs) if (s.connection.ownerAddresses.includes(a)) return true;
  return false;
}

/** A calendar as the details name it: its owner's address as people write it (displayAddress), else the connection. */
function calendarOwner(s: Sighting): string {
  const a = s.connection.ownerAddresses[0];
  return a ? displayAddress(a) : s.connection.id;
}

/** The deferred details of M1..M6, in order (M4's pass and fail details are already written). */
function writeDetails(checks: Check[], c: MeetingCase, f: MeetingFacts, dir: DirectoryIndex): void {
  const [m1, m2, m3, m4, m5, m6] = checks as [Check, Check, Check, Check, Check, Check];
  const occ = c.occurrence;
  const sightings = c.sightings;
  const startIso = isoTime(occ.start);

  if (sightings.length === 0) {
    m1.detail = 'No authorized calendar has this meeting.';
    m2.detail = 'Not seen by any calendar.';
    m4.detail = `Organizer: ${f.organizer ? displayAddress(f.organizer) : 'none'}.`;
  } else {
    const who = list([...new Set(sightings.map(calendarOwner))]);
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

  // The details name addresses as people write them (displayAddress: an IDN domain in Unicode).
  const answers = () =>
    f.matches.map((m) => `${displayAddress(m.participant.address)} ${m.participant.partstat} (${dir.accountIdOf(m.account)})`);
  if (f.matches.length === 0) {
    m5.detail = `No attendee is an end user of any account (checked ${addressList(f.external) || 'no external attendees besides the organizer'}).`;
  } else if (f.accepted.length === 0) m5.detail = `No end user accepted: ${list(answers(), 10)}.`;
  else {
    const notAccepting: string[] = [];
    for (const m of f.matches) {
      const id = dir.accountIdOf(m.account);
      if (!notAccepting.includes(id) && !f.accepted.some((a) => a.account === m.account)) notAccepting.push(id);
    }
    const note = notAccepting.length ? ` Not linked to ${list(notAccepting)}: none of its end users accepted.` : '';
    m5.detail = `Accepted by ${addressList([...new Set(f.accepted.map((m) => m.participant.address))])}. Answers: ${list(answers(), 10)}.${note}`;
  }

  if (f.accepted.length === 0) m6.detail = 'No accepting end user to check against the blocklist.';
  else if (m6.status === 'fail') m6.detail = `Every accepting end user is blocklisted (${addressList(f.blockedEntries)}).`;
  else m6.detail = 'No blocklist entry covers the accepting end users.';
}
