// The live lookup at the provider (issue 13, part 2): when the store cannot answer, ask the
// teammate's connections themselves — read-only, in parallel, each within a time limit — and
// decide what they have with the same rules, WITHOUT storing it. A connection that fails or
// does not answer in time is named in the answer; it never fails the whole lookup.
// Audited (who asked what; addresses yes, message content never) and rate-limited per
// connection (live-rate-limit.ts). docs/live-lookup.md has the words and the limits.
import type { Sighting } from '../domain/connection.js';
import type { Check, Decision, Remedy } from '../domain/decision.js';
import { normalizeAddress } from '../directory/address.js';
import type { DirectoryIndex } from '../directory/index.js';
import { calendarSearchFor, mailSearchFor } from '../providers/registry.js';
import {
  SourceError,
  type CalendarHit,
  type CalendarSearch,
  type ConnectionConfig,
  type MailHit,
  type MailSearch,
  type MailSearchQuery,
} from '../providers/types.js';
import { decideEmail } from '../rules/decide-email.js';
import { decideMeeting } from '../rules/decide-meeting.js';
import { uniqueRemedies } from '../rules/remedies.js';
import { recordAudit } from '../store/audit.js';
import { listConnections, type ConnectionRecord } from '../store/connections.js';
import { connectorDeps, loadDirectoryIndex } from '../store/context.js';
import type { SearchedConnection } from '../troubleshoot/explain.js';
import type { AppDeps } from './deps.js';
import { requireTeammate } from './deps.js';
import { AppError, invalid } from './errors.js';
import type { FindCandidate, FindEmailQuery, FindMeetingQuery, LiveFind } from './find-types.js';
import {
  calendarPlaceCheck,
  mailPlaceCheck,
  mailboxOf,
  notAskedCheck,
  notFoundCheck,
  type LiveCheck,
  type NotAsked,
} from './live-answers.js';
import { sharedLookupLimit, type LookupLimit } from './live-rate-limit.js';

export interface LiveFindOptions {
  /** Time limit per connection (default 10 s): past it the connection is named as not answering. */
  timeoutMs?: number;
  /** Hits per connection at most (default 50). */
  limit?: number;
  /** Who asks (a teammate's address): their own mailbox's hits show their subject. */
  viewer?: string;
  limiter?: LookupLimit;
  /** The providers' searches (tests may hand their own); default the registry's. */
  searchers?: {
    mail: (c: ConnectionConfig) => Promise<MailSearch | null>;
    calendar: (c: ConnectionConfig) => Promise<CalendarSearch | null>;
  };
}

export const LIVE_TIMEOUT_MS = 10_000;
/** A meeting lookup without dates looks this far back and ahead of `now`. */
const MEETING_BACK_DAYS = 90;
const MEETING_AHEAD_DAYS = 30;
const DAY = 86_400_000;

type Asked<H> = { connection: ConnectionRecord; hits: H[] } | NotAsked;

export function liveFind(deps: AppDeps, opts: LiveFindOptions = {}): LiveFind {
  const timeoutMs = opts.timeoutMs ?? LIVE_TIMEOUT_MS;
  const limit = opts.limit ?? 50;
  const limiter = opts.limiter ?? sharedLookupLimit;
  const searchers = opts.searchers ?? { mail: mailSearchFor, calendar: calendarSearchFor };
  const viewer = opts.viewer ? normalizeAddress(opts.viewer) : null;

  /**
   * Every connection (of the teammate asked, if any) that has this stream, is not disconnected
   * and lives at a provider: a folder connection is files on this server, read whole at every
   * sync, so there is nothing more to ask it.
   */
  async function connectionsFor(want: 'mail' | 'calendar', teammate?: string): Promise<ConnectionRecord[]> {
    const all = (await listConnections(deps.db, deps.ws.id)).filter(
      (c) => (want === 'mail' ? c.hasMail : c.hasCalendar) && c.status !== 'disconnected' && c.provider !== 'folder',
    );
    if (!teammate) return all;
    const t = await requireTeammate(deps, teammate);
    return all.filter((c) => c.teammateId === t.id);
  }

  /** Rate limit first: when every connection is out of lookups, say when to try again. */
  function admit(conns: ConnectionRecord[]): { go: ConnectionRecord[]; limited: NotAsked[] } {
    const go: ConnectionRecord[] = [];
    const limited: NotAsked[] = [];
    let wait = 0;
    for (const c of conns) {
      if (c.status === 'needs_reauth') {
        // Its grant is gone: asking would only be refused.
        limited.push({ connection: c, kind: 'needs_reauth', why: 'it needs re-authorization' });
        continue;
      }
      const r = limiter.take(c.id);
      if (r.ok) go.push(c);
      else {
        wait = Math.max(wait, r.retryAfterMs);
        limited.push({
          connection: c,
          kind: 'rate_limited',
          why: `too many live lookups, try again in ${Math.ceil(r.retryAfterMs / 1000)} s`,
        });
      }
    }
    if (conns.length && !go.length && limited.some((l) => l.kind === 'rate_limited'))
      throw new AppError('rate_limited', `too many live lookups for these connections; try again in ${Math.ceil(wait / 1000)} s`);
    return { go, limited };
  }

  /** Ask one connection within the time limit; its failure is an answer, not an exception. */
  async function ask<H>(
    c: ConnectionRecord,
    open: (cfg: ConnectionConfig) => Promise<{ search(q: never, o: { limit: number; signal: AbortSignal }): Promise<H[]> } | null>,
    q: unknown,
  ): Promise<Asked<H>> {
    const ctl = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), timeoutMs);
    });
    try {
      const run = (async () => {
        const s = await open({ ...c, ...connectorDeps(deps), now: deps.now });
        return s ? await s.search(q as never, { limit, signal: ctl.signal }) : [];
      })();
      run.catch(() => undefined); // settled after a timeout: nobody waits for it any more
      const r = await Promise.race([run, timedOut]);
      if (r === 'timeout') {
        ctl.abort();
        return { connection: c, kind: 'timeout', why: `did not answer within ${Math.round(timeoutMs / 100) / 10} s` };
      }
      return { connection: c, hits: r };
    } catch (err) {
      if (err instanceof SourceError && err.code === 'AUTH_FAILED')
        return { connection: c, kind: 'needs_reauth', why: `the provider refused the credentials (${err.message})` };
      return { connection: c, kind: 'failed', why: (err as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  async function audit(kind: 'email' | 'meeting', query: Record<string, unknown>, asked: Asked<unknown>[], found: number) {
    await recordAudit(deps.db, deps.ws.id, {
      at: deps.now.toISOString(),
      actor: deps.actor,
      action: `live_find.${kind}`,
      target: asked.map((a) => a.connection.id).join(',') || 'none',
      details: {
        query,
        connections: asked.map((a) => a.connection.id),
        notAsked: asked.filter((a): a is NotAsked => 'kind' in a).map((a) => ({ connection: a.connection.id, kind: a.kind })),
        found,
      },
    });
  }

  return {
    async emails(q: FindEmailQuery): Promise<FindCandidate[]> {
      const mq = emailQuery(q);
      const conns = await connectionsFor('mail', q.teammate);
      if (!conns.length) return []; // no mailbox to ask: the store's answer stands alone
      const { go, limited } = admit(conns);
      const asked: Asked<MailHit>[] = [...limited, ...(await Promise.all(go.map((c) => ask<MailHit>(c, searchers.mail, mq))))];
      const dir = await loadDirectoryIndex(deps);
      const out = emailCandidates(asked, dir, deps.now, viewer);
      // Audited with the addresses and dates asked (the admin sees them anyway); subject words never.
      const { subject, ...rest } = mq;
      await audit(
        'email',
        { ...isoDates(rest), ...(subject ? { subject: 'given' } : {}), ...(q.teammate ? { teammate: q.teammate } : {}) },
        asked,
        out.found,
      );
      return out.candidates;
    },

    async meetings(q: FindMeetingQuery): Promise<FindCandidate[]> {
      const cq = meetingQuery(q, deps.now);
      const conns = await connectionsFor('calendar', q.teammate);
      if (!conns.length) return [];
      const { go, limited } = admit(conns);
      const asked: Asked<CalendarHit>[] = [...limited, ...(await Promise.all(go.map((c) => ask<CalendarHit>(c, searchers.calendar, cq))))];
      const dir = await loadDirectoryIndex(deps);
      const out = meetingCandidates(asked, dir, deps.now, viewer);
      const { title, ...rest } = cq;
      await audit(
        'meeting',
        { ...isoDates(rest), ...(title ? { title: 'given' } : {}), ...(q.teammate ? { teammate: q.teammate } : {}) },
        asked,
        out.found,
      );
      return out.candidates;
    },
  };
}

function isoDates(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]));
}

function instant(field: string, v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw invalid(field, `"${v}" is not a date or an ISO instant`);
  return d;
}

function emailQuery(q: FindEmailQuery & { messageId?: string }): MailSearchQuery {
  if (!q.from && !q.to && !q.subject?.trim() && !q.messageId)
    throw invalid('query', 'give at least a sender (from), a recipient (to), words of the subject or a Message-ID');
  const since = instant('since', q.since);
  const until = instant('until', q.until);
  if (since && until && since >= until) throw invalid('until', 'must be after since');
  return {
    ...(q.messageId ? { messageId: q.messageId.replace(/^<|>$/g, '') } : {}),
    ...(q.from ? { from: normalizeAddress(q.from) } : {}),
    ...(q.to ? { to: normalizeAddress(q.to) } : {}),
    ...(q.subject?.trim() ? { subject: q.subject.trim() } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
  };
}

function meetingQuery(q: FindMeetingQuery & { uid?: string }, now: Date) {
  if (!q.title?.trim() && !q.attendee && !q.uid) throw invalid('query', 'give at least words of the title, an attendee or a UID');
  const since = instant('since', q.since) ?? new Date(now.getTime() - MEETING_BACK_DAYS * DAY);
  const until = instant('until', q.until) ?? new Date(now.getTime() + MEETING_AHEAD_DAYS * DAY);
  if (since >= until) throw invalid('until', 'must be after since');
  return {
    ...(q.uid ? { uid: q.uid } : {}),
    ...(q.title?.trim() ? { title: q.title.trim() } : {}),
    ...(q.attendee ? { attendee: normalizeAddress(q.attendee) } : {}),
    since,
    until,
  };
}

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
): Pick<FindCandidate, 'outcome' | 'accounts' | 'checks' | 'remedies' | 'remedyCodes' | 'hints'> {
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
    remedies: remedies.map((r) => r.text),
    remedyCodes: remedies.map((r) => r.code),
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
    remedies: remedies.map((r) => r.text),
    remedyCodes: remedies.map((r) => r.code),
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

function emailCandidates(asked: Asked<MailHit>[], dir: DirectoryIndex, now: Date, viewer: string | null) {
  const { answered, notAsked } = split(asked);
  // One candidate per message: the same Message-ID in two mailboxes (or folders) is one email.
  const groups = groupHits(answered, (hit) => hit.item.messageId ?? hit.item.fingerprint);
  const found = groups.reduce((n, g) => n + g.length, 0);
  if (!groups.length)
    return {
      found,
      candidates: [
        nothingFound(
          'email',
          asked,
          answered.map((a) => a.connection),
          notAsked,
          now,
        ),
      ],
    };
  const na = notAskedCheck('email', notAsked, 'n/a');
  const candidates: FindCandidate[] = groups.map((g) => {
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
  });
  return { found, candidates: candidates.sort((a, b) => b.date.localeCompare(a.date)) };
}

function meetingCandidates(asked: Asked<CalendarHit>[], dir: DirectoryIndex, now: Date, viewer: string | null) {
  const { answered, notAsked } = split(asked);
  // One candidate per occurrence: its UID and start, whichever calendars show it.
  const groups = groupHits(answered, (hit) => `${hit.occurrence.uid}|${hit.occurrence.start.toISOString()}`);
  const found = groups.reduce((n, g) => n + g.length, 0);
  if (!groups.length)
    return {
      found,
      candidates: [
        nothingFound(
          'meeting',
          asked,
          answered.map((a) => a.connection),
          notAsked,
          now,
        ),
      ],
    };
  const na = notAskedCheck('meeting', notAsked, 'n/a');
  const candidates: FindCandidate[] = groups.map((g) => {
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
  return { found, candidates: candidates.sort((a, b) => b.date.localeCompare(a.date)) };
}
