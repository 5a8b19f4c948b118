// The live lookup's answers: the providers' hits grouped into one candidate per email or
// occurrence, each decided by the same rules as the sync, with the live place checks in E1's /
// M1's place, and one "nothing found" answer naming who was and was not asked.
import type { Sighting } from '../domain/connection.js';
import type { Check, Decision, Remedy } from '../domain/decision.js';
import type { DirectoryIndex } from '../directory/index.js';
import type { CalendarHit, MailHit } from '../providers/types.js';
import { decideEmail } from '../rules/decide-email.js';
import { decideMeeting } from '../rules/decide-meeting.js';
import { uniqueRemedies } from '../rules/remedies.js';
import type { ConnectionRecord } from '../store/connections.js';
import { remedyFields, type SearchedConnection } from '../troubleshoot/explain.js';
import type { FindCandidate } from './find-types.js';
import {
  calendarPlaceCheck,
  mailPlaceCheck,
  mailboxOf,
  notAskedCheck,
  notFoundCheck,
  type LiveCheck,
  type NotAsked,
} from './live-answers.js';

/** One connection's answer: its hits, or why it was not asked / did not answer. */
export type Asked<H> = { connection: ConnectionRecord; hits: H[] } | NotAsked;

const sightingOf = (c: ConnectionRecord, folder: string, at: Date, now: Date): Sighting => ({ connection: c, folder, at, seenAt: now });

const searchedOf = (list: Asked<unknown>[]): SearchedConnection[] =>
  list.map(({ connection: c }) => ({
    id: c.id,
    teammate: mailboxOf(c),
    provider: c.provider,
    status: c.status,
    authorizedAt: c.authorizedAt.toISOString(),
    lastSyncAt: c.lastSyncAt?.toISOString() ?? null,
    nextSyncAt: c.nextSyncAt?.toISOString() ?? null,
  }));

/**
 * The rules' decision with the live place checks in E1's / M1's place (the sync did not see
 * it, so "seen through an authorized inbox" is not the question) and, for mail, E7 saying it
 * is not synced. A place that explains the absence makes it not linked, whatever the rest says.
 */
function liveShape(
  kind: 'email' | 'meeting',
  d: Decision,
  places: LiveCheck[],
  notAsked: LiveCheck | null,
): Pick<FindCandidate, 'outcome' | 'accounts' | 'checks' | 'remedies' | 'remedyCodes' | 'remedyActions' | 'hints'> {
  const first = kind === 'email' ? 'E1' : 'M1';
  const rest = d.checks.filter((c) => c.rule !== first);
  const checks: Check[] = [...places.map((p) => p.check), ...(notAsked ? [notAsked.check] : []), ...rest].map((c) =>
    c.rule === 'E7' ? { rule: 'E7', status: 'n/a', code: 'E7_NOT_SYNCED', detail: 'Not synced: found at the provider just now.' } : c,
  );
  const blocked = places.every((p) => p.blocks);
  const remedies: Remedy[] = uniqueRemedies([
    ...places.flatMap((p) => p.remedies),
    ...(notAsked?.remedies ?? []),
    ...d.remedies.filter((r) => r.code !== 'AUTHORIZE'),
  ]);
  const outcome = blocked && d.outcome !== 'upcoming' ? 'not_linked' : d.outcome;
  return {
    outcome,
    accounts: outcome === 'linked' ? d.accounts : [],
    checks,
    ...remedyFields(remedies),
    hints: d.hints,
  };
}

function split<H>(asked: Asked<H>[]): { answered: { connection: ConnectionRecord; hits: H[] }[]; notAsked: NotAsked[] } {
  const answered: { connection: ConnectionRecord; hits: H[] }[] = [];
  const notAsked: NotAsked[] = [];
  for (const a of asked) {
    if ('hits' in a) answered.push(a);
    else notAsked.push(a);
  }
  return { answered, notAsked };
}

/** The one answer when nothing was found: not in any connected mailbox / calendar, and who could not be asked. */
function nothingFound(
  kind: 'email' | 'meeting',
  asked: Asked<unknown>[],
  answered: ConnectionRecord[],
  notAsked: NotAsked[],
  now: Date,
): FindCandidate {
  // "Not in any connected mailbox" only when one was asked; else the answer is who could not be.
  const nf = answered.length || !notAsked.length ? notFoundCheck(kind, answered) : null;
  const na = notAskedCheck(kind, notAsked, 'fail');
  const remedies = uniqueRemedies([...(nf?.remedies ?? []), ...(na?.remedies ?? [])]);
  return {
    kind,
    outcome: 'unknown',
    ref: '',
    accounts: [],
    checks: [...(nf ? [nf.check] : []), ...(na ? [na.check] : [])],
    ...remedyFields(remedies),
    hints: [],
    searched: searchedOf(asked),
    date: now.toISOString(),
    where: [],
    live: true,
  };
}

/** Every answering connection's hits, grouped by the item they are (one email, one occurrence). */
function groupHits<H>(answered: { connection: ConnectionRecord; hits: H[] }[], keyOf: (hit: H) => string) {
  const groups = new Map<string, { hit: H; connection: ConnectionRecord }[]>();
  for (const a of answered)
    for (const hit of a.hits) {
      const key = keyOf(hit);
      groups.set(key, [...(groups.get(key) ?? []), { hit, connection: a.connection }]);
    }
  return [...groups.values()];
}

/**
 * The hits grouped into one candidate each (`build`), newest first, or the one "nothing found"
 * answer; `found` counts every hit (the audit's figure).
 */
function candidatesOf<H>(
  kind: 'email' | 'meeting',
  asked: Asked<H>[],
  now: Date,
  keyOf: (hit: H) => string,
  build: (group: { hit: H; connection: ConnectionRecord }[], notAsked: LiveCheck | null) => FindCandidate,
): { found: number; candidates: FindCandidate[] } {
  const { answered, notAsked } = split(asked);
  const groups = groupHits(answered, keyOf);
  const found = groups.reduce((n, g) => n + g.length, 0);
  if (!groups.length)
    return {
      found,
      candidates: [
        nothingFound(
          kind,
          asked,
          answered.map((a) => a.connection),
          notAsked,
          now,
        ),
      ],
    };
  const na = notAskedCheck(kind, notAsked, 'n/a');
  const candidates = groups.map((g) => build(g, na));
  return { found, candidates: candidates.sort((a, b) => b.date.localeCompare(a.date)) };
}

export function emailCandidates(asked: Asked<MailHit>[], dir: DirectoryIndex, now: Date, viewer: string | null) {
  // One candidate per message: the same Message-ID in two mailboxes (or folders) is one email.
  return candidatesOf(
    'email',
    asked,
    now,
    (hit) => hit.item.messageId ?? hit.item.fingerprint,
    (g, na): FindCandidate => {
      const item = g[0]!.hit.item;
      const sightings = g.map(({ hit, connection }) => sightingOf(connection, hit.folder, hit.item.receivedAt, now));
      const d = decideEmail({ item, sightings }, dir, now, { hints: true });
      const places = g.map(({ hit, connection }) => mailPlaceCheck(hit, connection));
      const own = viewer !== null && g.some(({ connection }) => connection.ownerAddresses.includes(viewer));
      return {
        kind: 'email',
        ref: item.messageId ?? item.fingerprint,
        ...liveShape('email', d, places, na),
        searched: searchedOf(asked),
        ...(item.messageId ? { messageId: item.messageId } : {}),
        date: item.receivedAt.toISOString(),
        ...(own ? { subject: item.subject } : {}),
        where: g.map(({ hit, connection }) => ({
          connection: connection.id,
          teammate: connection.ownerAddresses[0] ?? null,
          folder: hit.folder,
          ...(hit.labels ? { labels: hit.labels } : {}),
        })),
        live: true,
      };
    },
  );
}

export function meetingCandidates(asked: Asked<CalendarHit>[], dir: DirectoryIndex, now: Date, viewer: string | null) {
  // One candidate per occurrence: its UID and start, whichever calendars show it.
  const keyOf = (hit: CalendarHit) => `${hit.occurrence.uid}|${hit.occurrence.start.toISOString()}`;
  return candidatesOf('meeting', asked, now, keyOf, (g, na): FindCandidate => {
    const occ = g[0]!.hit.occurrence;
    const sightings = g.map(({ hit, connection }) => sightingOf(connection, hit.calendar, occ.start, now));
    const d = decideMeeting({ occurrence: occ, sightings }, dir, now, { hints: true });
    const own = viewer !== null && g.some(({ connection }) => connection.ownerAddresses.includes(viewer));
    return {
      kind: 'meeting',
      ref: occ.uid,
      ...liveShape(
        'meeting',
        d,
        g.map(({ hit, connection }) => calendarPlaceCheck(hit, connection)),
        na,
      ),
      searched: searchedOf(asked),
      uid: occ.uid,
      occurrence: occ.start.toISOString(),
      date: occ.start.toISOString(),
      ...(own ? { subject: occ.title } : {}),
      where: g.map(({ hit, connection }) => ({
        connection: connection.id,
        teammate: connection.ownerAddresses[0] ?? null,
        folder: hit.calendar,
      })),
      live: true,
    };
  });
}
