// The live lookup at the provider (issue 13, part 2): when the store cannot answer, ask the
// teammate's connections themselves — read-only, in parallel, each within a time limit — and
// decide what they have with the same rules, WITHOUT storing it. A connection that fails or
// does not answer in time is named in the answer; it never fails the whole lookup.
// Audited (who asked what; addresses yes, message content never) and rate-limited per
// connection (live-rate-limit.ts). docs/live-lookup.md has the words and the limits.
// The queries are checked in live-queries.ts; the answers are built in live-candidates.ts.
import { normalizeAddress } from '../directory/address.js';
import { calendarSearchFor, mailSearchFor } from '../providers/registry.js';
import {
  SourceError,
  type CalendarHit,
  type CalendarSearch,
  type ConnectionConfig,
  type MailHit,
  type MailSearch,
} from '../providers/types.js';
import { recordAudit } from '../store/audit.js';
import { listConnections, type ConnectionRecord } from '../store/connections.js';
import { connectorDeps, loadDirectoryIndex } from '../store/context.js';
import type { AppDeps } from './deps.js';
import { requireTeammate } from './deps.js';
import { AppError } from './errors.js';
import type { FindCandidate, FindEmailQuery, FindMeetingQuery, LiveFind } from './find-types.js';
import type { NotAsked } from './live-answers.js';
import { emailCandidates, meetingCandidates, type Asked } from './live-candidates.js';
import { emailQuery, isoDates, meetingQuery } from './live-queries.js';
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
