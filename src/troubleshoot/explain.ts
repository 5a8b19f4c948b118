// The troubleshooter: "Why not?" and "Why here?" for one email or meeting, re-decided
// against the current directory with near-miss hints, plus the remedies that apply.
import type { Check, Decision, Hint, LinkedAccount, Remedy, RemedyAction } from '../domain/decision.js';
import { domainOf } from '../directory/address.js';
import type { DirectoryIndex } from '../directory/index.js';
import { recreationWarning } from '../directory/recreation.js';
import { kindOfSourceName, SOURCE_WORDS } from '../sources/mapping.js';
import { decideEmail } from '../rules/decide-email.js';
import { decideMeeting } from '../rules/decide-meeting.js';
import { remedy, uniqueRemedies } from '../rules/remedies.js';
import type { Teammate } from '../domain/directory.js';
import { listConnections, type ConnectionRecord } from '../store/connections.js';
import { listTeammates } from '../store/directory.js';
import { getDeferred, type DeferredRedecision } from '../store/deferred-redecisions.js';
import { emailSightings, type EmailRecord, type EmailSightingRow } from '../store/emails.js';
import { findEmailWithSightings } from '../store/email-with-sightings.js';
import { meetingSightings, meetingsByUid, type MeetingRecord } from '../store/meetings.js';
import { meetingSightingViews } from '../sync/calendar-ingest.js';
import { loadDirectoryIndex, type Ctx } from '../store/context.js';
import { sightingViews } from '../sync/email-ingest.js';
import { reloadEmail } from '../sync/redecide.js';
import { canReread } from '../sync/reload-emails.js';
import { emailTombstoneKey, findTombstones, meetingTombstoneKey, tombstoneKey, type Tombstone } from '../store/tombstones.js';
import { codeText, refusalWords } from './code-text.js';

export interface SearchedConnection {
  id: string;
  teammate: string;
  provider: string;
  status: string;
  authorizedAt: string;
  lastSyncAt: string | null;
  nextSyncAt: string | null;
}

export interface Explanation {
  kind: 'email' | 'meeting';
  outcome: 'linked' | 'not_linked' | 'upcoming' | 'unknown';
  ref: string;
  accounts: LinkedAccount[];
  checks: Check[];
  remedies: string[];
  remedyCodes: string[];
  /** Per remedy (same order): the actions that carry it out, [] for advice. */
  remedyActions: RemedyAction[][];
  hints: Hint[];
  searched?: SearchedConnection[];
  occurrence?: string;
  occurrences?: { start: string; outcome: string }[];
  /** True when the source could not be re-read and only the stored codes are shown. */
  fromStoredCodes?: boolean;
  /** Purged by retention: what its tombstone kept (no content, no addresses). */
  purged?: PurgedFacts;
  /** One sentence for a person, where the answer needs one (a purged item). */
  summary?: string;
  /** Email: a directory change could not re-read it yet (its provider refused for now); re-read after a later sync of a mailbox holding a copy. */
  waiting?: WaitingFacts;
  /** Email: every sighting, with the folder it was seen in (a moved message shows both). */
  where?: { connection: string; teammate: string | null; folder: string | null }[];
}

export interface WaitingFacts {
  /** When its re-read was first refused (the directory change). */
  since: string;
  attempts: number;
  lastAttemptAt: string;
  /** THROTTLED, NETWORK or AUTH_FAILED. */
  code: string;
  provider: string;
}

export interface PurgedFacts {
  /** When the item was first seen. */
  seenAt: string;
  /** Email: received; meeting: the occurrence's start. */
  at: string;
  where: { connection: string; teammate: string | null; folder: string | null }[];
  purgedAt: string;
  retentionDays: number;
}

const dayOf = (d: Date) => d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** An item retention purged: its tombstone's facts and failing codes, in plain words. */
export function fromTombstone(kind: 'email' | 'meeting', ref: string, t: Tombstone, conns: Map<string, ConnectionRecord>): Explanation {
  const where = t.seenIn.map((w) => ({
    connection: w.connectionId,
    teammate: conns.get(w.connectionId)?.ownerAddresses[0] ?? null,
    folder: w.folder,
  }));
  const place = where.map((w) => w.folder ?? (w.teammate ? `${w.teammate}'s calendar` : 'a connected calendar')).join(', ');
  const checks: Check[] = t.codes.map((code) => ({
    rule: code.slice(0, 2) as Check['rule'],
    status: 'fail',
    code,
    detail: codeText(code),
  }));
  const why = checks.map((c) => `${c.detail.replace(/\.$/, '')} (${c.rule})`).join('; ');
  const outcome = t.outcome === 'linked' || t.outcome === 'upcoming' || t.outcome === 'unknown' ? t.outcome : 'not_linked';
  const summary =
    `Seen on ${dayOf(t.firstSeenAt)}${place ? ` in ${place}` : ''}, not linked${why ? `: ${why}` : ''}; ` +
    `details removed after ${t.retentionDays} days (on ${dayOf(t.purgedAt)}).`;
  return {
    kind,
    outcome,
    ref,
    accounts: [],
    checks,
    remedies: [],
    remedyCodes: [],
    remedyActions: [],
    hints: [],
    fromStoredCodes: true,
    purged: {
      seenAt: t.firstSeenAt.toISOString(),
      at: t.at.toISOString(),
      where,
      purgedAt: t.purgedAt.toISOString(),
      retentionDays: t.retentionDays,
    },
    summary,
    ...(t.occurrenceStart ? { occurrence: t.occurrenceStart.toISOString() } : {}),
  };
}

function searched(conns: ConnectionRecord[], want: 'mail' | 'calendar'): SearchedConnection[] {
  return conns
    .filter((c) => (want === 'mail' ? c.hasMail : c.hasCalendar))
    .map((c) => ({
      id: c.id,
      teammate: c.ownerAddresses[0] ?? c.teammateId,
      provider: c.provider,
      status: c.status,
      authorizedAt: c.authorizedAt.toISOString(),
      lastSyncAt: c.lastSyncAt?.toISOString() ?? null,
      nextSyncAt: c.nextSyncAt?.toISOString() ?? null,
    }));
}

/** Never seen: say which connections were searched and when they last synced, and whose
 * inbox/calendar is not connected at all (the article's first check: it may be that one). */
function unknown(kind: 'email' | 'meeting', ref: string, conns: ConnectionRecord[], teammates: Teammate[]): Explanation {
  const list = searched(conns, kind === 'email' ? 'mail' : 'calendar');
  const what = kind === 'email' ? 'inbox' : 'calendar';
  const rule = kind === 'email' ? 'E1' : 'M1';
  const broken = list.filter((c) => c.status !== 'active');
  const covered = new Set(conns.filter((c) => (kind === 'email' ? c.hasMail : c.hasCalendar)).map((c) => c.teammateId));
  const missing = teammates.filter((t) => !covered.has(t.id)).map((t) => t.email);
  const notConnected = list.length && missing.length ? ` Not connected: ${missing.join(', ')}.` : '';
  const detail =
    list.length === 0
      ? `No ${what} is connected.`
      : `Searched ${list.length} ${what}(es): ${list.map(searchedWords).join('; ')}. None has seen it.${notConnected}`;
  const remedies: Remedy[] = [];
  if (list.length === 0 || missing.length) remedies.push(remedy.authorize(what));
  const reauth = broken.filter((c) => c.status === 'needs_reauth');
  if (reauth.length) remedies.push(remedy.reauthorize(what, reauth));
  const next = list
    .map((c) => c.nextSyncAt)
    .filter((x): x is string => !!x)
    .sort()[0];
  const syncable = list.filter((c) => c.status === 'active' || c.status === 'error').map((c) => c.id);
  remedies.push(remedy.waitForSync(next ? new Date(next) : null, syncable));
  const check: Check = {
    rule,
    status: list.length && !broken.length ? 'n/a' : 'fail',
    code: list.length ? `${rule}_NOT_SEEN` : `${rule}_NOT_CONNECTED`,
    detail,
  };
  return {
    kind,
    outcome: 'unknown',
    ref,
    accounts: [],
    checks: [check],
    ...remedyFields(remedies),
    hints: [],
    searched: list,
  };
}

/** The remedies as the explain document lists them: texts, codes and actions, in one order. */
export function remedyFields(list: Remedy[]): Pick<Explanation, 'remedies' | 'remedyCodes' | 'remedyActions'> {
  return { remedies: list.map((r) => r.text), remedyCodes: list.map((r) => r.code), remedyActions: list.map((r) => r.actions ?? []) };
}

/** "Why here?": for a linked activity, what the user can do about each link. */
function whyHereRemedies(accounts: LinkedAccount[]): Remedy[] {
  const out: Remedy[] = [];
  for (const a of accounts) {
    for (const v of a.via) {
      out.push(remedy.deleteEndUser(v.email, a.id));
      const kind = kindOfSourceName(v.source);
      if (kind && v.externalId) {
        out.push(remedy.removeAtSourceOrSuppress(v.email, { ...SOURCE_WORDS[kind], id: v.externalId, url: v.sourceUrl }, a.id));
      } else if (recreationWarning({ source: v.source, email: v.email })) out.push(remedy.deleteAndSuppress(v.email, v.source, a.id));
      out.push(remedy.blocklistDomain(domainOf(v.email.toLowerCase()), v.email.toLowerCase()));
    }
  }
  return out;
}

function shape(kind: 'email' | 'meeting', ref: string, d: Decision, extra: Partial<Explanation> = {}): Explanation {
  const remedies = uniqueRemedies(d.outcome === 'linked' ? [...d.remedies, ...whyHereRemedies(d.accounts)] : d.remedies);
  return {
    kind,
    outcome: d.outcome,
    ref,
    accounts: d.accounts,
    checks: d.checks,
    ...remedyFields(remedies),
    hints: d.hints,
    ...extra,
  };
}

export function stripAngles(id: string): string {
  const s = id.trim();
  return s.startsWith('<') && s.endsWith('>') ? s.slice(1, -1).trim() : s;
}

export async function explainEmail(
  ctx: Ctx,
  messageIdRaw: string,
  /** How the caller gets the directory (a cache of it, checked against the version read with the email); else it is loaded. */
  known: { directory?: (version?: string) => Promise<DirectoryIndex> } = {},
): Promise<Explanation> {
  const messageId = stripAngles(messageIdRaw);
  const connList = await listConnections(ctx.db, ctx.ws.id);
  const conns = new Map(connList.map((c) => [c.id, c]));
  const found = await findEmailWithSightings(ctx.db, ctx.ws.id, messageId);
  if (!found) {
    const [t] = await findTombstones(ctx.db, ctx.ws.id, 'email', tombstoneKey(ctx.ws.hashKey, emailTombstoneKey(`mid:${messageId}`)));
    if (t) return fromTombstone('email', messageId, t, conns);
    return unknown('email', messageId, connList, await listTeammates(ctx.db, ctx.ws.id));
  }
  return explainEmailRecord(ctx, found.email, conns, messageId, {
    ...known,
    sightings: found.sightings,
    directoryVersion: found.directoryVersion,
  });
}

/** One stored email explained (by explain, and by find for each candidate). */
export async function explainEmailRecord(
  ctx: Ctx,
  rec: EmailRecord,
  conns: Map<string, ConnectionRecord>,
  ref: string,
  /** How a caller explaining many (find) gets the directory: once, and only if needed; the sightings
   * and the directory's version if already read. */
  known: { directory?: (version?: string) => Promise<DirectoryIndex>; sightings?: EmailSightingRow[]; directoryVersion?: string } = {},
): Promise<Explanation> {
  // Only not-linked mail is re-read, so only it can wait (linked mail keeps its participants).
  // A waiting email is on its timeline as decided before the change: explained as stored, its
  // source not asked (it refused for now; the sync's re-read decides it afresh).
  const deferred = rec.participants ? null : await getDeferred(ctx.db, ctx.ws.id, rec.id);
  const item = deferred ? null : await reloadEmail(ctx, rec, conns, known.sightings ? { sightings: known.sightings } : {});
  if (!item) {
    // The source is gone (or waits) and not-linked mail keeps codes only: explain with the stored codes.
    const d = rec.decision;
    const checks = d.checks.map((c) => ({ ...c, detail: c.detail || codeText(c.code) }));
    const why = deferred
      ? waitingFields(deferred)
      : noCopyLeft(known.sightings ?? (await emailSightings(ctx.db, ctx.ws.id, rec.id)), conns)
        ? { summary: NO_COPY_LEFT }
        : {};
    return { ...shape('email', ref, { ...d, checks }), fromStoredCodes: true, ...why };
  }
  const dir = await (known.directory ?? (() => loadDirectoryIndex(ctx)))(known.directoryVersion);
  const sightings = sightingViews(known.sightings ?? (await emailSightings(ctx.db, ctx.ws.id, rec.id)), conns);
  const where = sightings.map((s) => ({ connection: s.connection.id, teammate: s.connection.ownerAddresses[0] ?? null, folder: s.folder }));
  return shape('email', ref, decideEmail({ item, sightings }, dir, ctx.now, { hints: true }), { where });
}

/** Every copy in a disconnected connection or one since removed: nothing can read it again. */
const noCopyLeft = (sightings: EmailSightingRow[], conns: Map<string, ConnectionRecord>) =>
  sightings.length > 0 && !sightings.some((s) => canReread(s, conns));

const NO_COPY_LEFT =
  'It cannot be re-read: every copy was in a mailbox since disconnected or removed, so directory changes no longer reach it ' +
  '(one waiting for a re-read was given up when its last mailbox was disconnected). Shown as decided when it was stored.';

/**
 * A waiting email in words: a CSM sees that the directory change has not reached it yet, since
 * when and why, and that nothing needs doing — beside the stored decision, which predates the change.
 */
function waitingFields(d: DeferredRedecision): Pick<Explanation, 'waiting' | 'summary'> {
  const since = `${dayOf(d.firstFailedAt)} ${d.firstFailedAt.toISOString().slice(11, 16)} UTC`;
  return {
    waiting: {
      since: d.firstFailedAt.toISOString(),
      attempts: d.attempts,
      lastAttemptAt: d.lastFailedAt.toISOString(),
      code: d.lastError,
      provider: d.provider,
    },
    summary:
      `Waiting for a re-read after a directory change: since ${since} it could not be re-read because ` +
      `${refusalWords(d.provider, d.lastError)} (${d.attempts} attempt${d.attempts === 1 ? '' : 's'}). ` +
      'It is re-read after a sync of any mailbox holding a copy and then logged as the directory says; until then it stays as decided before the change (shown here).',
  };
}

/** Without --occurrence: its single occurrence, or the most recent started one of a series. */
function pickOccurrence(list: MeetingRecord[], now: Date, occurrence?: Date): MeetingRecord | undefined {
  if (occurrence) return list.find((m) => m.start.getTime() === occurrence.getTime());
  if (list.length === 1) return list[0];
  const started = list.filter((m) => m.start <= now);
  return started.length ? started[started.length - 1] : list[0];
}

export async function explainMeeting(
  ctx: Ctx,
  uid: string,
  occurrence?: Date,
  known: { directory?: () => Promise<DirectoryIndex> } = {},
): Promise<Explanation> {
  const connList = await listConnections(ctx.db, ctx.ws.id);
  const conns = new Map(connList.map((c) => [c.id, c]));
  const all = await meetingsByUid(ctx.db, ctx.ws.id, uid);
  const m = pickOccurrence(all, ctx.now, occurrence);
  const occurrences = all.map((o) => ({ start: o.start.toISOString(), outcome: o.outcome }));
  if (!m) {
    const tombs = await findTombstones(ctx.db, ctx.ws.id, 'meeting', tombstoneKey(ctx.ws.hashKey, meetingTombstoneKey(uid)));
    const t = occurrence
      ? tombs.find((x) => x.occurrenceStart?.getTime() === occurrence.getTime())
      : ([...tombs].reverse().find((x) => (x.occurrenceStart ?? x.at) <= ctx.now) ?? tombs[0]);
    if (t) return { ...fromTombstone('meeting', uid, t, conns), ...(occurrences.length ? { occurrences } : {}) };
    const u = unknown('meeting', uid, connList, await listTeammates(ctx.db, ctx.ws.id));
    if (occurrence && all.length) {
      u.checks.push({
        rule: 'M2',
        status: 'n/a',
        code: 'NO_SUCH_OCCURRENCE',
        detail: `The series has no occurrence starting ${occurrence.toISOString()}; see "occurrences" for the ones it has.`,
      });
    }
    return { ...u, occurrences };
  }
  const dir = await (known.directory ?? (() => loadDirectoryIndex(ctx)))();
  const sightings = meetingSightingViews(await meetingSightings(ctx.db, ctx.ws.id, m.id), conns, m.start, ctx.now);
  const d = decideMeeting({ occurrence: m.occurrence, sightings }, dir, ctx.now, { hints: true });
  return shape('meeting', uid, d, { occurrence: m.start.toISOString(), occurrences });
}

function searchedWords(c: { teammate: string; status: string; lastSyncAt?: string | null }): string {
  return `${c.teammate} (${c.status}, last synced ${c.lastSyncAt ?? 'never'})`;
}
