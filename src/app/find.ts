// "Where is my email?": find emails and meetings by what a CSM remembers (who, which words,
// which day) instead of a Message-ID, and answer each candidate with the explain document —
// the same checks and remedies — plus where it is. From the store first; the live lookup at
// the provider (deps.live, src/app/live-find.ts) is asked only where the store cannot answer.
import { isValidAddress, normalizeAddress } from '../directory/address.js';
import { listConnections, type ConnectionRecord } from '../store/connections.js';
import { addressHashes, type Ctx } from '../store/context.js';
import { directoryCache } from '../store/directory-version.js';
import type { DirectoryIndex } from '../directory/index.js';
import { emailSightings, type EmailRecord } from '../store/emails.js';
import { emailTombstonesBySender, searchEmails, searchMeetings } from '../store/find.js';
import { meetingSightings } from '../store/meetings.js';
import { explainEmailRecord, explainMeeting, fromTombstone, type Explanation } from '../troubleshoot/explain.js';
import { requireTeammate, type AppDeps } from './deps.js';
import { invalid, AppError } from './errors.js';
import type { FindCandidate, FindEmailQuery, FindMeetingQuery, FindResult, FoundWhere, LiveFind } from './find-types.js';
import { mergeLive } from './find-merge.js';
import { checkedWindow, type Window } from './find-window.js';

export const DEFAULT_FIND_LIMIT = 20;
const MAX_FIND_LIMIT = 100;

export type FindDeps = AppDeps & { live?: LiveFind };

// Explaining a candidate re-decides it against the directory; loading 10,000 end users is
// most of a find's time, so the index is kept while the workspace's directory is unchanged.
const cachedDirectory = directoryCache(8);

/** The directory, read at most once per find and only when a candidate needs it. */
function lazyDirectory(ctx: Ctx): () => Promise<DirectoryIndex> {
  let loading: Promise<DirectoryIndex> | undefined;
  return () => {
    loading ??= cachedDirectory(ctx);
    return loading;
  };
}

function address(field: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const a = normalizeAddress(raw);
  if (!isValidAddress(a))
    throw invalid(
      field,
      `"${raw}" is not an email address: give the whole address (john@acme.com); addresses are kept only as keyed hashes, so a part of one cannot be matched`,
    );
  return a;
}

function words(field: string, raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw.split(/\s+/).filter((w) => w !== '');
  if (list.length === 0) throw invalid(field, 'has no words');
  return list;
}

function checkedLimit(raw: number | undefined): number {
  if (raw === undefined) return DEFAULT_FIND_LIMIT;
  if (!Number.isInteger(raw) || raw < 1 || raw > MAX_FIND_LIMIT)
    throw invalid('limit', `must be a whole number from 1 to ${MAX_FIND_LIMIT}`);
  return raw;
}

/** A teammate's connections, or undefined when the query is not scoped to one. */
async function scope(deps: AppDeps, teammate: string | undefined, conns: ConnectionRecord[]): Promise<string[] | undefined> {
  if (teammate === undefined) return undefined;
  const t = await requireTeammate(deps, address('teammate', teammate)!);
  return conns.filter((c) => c.teammateId === t.id).map((c) => c.id);
}

function whereOf(rows: { connectionId: string; folder: string | null }[], conns: Map<string, ConnectionRecord>): FoundWhere[] {
  const out: FoundWhere[] = [];
  for (const r of rows) {
    if (out.some((w) => w.connection === r.connectionId && w.folder === r.folder)) continue;
    out.push({ connection: r.connectionId, teammate: conns.get(r.connectionId)?.ownerAddresses[0] ?? null, folder: r.folder });
  }
  return out;
}

/**
 * A historic email explained from stored codes (its source is gone) still says when it was
 * received and when the inbox was authorized: "historic" with its date, never a bare code.
 */
function historicWithDate(e: Explanation, at: Date, where: FoundWhere[], conns: Map<string, ConnectionRecord>): Explanation {
  if (!e.fromStoredCodes) return e;
  const authorizedAt = where.map((w) => conns.get(w.connection)?.authorizedAt).find((d): d is Date => !!d);
  const checks = e.checks.map((c) =>
    c.code === 'E2_HISTORIC'
      ? {
          ...c,
          detail: `Received ${at.toISOString()}, before the inbox was first authorized${authorizedAt ? ` (${authorizedAt.toISOString()})` : ''}. Historic emails are never synced.`,
        }
      : c,
  );
  return { ...e, checks };
}

export interface CheckedEmailQuery {
  from?: string;
  to?: string;
  subject?: string[];
  window: Window;
  teammate?: string;
  limit: number;
  askMailboxes: boolean;
}

/** The query as find reads it, or AppError('invalid') naming the field. */
export function checkEmailQuery(q: FindEmailQuery): CheckedEmailQuery {
  const from = address('from', q.from);
  const to = address('to', q.to);
  const subject = words('subject', q.subject);
  if (!from && !to && !subject) throw invalid('from|to|subject', 'give a sender (from), a recipient (to) or words of the subject');
  if (q.teammate !== undefined) address('teammate', q.teammate);
  return {
    from,
    to,
    subject,
    window: checkedWindow(q),
    teammate: q.teammate,
    limit: checkedLimit(q.limit),
    askMailboxes: q.askMailboxes === true,
  };
}

export async function findEmails(deps: FindDeps, query: FindEmailQuery): Promise<FindResult> {
  const q = checkEmailQuery(query);
  const connList = await listConnections(deps.db, deps.ws.id);
  const conns = new Map(connList.map((c) => [c.id, c]));
  const connectionIds = await scope(deps, q.teammate, connList);
  // Each address with the hash of its earlier spelling, if it has one (addressHashes).
  const fromHash = q.from ? addressHashes(deps, q.from) : undefined;
  const base = {
    ...(fromHash ? { fromHash } : {}),
    ...(q.to ? { toHash: addressHashes(deps, q.to) } : {}),
    ...q.window,
    ...(connectionIds ? { connectionIds } : {}),
    limit: q.limit + 1,
  };
  const matched = await searchEmails(deps.db, deps.ws.id, { ...base, ...(q.subject ? { subjectWords: q.subject } : {}) });
  // Not-linked mail kept no subject: with subject words, the address matches of the day are
  // still shown (flagged), since the store cannot tell them apart from the one asked for.
  const unchecked = q.subject && (q.from || q.to) ? await searchEmails(deps.db, deps.ws.id, { ...base, notLinkedOnly: true }) : [];
  const uncheckedIds = new Set(unchecked.map((r) => r.id));
  const rows = [...matched, ...unchecked].sort((a, b) => b.at.getTime() - a.at.getTime());
  const directory = lazyDirectory(deps);
  const candidates: FindCandidate[] = [];
  for (const rec of rows.slice(0, q.limit)) candidates.push(await emailCandidate(deps, rec, conns, directory, uncheckedIds.has(rec.id)));
  let truncated = rows.length > q.limit;
  if (fromHash && candidates.length < q.limit) {
    const room = q.limit - candidates.length;
    const purged = await emailTombstonesBySender(deps.db, deps.ws.id, { fromHash, ...q.window, limit: room + 1 });
    const inScope = purged.filter((t) => !connectionIds || t.seenIn.some((w) => connectionIds.includes(w.connectionId)));
    for (const t of inScope.slice(0, room)) {
      const e = fromTombstone('email', 'purged', t, conns);
      candidates.push({
        ...e,
        date: t.at.toISOString(),
        where: e.purged?.where ?? [],
        live: false,
        ...(q.subject ? { subjectNotKept: true } : {}),
      });
    }
    truncated ||= inScope.length > room;
    candidates.sort((a, b) => b.date.localeCompare(a.date));
  }
  const askLive = q.askMailboxes || candidates.length === 0 || unchecked.length > 0;
  return withLive(
    deps.live && askLive ? () => deps.live!.emails(liveQuery(q)) : undefined,
    { candidates, ...(truncated ? { truncated } : {}) },
    q.limit,
  );
}

async function emailCandidate(
  deps: AppDeps,
  rec: EmailRecord,
  conns: Map<string, ConnectionRecord>,
  directory: () => Promise<DirectoryIndex>,
  subjectNotKept: boolean,
): Promise<FindCandidate> {
  const sightings = await emailSightings(deps.db, deps.ws.id, rec.id);
  const where = whereOf(sightings, conns);
  const e = historicWithDate(
    await explainEmailRecord(deps, rec, conns, rec.messageId ?? rec.dedupKey, { directory, sightings }),
    rec.at,
    where,
    conns,
  );
  return {
    ...e,
    ...(rec.messageId ? { messageId: rec.messageId } : {}),
    date: rec.at.toISOString(),
    ...(rec.outcome === 'linked' && rec.subject !== null ? { subject: rec.subject } : {}),
    where,
    live: false,
    ...(subjectNotKept ? { subjectNotKept: true } : {}),
  };
}

/** What the live lookup is asked: the checked query, addresses normalized, the day as a range. */
function liveQuery(q: CheckedEmailQuery): FindEmailQuery {
  return {
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
    ...(q.subject ? { subject: q.subject.join(' ') } : {}),
    ...q.window,
    ...(q.teammate ? { teammate: normalizeAddress(q.teammate) } : {}),
    limit: q.limit,
  };
}

/** The store's answer with the live lookup's merged in; a failing lookup leaves the store's answer whole and says why. */
async function withLive(
  ask: (() => Promise<FindCandidate[]>) | undefined,
  result: Omit<FindResult, 'liveAsked'>,
  limit: number,
): Promise<FindResult> {
  if (!ask) return { ...result, liveAsked: false };
  const stored = { ...result, liveAsked: true };
  try {
    return mergeLive(stored, await ask(), limit);
  } catch (err) {
    if (err instanceof AppError && err.code === 'invalid') throw err;
    return { ...stored, liveError: err instanceof Error ? err.message : String(err) };
  }
}

export interface CheckedMeetingQuery {
  title?: string[];
  attendee?: string;
  window: Window;
  teammate?: string;
  limit: number;
  askMailboxes: boolean;
}

export function checkMeetingQuery(q: FindMeetingQuery): CheckedMeetingQuery {
  const title = words('title', q.title);
  const attendee = address('attendee', q.attendee);
  if (!title && !attendee) throw invalid('title|attendee', 'give words of the title or an attendee');
  if (q.teammate !== undefined) address('teammate', q.teammate);
  return {
    title,
    attendee,
    window: checkedWindow(q),
    teammate: q.teammate,
    limit: checkedLimit(q.limit),
    askMailboxes: q.askMailboxes === true,
  };
}

export async function findMeetings(deps: FindDeps, query: FindMeetingQuery): Promise<FindResult> {
  const q = checkMeetingQuery(query);
  const connList = await listConnections(deps.db, deps.ws.id);
  const conns = new Map(connList.map((c) => [c.id, c]));
  const connectionIds = await scope(deps, q.teammate, connList);
  const rows = await searchMeetings(deps.db, deps.ws.id, {
    ...(q.title ? { titleWords: q.title } : {}),
    ...(q.attendee ? { attendeeHash: addressHashes(deps, q.attendee) } : {}),
    ...q.window,
    ...(connectionIds ? { connectionIds } : {}),
    limit: q.limit + 1,
  });
  const directory = lazyDirectory(deps);
  const candidates: FindCandidate[] = [];
  for (const m of rows.slice(0, q.limit)) {
    const e = await explainMeeting(deps, m.uid, m.start, { directory });
    const where = whereOf(
      (await meetingSightings(deps.db, deps.ws.id, m.id)).map((s) => ({ connectionId: s.connectionId, folder: null })),
      conns,
    );
    const shown = m.outcome === 'linked' || m.outcome === 'upcoming';
    // The series' other occurrences are candidates of their own: keep this answer to one.
    const { occurrences: _all, ...one } = e;
    candidates.push({ ...one, uid: m.uid, date: m.start.toISOString(), ...(shown ? { subject: m.title } : {}), where, live: false });
  }
  const result = { candidates, ...(rows.length > q.limit ? { truncated: true } : {}) };
  const liveQ: FindMeetingQuery = {
    ...(q.title ? { title: q.title.join(' ') } : {}),
    ...(q.attendee ? { attendee: q.attendee } : {}),
    ...q.window,
    ...(q.teammate ? { teammate: normalizeAddress(q.teammate) } : {}),
    limit: q.limit,
  };
  const askLive = q.askMailboxes || candidates.length === 0;
  return withLive(deps.live && askLive ? () => deps.live!.meetings(liveQ) : undefined, result, q.limit);
}
