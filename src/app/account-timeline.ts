// An account's timeline, a page at a time: the newest items, then "Show older" with the
// cursor the last page returned. One use case for the CLI, the API and the web app. The
// cursor is opaque to callers (base64url of the last item's time, kind and id) so its shape
// can change without breaking them.
import type { Account } from '../domain/directory.js';
import type { Ctx } from '../store/context.js';
import { getAccount } from '../store/directory.js';
import { accountTimeline, type TimelineCursor, type TimelineItem } from '../store/timeline.js';
import { invalid, notFound } from './errors.js';

export interface TimelinePage {
  account: Account;
  items: TimelineItem[];
  /** The cursor of the next (older) page; absent on the last page. */
  next?: string;
}

/** A page by default (docs/decisions.md, 2026-12-06): what a screen shows; "Show older" reads on by cursor. */
export const TIMELINE_DEFAULT_LIMIT = 50;
/** An API client may still ask for bigger pages, up to this. */
export const TIMELINE_MAX_LIMIT = 1000;

export async function accountTimelinePage(
  deps: Ctx,
  accountId: string,
  opts: { limit?: number; before?: string } = {},
): Promise<TimelinePage> {
  const limit = opts.limit ?? TIMELINE_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > TIMELINE_MAX_LIMIT)
    throw invalid('limit', `a whole number from 1 to ${TIMELINE_MAX_LIMIT}`);
  const before = opts.before === undefined ? undefined : decodeCursor(opts.before);
  // The account and the page at once: on PostgreSQL each is a round trip. One more item than
  // asked: whether an older page exists, without counting the account's items.
  const [account, items] = await Promise.all([
    getAccount(deps.db, deps.ws.id, accountId),
    accountTimeline(deps.db, deps.ws.id, accountId, limit + 1, before),
  ]);
  if (!account) throw notFound('account');
  const page = items.slice(0, limit);
  const last = page.at(-1);
  return { account, items: page, ...(items.length > limit && last ? { next: encodeCursor(last) } : {}) };
}

function encodeCursor(it: TimelineItem): string {
  return Buffer.from(JSON.stringify([it.at, it.kind, it.id])).toString('base64url');
}

function decodeCursor(raw: string): TimelineCursor {
  try {
    const [at, kind, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && (kind === 'email' || kind === 'meeting') && typeof id === 'string') return { at, kind, id };
  } catch {
    // falls through to the same answer as a well-formed but wrong cursor
  }
  throw invalid('before', 'not a cursor from a timeline page (use the "next" value of the page before)');
}
