// Rules M1–M6, M1 calendar authorized to M6 not blocklisted (from the article's "I can't
// see the meeting which I recently had with my customer"). Pure: each occurrence is judged on its own start, against `now`.
import type { Sighting } from '../domain/connection.js';
import type { Check, Decision, Hint, Remedy } from '../domain/decision.js';
import type { MeetingOccurrence } from '../domain/items.js';
import { normalizeAddress } from '../directory/address.js';
import type { DirectoryIndex } from '../directory/index.js';
import { findMatches, linkedAccounts, list, type Match, type Participant } from './participants.js';
import { remedy, uniqueConnections, uniqueRemedies } from './remedies.js';
import type { DecideOptions } from './decide-email.js';
import { detailWriter } from './details.js';
import { isoTime } from './time-words.js';

export interface MeetingCase {
  occurrence: MeetingOccurrence;
  /** The calendars it was seen in. */
  sightings: Sighting[];
}

export function decideMeeting(c: MeetingCase, dir: DirectoryIndex, now: Date, opts: DecideOptions = {}): Decision {
  const occ = c.occurrence;
  const checks: Check[] = [];
  const remedies: Remedy[] = [];
  let hints: Hint[] = [];
  const details = detailWriter(checks, opts.details);
  const say = details.say;
  const startIso = () => isoTime(occ.start);

  // M1 calendar authorized.
  if (c.sightings.length === 0) {
    checks.push({ rule: 'M1', status: 'fail', code: 'M1_NOT_SEEN', detail: say(() => 'No authorized calendar has this meeting.') });
    remedies.push(remedy.authorize('calendar'));
  } else {
    const reauth = c.sightings.filter((s) => s.connection.status === 'needs_reauth');
    const who = () => list([...new Set(c.sightings.map((s) => s.connection.ownerAddresses[0] ?? s.connection.id))]);
    const warn = reauth.length ? ' The calendar now needs re-authorization; changes are not syncing.' : '';
    checks.push({
      rule: 'M1',
      status: 'pass',
      code: 'M1_AUTHORIZED',
      detail: say(() => `Seen in the authorized calendar of ${who()}.${warn}`),
    });
    if (reauth.length) remedies.push(remedy.reauthorize('calendar', uniqueConnections(reauth)));
  }

  // M2 not historic: this occurrence starts at or after the calendar's first authorization.
  const current = c.sightings.filter((s) => occ.start.getTime() >= s.connection.authorizedAt.getTime());
  if (c.sightings.length === 0) {
    checks.push({ rule: 'M2', status: 'n/a', code: 'M2_NOT_SEEN', detail: say(() => 'Not seen by any calendar.') });
  } else if (current.length > 0) {
    checks.push({
      rule: 'M2',
      status: 'pass',
      code: 'M2_AFTER_AUTHORIZATION',
      detail: say(() => `Starts ${startIso()}, after the calendar was authorized (${isoTime(current[0]!.connection.authorizedAt)}).`),
    });
  } else {
    const auth = c.sightings[0]!.connection.authorizedAt;
    checks.push({
      rule: 'M2',
      status: 'fail',
      code: 'M2_HISTORIC',
      detail: say(
        () => `Started ${startIso()}, before the calendar was first authorized (${isoTime(auth)}). Historic meetings are never synced.`,
      ),
    });
    remedies.push(remedy.historic('meetings', auth));
  }

  // M3 started (and not cancelled before it started).
  let upcoming = false;
  const cancelledBeforeStart = occ.cancelled && (!occ.cancelledAt || occ.cancelledAt.getTime() < occ.start.getTime());
  if (cancelledBeforeStart) {
    const when = occ.cancelledAt ? ` on ${isoTime(occ.cancelledAt)}` : '';
    checks.push({
      rule: 'M3',
      status: 'fail',
      code: 'M3_CANCELLED',
      detail: say(() => `Cancelled${when}, before it started (${startIso()}).`),
    });
    remedies.push(remedy.cancelled());
  } else if (occ.start.getTime() > now.getTime()) {
    upcoming = true;
    checks.push({
      rule: 'M3',
      status: 'fail',
      code: 'M3_NOT_STARTED',
      detail: say(() => `Upcoming: starts ${startIso()}; it is logged once it has started.`),
    });
    remedies.push(remedy.waitForStart(occ.start));
  } else {
    const later = occ.cancelled ? ` Cancelled afterwards (${isoTime(occ.cancelledAt!)}); it had already happened, so it stays logged.` : '';
    checks.push({ rule: 'M3', status: 'pass', code: 'M3_STARTED', detail: say(() => `Started ${startIso()}.${later}`) });
  }

  // M4 the calendar's owner (by any of their addresses) organizes it.
  const organizer = occ.organizer ? normalizeAddress(occ.organizer.address) : null;
  // Every address the ORGANIZER carries (its EMAIL, a relay value, SENT-BY) can name the CSM.
  const organizerAddrs = organizer ? [organizer, ...(occ.organizerAlso ?? []).map(normalizeAddress)] : [];
  const ownerSightings = c.sightings.filter(
    (s) => organizer === null || organizerAddrs.some((a) => s.connection.ownerAddresses.includes(a)),
  );
  if (c.sightings.length === 0) {
    checks.push({ rule: 'M4', status: 'n/a', code: 'M4_NOT_SEEN', detail: say(() => `Organizer: ${organizer ?? 'none'}.`) });
  } else if (ownerSightings.length > 0) {
    const detail = organizer ? `Organized by ${organizer}, the calendar's owner.` : 'No ORGANIZER: a personal entry of the calendar owner.';
    checks.push({ rule: 'M4', status: 'pass', code: 'M4_OWNER_ORGANIZES', detail });
  } else {
    const mate = organizerAddrs.map((a) => dir.teammateFor(a)).find((t) => t !== undefined);
    const code = mate ? 'M4_OTHER_TEAMMATE_ORGANIZES' : 'M4_CUSTOMER_ORGANIZES';
    const detail = mate
      ? `Organized by teammate ${organizer}, not by the calendar's owner; it is logged from the organizer's calendar once they connect it.`
      : `Organized by ${organizer}, not by the CSM. Meetings organized by the customer are not synced.`;
    checks.push({ rule: 'M4', status: 'fail', code, detail });
    remedies.push(remedy.organizeYourself());
  }

  // M5 accepted: per account, at least one of ITS end users accepted.
  const attendees: Participant[] = occ.attendees
    .map((a) => ({ address: normalizeAddress(a.address), field: 'attendee', partstat: a.partstat }))
    .filter((p) => p.address !== organizer);
  const matches = findMatches(attendees, dir);
  const accepted = matches.filter((m) => m.participant.partstat === 'ACCEPTED');
  const answers = () => matches.map((m) => `${m.participant.address} ${m.participant.partstat} (${m.endUser.accountId})`);
  if (matches.length === 0) {
    const ext = attendees.filter((p) => !dir.isInternal(p.address)).map((p) => p.address);
    checks.push({
      rule: 'M5',
      status: 'fail',
      code: 'M5_NO_END_USER',
      detail: say(
        () => `No attendee is an end user of any account (checked ${list(ext) || 'no external attendees besides the organizer'}).`,
      ),
    });
    if (opts.hints) hints = attendees.flatMap((p) => dir.hints().forParticipant(p.address));
    for (const h of hints) remedies.push(remedy.fixEmailField(h.endUserEmail, h.participant, h.accountId));
    if (ext.length) remedies.push(remedy.addEndUser(ext));
  } else if (accepted.length === 0) {
    checks.push({
      rule: 'M5',
      status: 'fail',
      code: 'M5_NOT_ACCEPTED',
      detail: say(() => `No end user accepted: ${list(answers(), 10)}.`),
    });
    remedies.push(remedy.askToAccept([...new Set(matches.map((m) => m.participant.address))]));
  } else {
    const notAccepting = [...new Set(matches.map((m) => m.endUser.accountId))].filter(
      (id) => !accepted.some((m) => m.endUser.accountId === id),
    );
    const note = () => (notAccepting.length ? ` Not linked to ${list(notAccepting)}: none of its end users accepted.` : '');
    checks.push({
      rule: 'M5',
      status: 'pass',
      code: 'M5_ACCEPTED',
      detail: say(
        () => `Accepted by ${list([...new Set(accepted.map((m) => m.participant.address))])}. Answers: ${list(answers(), 10)}.${note()}`,
      ),
    });
  }

  // M6 not blocklisted: a blocklisted attendee never counts.
  const effective: Match[] = accepted.filter((m) => !m.blocked);
  if (accepted.length === 0) {
    checks.push({
      rule: 'M6',
      status: 'n/a',
      code: 'M6_NO_MATCH',
      detail: say(() => 'No accepting end user to check against the blocklist.'),
    });
  } else if (effective.length === 0) {
    const entries = [...new Set(accepted.map((m) => m.blocked!.entry))];
    checks.push({
      rule: 'M6',
      status: 'fail',
      code: 'M6_ALL_BLOCKLISTED',
      detail: say(() => `Every accepting end user is blocklisted (${list(entries)}).`),
    });
    for (const e of entries) remedies.push(remedy.unblock(e));
  } else {
    checks.push({
      rule: 'M6',
      status: 'pass',
      code: 'M6_NOT_BLOCKLISTED',
      detail: say(() => 'No blocklist entry covers the accepting end users.'),
    });
  }

  const accounts = linkedAccounts(effective);
  const otherFailure = checks.some((ch) => ch.status === 'fail' && ch.code !== 'M3_NOT_STARTED');
  const outcome = otherFailure || accounts.length === 0 ? 'not_linked' : upcoming ? 'upcoming' : 'linked';
  details.finish(outcome);
  return { kind: 'meeting', outcome, accounts: outcome === 'linked' ? accounts : [], checks, remedies: uniqueRemedies(remedies), hints };
}

/** As decideEmailForSync: one pass, details only for meetings that are linked. */
export function decideMeetingForSync(c: MeetingCase, dir: DirectoryIndex, now: Date, opts: DecideOptions = {}): Decision {
  return decideMeeting(c, dir, now, { ...opts, details: 'linked' });
}
