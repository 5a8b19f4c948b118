// The Zendesk directory source: organizations → companies, end users → people, through
// node-zendesk's request layer (http.ts says why not its list helpers).
//
// The cursor holds both exports' positions: the time-based organization export's next
// start_time, and the cursor-based user export's after_cursor (or its start_time until Zendesk
// has handed out a cursor). Every page's cursor is a valid place to resume, so a sync stopped
// by the incremental exports' 10-requests-a-minute limit picks up where it stopped.
import { SourceError } from '../../providers/types.js';
import type { DirectorySource, SourcePage } from '../types.js';
import { type ZendeskHttp, zendeskHttp } from './http.js';
import { identitiesByUser, isEndUser, toCompany, toContact, type ZdIdentity, type ZdOrganization, type ZdUser } from './records.js';

/** Up to this many changed end users on a page, their memberships are asked one user at a time. */
const PER_USER_MEMBERSHIPS_MAX = 100;

type UserPosition = { cursor: string } | { start_time: number };

interface Cursor {
  /** Next start_time (Unix seconds) of the organization export. */
  orgs: number;
  users: UserPosition;
  /** Still inside the first full sync (agents are skipped rather than reported gone). */
  full: boolean;
}

const encodeCursor = (c: Cursor) => JSON.stringify({ v: 1, ...c });

function decodeCursor(cursor: string | null): Cursor {
  if (cursor === null) return { orgs: 0, users: { start_time: 0 }, full: true };
  try {
    const c = JSON.parse(cursor) as { v?: unknown; orgs?: unknown; users?: { cursor?: unknown; start_time?: unknown }; full?: unknown };
    const users = c.users;
    const position: UserPosition | undefined =
      typeof users?.cursor === 'string'
        ? { cursor: users.cursor }
        : Number.isInteger(users?.start_time)
          ? { start_time: users?.start_time as number }
          : undefined;
    if (c.v === 1 && Number.isInteger(c.orgs) && position) return { orgs: c.orgs as number, users: position, full: c.full === true };
  } catch {
    // fall through: not a cursor this source wrote
  }
  throw new SourceError('CURSOR_INVALID', 'the saved Zendesk cursor is not readable; a full sync is needed');
}

export function createZendeskSource(
  settings: { url: string; email: string },
  secret: string,
  deps: { fetch?: typeof fetch; now: () => Date },
): DirectorySource {
  return {
    kind: 'zendesk',
    changes: (cursor, signal) => zendeskChanges(settings, zendeskHttp(settings, secret, deps.fetch ?? globalThis.fetch, signal), cursor),
  };
}

async function* zendeskChanges(
  settings: { url: string; email: string },
  http: ZendeskHttp,
  cursor: string | null,
): AsyncGenerator<SourcePage> {
  const pos = decodeCursor(cursor);
  // Fresh lists for every page: whoever applies a page may keep or change its arrays.
  const empty = (): Omit<SourcePage, 'cursor'> => ({ companies: [], contacts: [], deletedCompanyIds: [], deletedContactIds: [] });

  // Organizations first, so every company a person names arrives before the person.
  for (let start = pos.orgs; ; ) {
    const body = await http.get(['incremental', 'organizations', { start_time: start }]);
    const orgs = (body.organizations ?? []) as ZdOrganization[];
    const ended = body.end_of_stream !== false;
    let next = Number.isInteger(body.end_time) ? (body.end_time as number) : start;
    // A full page within one second would come back again: the page has that whole second.
    if (!ended && next <= start) next = start + 1;
    pos.orgs = next;
    yield {
      ...empty(),
      companies: orgs.filter((o) => !o.deleted_at).map((o) => toCompany(o, settings.url)),
      deletedCompanyIds: orgs.filter((o) => o.deleted_at).map((o) => String(o.id)),
      cursor: encodeCursor(pos),
    };
    if (ended) break;
    start = next;
  }

  let allMemberships: Map<number, number[]> | undefined;
  for (;;) {
    const params = { ...pos.users, include: 'identities' };
    const body = await http.get(['incremental', 'users', 'cursor', params]);
    const users = (body.users ?? []) as ZdUser[];
    const identities = identitiesByUser((body.identities ?? []) as ZdIdentity[]);
    const ended = body.end_of_stream !== false;
    const endUsers = users.filter(isEndUser);
    // Deleted users come back inactive; a user who became an agent is no longer an end user.
    const gone = users.filter((u) => u.active === false || (!pos.full && !isEndUser(u))).map((u) => String(u.id));
    let orgsOf: (id: number) => number[];
    if (pos.full || endUsers.length > PER_USER_MEMBERSHIPS_MAX) {
      allMemberships ??= await memberships(http, ['organization_memberships']);
      const map = allMemberships;
      orgsOf = (id) => map.get(id) ?? [];
    } else {
      const each = new Map<number, number[]>();
      for (const u of endUsers)
        each.set(u.id, (await memberships(http, ['users', String(u.id), 'organization_memberships'])).get(u.id) ?? []);
      orgsOf = (id) => each.get(id) ?? [];
    }
    if (typeof body.after_cursor === 'string' && body.after_cursor) pos.users = { cursor: body.after_cursor };
    if (ended) pos.full = false;
    yield {
      ...empty(),
      contacts: endUsers.map((u) => toContact(u, identities.get(u.id) ?? [], orgsOf(u.id), settings.url)),
      deletedContactIds: gone,
      cursor: encodeCursor(pos),
    };
    if (ended) return;
  }
}

/** Organization memberships (cursor pagination, 100 a page) as user id → organization ids. */
async function memberships(http: ZendeskHttp, path: string[]): Promise<Map<number, number[]>> {
  const byUser = new Map<number, number[]>();
  let after: string | undefined;
  do {
    const body = await http.get([...path, { 'page[size]': 100, ...(after ? { 'page[after]': after } : {}) }]);
    for (const m of (body.organization_memberships ?? []) as { user_id: number; organization_id: number; default?: boolean }[]) {
      const list = byUser.get(m.user_id) ?? [];
      // The default organization first: it is the one Zendesk shows with the user.
      if (m.default) list.unshift(m.organization_id);
      else list.push(m.organization_id);
      byUser.set(m.user_id, list);
    }
    const meta = body.meta as { has_more?: boolean; after_cursor?: string | null } | undefined;
    after = meta?.has_more && meta.after_cursor ? meta.after_cursor : undefined;
  } while (after);
  return byUser;
}
