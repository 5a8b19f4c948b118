// A local Zendesk Support emulator (plain node:http) serving the documented JSON of what the
// Zendesk directory source uses, driven by node-zendesk's request layer:
// - API token auth: Basic base64("{email}/token:{token}"); anything else is 401
//   {"error":"Couldn't authenticate you"}.
// - Incremental Organization Export (time-based,
//   https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/):
//   GET /api/v2/incremental/organizations.json?start_time= → {organizations, next_page, count,
//   end_time, end_of_stream}; up to 1,000 per page (more when the last ones share a timestamp);
//   deleted organizations carry `deleted_at`.
// - Incremental User Export, cursor based: GET /api/v2/incremental/users/cursor.json?start_time=
//   or ?cursor= → {users, after_url, after_cursor, before_url, before_cursor, end_of_stream};
//   per_page up to 1,000; include=identities side-loads `identities`; deleted users come back
//   with active: false; no cursor when the first export is empty.
// - Items changed in the minute before the request are left out (they come next time).
// - Organization Memberships (cursor pagination, page[size] ≤ 100): /organization_memberships
//   and /users/{id}/organization_memberships → {organization_memberships, meta: {has_more,
//   after_cursor}, links: {next}}.
// - Rate limits: the incremental endpoints allow 10 requests a minute; over it, and for the
//   requests throttleNext() names, 429 with Retry-After (seconds).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SeedCompany, SeedContact, SourceEmulator } from './source-emulator.js';

interface Org {
  id: number;
  name: string;
  domain_names: string[];
  deleted_at: string | null;
  updated: number;
}
interface User {
  id: number;
  email: string;
  role: 'end-user' | 'agent' | 'admin';
  active: boolean;
  organization_id: number | null;
  /** Secondary email identities (the primary is `email`). */
  secondary: string[];
  orgIds: number[];
  updated: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** The users export's cursor: the position (updated time, id) of the last user handed out. */
const encodePos = (t: number, id: number) => Buffer.from(`${t}|${id}`).toString('base64url');
function decodePos(c: string): [number, number] | undefined {
  const m = /^(\d+)\|(\d+)$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export interface ZendeskEmulatorOptions {
  now?: () => Date;
  /** The incremental endpoints' limit (Zendesk: 10 a minute); Infinity turns it off. */
  incrementalPerMinute?: number;
}

export class ZendeskEmulator implements SourceEmulator {
  readonly kind = 'zendesk' as const;
  readonly adminEmail = 'admin@acme.example';
  secret = `zd-${randomUUID()}`;
  readonly orgs = new Map<number, Org>();
  readonly users = new Map<number, User>();
  readonly log: string[] = [];
  private readonly server: Server;
  private readonly now: () => Date;
  private readonly perMinute: number;
  private incrementalTimes: number[] = [];
  private throttled = { count: 0, seconds: 0 };
  private port = 0;
  private membershipCache: { key: number; list: Membership[] } | undefined;
  /** Bumped by every change to users, so the membership list is rebuilt only when needed. */
  private generation = 0;

  private constructor(opts: ZendeskEmulatorOptions) {
    this.now = opts.now ?? (() => new Date());
    this.perMinute = opts.incrementalPerMinute ?? 10;
    this.server = createServer((req, res) => {
      try {
        this.handle(req, res);
      } catch (err) {
        send(res, 500, { error: 'InternalError', description: String(err) });
      }
    });
  }

  static async start(opts: ZendeskEmulatorOptions = {}): Promise<ZendeskEmulator> {
    const emu = new ZendeskEmulator(opts);
    await new Promise<void>((r) => emu.server.listen(0, '127.0.0.1', r));
    emu.port = (emu.server.address() as AddressInfo).port;
    return emu;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get settings(): { url: string; email: string } {
    return { url: this.url, email: this.adminEmail };
  }

  seed(companies: SeedCompany[], contacts: SeedContact[]): void {
    for (const c of companies) this.upsertCompany(c);
    for (const c of contacts) this.upsertContact(c);
  }

  upsertCompany(c: SeedCompany): void {
    this.orgs.set(Number(c.id), {
      id: Number(c.id),
      name: c.name,
      domain_names: c.domain ? [c.domain] : [],
      deleted_at: null,
      updated: this.ms(),
    });
  }

  upsertContact(c: SeedContact): void {
    this.generation++;
    const orgIds = c.companyIds.map(Number);
    const old = this.users.get(Number(c.id));
    this.users.set(Number(c.id), {
      id: Number(c.id),
      email: c.email,
      role: old?.role ?? 'end-user',
      active: true,
      organization_id: orgIds[0] ?? null,
      secondary: c.secondaryEmails ?? [],
      orgIds,
      updated: this.ms(),
    });
  }

  /** Make a user an agent (no longer an end user). */
  promote(id: string): void {
    this.generation++;
    const u = this.users.get(Number(id));
    if (!u) throw new Error(`no user ${id}`);
    u.role = 'agent';
    u.updated = this.ms();
  }

  deleteContact(id: string): void {
    this.generation++;
    const u = this.users.get(Number(id));
    if (!u?.active) return;
    Object.assign(u, { active: false, orgIds: [], organization_id: null, updated: this.ms() });
  }

  deleteCompany(id: string): void {
    this.generation++;
    const org = this.orgs.get(Number(id));
    if (!org || org.deleted_at) return;
    Object.assign(org, { deleted_at: iso(this.ms()), updated: this.ms() });
    for (const u of this.users.values()) {
      if (!u.orgIds.includes(org.id)) continue;
      u.orgIds = u.orgIds.filter((o) => o !== org.id);
      u.organization_id = u.orgIds[0] ?? null;
      u.updated = this.ms();
    }
  }

  /** Zendesk's user merge: the gone user's email becomes an identity of the kept one; the gone one is deleted. */
  mergeContacts(keepId: string, goneId: string): void {
    this.generation++;
    const keep = this.users.get(Number(keepId));
    const gone = this.users.get(Number(goneId));
    if (!keep || !gone) throw new Error('merge of unknown users');
    keep.secondary = [...keep.secondary, gone.email, ...gone.secondary];
    keep.updated = this.ms();
    this.deleteContact(goneId);
  }

  revokeToken(): void {
    this.secret = `revoked-${randomUUID()}`;
  }

  throttleNext(count: number, retryAfterSeconds: number): void {
    this.throttled = { count, seconds: retryAfterSeconds };
  }

  requestCount(): number {
    return this.log.length;
  }

  countOf(prefix: string): number {
    return this.log.filter((l) => l.startsWith(prefix)).length;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private ms(): number {
    return this.now().getTime();
  }

  private handle(req: IncomingMessage, res: ServerResponse): undefined {
    const url = new URL(req.url ?? '/', this.url);
    this.log.push(`${req.method} ${url.pathname}${url.search}`);
    const expected = `Basic ${Buffer.from(`${this.adminEmail}/token:${this.secret}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return send(res, 401, { error: "Couldn't authenticate you" });
    if (this.throttled.count > 0) {
      this.throttled.count--;
      res.setHeader('Retry-After', String(this.throttled.seconds));
      return send(res, 429, { error: 'APIRateLimitExceeded', description: 'Number of allowed API requests per minute exceeded' });
    }
    const path = url.pathname.replace(/\.json$/, '');
    if (path.startsWith('/api/v2/incremental/')) {
      const now = this.ms();
      this.incrementalTimes = this.incrementalTimes.filter((t) => t > now - 60_000);
      if (this.incrementalTimes.length >= this.perMinute) {
        res.setHeader('Retry-After', String(Math.ceil((this.incrementalTimes[0]! + 60_000 - now) / 1000)));
        return send(res, 429, {
          error: 'APIRateLimitExceeded',
          description: 'Number of allowed incremental export API requests per minute exceeded',
        });
      }
      this.incrementalTimes.push(now);
    }
    const q = url.searchParams;
    if (path === '/api/v2/incremental/organizations') return this.orgExport(q, res);
    if (path === '/api/v2/incremental/users/cursor') return this.userExport(q, res);
    if (path === '/api/v2/organization_memberships') return this.memberships(null, q, res);
    const mine = /^\/api\/v2\/users\/(\d+)\/organization_memberships$/.exec(path);
    if (mine) return this.memberships(Number(mine[1]), q, res);
    return send(res, 404, { error: 'InvalidEndpoint', description: 'Not found' });
  }

  private orgExport(q: URLSearchParams, res: ServerResponse): undefined {
    const start = Number(q.get('start_time'));
    if (!q.has('start_time') || !Number.isInteger(start) || start < 0) {
      return send(res, 400, { error: 'InvalidValue', description: 'start_time is missing or invalid' });
    }
    const perPage = Math.min(Number(q.get('per_page') ?? 1000), 1000);
    const visible = this.ms() - 60_000;
    const all = [...this.orgs.values()]
      .filter((o) => o.updated >= start * 1000 && o.updated <= visible)
      .sort((a, b) => a.updated - b.updated || a.id - b.id);
    let page = all.slice(0, perPage);
    const last = page.at(-1);
    // Time-based pages never split a second: the ones sharing the last timestamp all come.
    if (last && all.length > perPage) page = all.filter((o) => Math.floor(o.updated / 1000) <= Math.floor(last.updated / 1000));
    const endTime = last ? Math.floor(last.updated / 1000) : start;
    const endOfStream = page.length < perPage;
    send(res, 200, {
      organizations: page.map((o) => ({
        url: `${this.url}/api/v2/organizations/${o.id}.json`,
        id: o.id,
        name: o.name,
        domain_names: o.domain_names,
        created_at: iso(o.updated),
        updated_at: iso(o.updated),
        deleted_at: o.deleted_at,
      })),
      next_page: endOfStream ? null : `${this.url}/api/v2/incremental/organizations.json?start_time=${endTime}`,
      count: page.length,
      end_time: endTime,
      end_of_stream: endOfStream,
    });
  }

  private userExport(q: URLSearchParams, res: ServerResponse): undefined {
    let after: [number, number];
    const cursor = q.get('cursor');
    if (cursor !== null) {
      const pos = decodePos(cursor);
      if (!pos) return send(res, 400, { error: 'InvalidPaginationParameter', description: 'cursor is invalid' });
      after = pos;
    } else {
      const start = Number(q.get('start_time'));
      if (!q.has('start_time') || !Number.isInteger(start) || start < 0) {
        return send(res, 400, { error: 'InvalidValue', description: 'start_time is missing or invalid' });
      }
      after = [start * 1000 - 1, Number.MAX_SAFE_INTEGER];
    }
    const perPage = Math.min(Number(q.get('per_page') ?? 1000), 1000);
    const visible = this.ms() - 60_000;
    const all = [...this.users.values()]
      .filter((u) => u.updated <= visible && (u.updated > after[0] || (u.updated === after[0] && u.id > after[1])))
      .sort((a, b) => a.updated - b.updated || a.id - b.id);
    const page = all.slice(0, perPage);
    const last = page.at(-1);
    const afterCursor = last ? encodePos(last.updated, last.id) : cursor;
    const withIdentities = (q.get('include') ?? '').split(',').includes('identities');
    send(res, 200, {
      users: page.map((u) => ({
        id: u.id,
        url: `${this.url}/api/v2/users/${u.id}.json`,
        email: u.active ? u.email : null,
        role: u.role,
        active: u.active,
        organization_id: u.organization_id,
        created_at: iso(u.updated),
        updated_at: iso(u.updated),
      })),
      ...(withIdentities ? { identities: page.flatMap((u) => this.identities(u)) } : {}),
      after_cursor: afterCursor,
      after_url: afterCursor ? `${this.url}/api/v2/incremental/users/cursor.json?cursor=${afterCursor}` : null,
      before_cursor: null,
      before_url: null,
      end_of_stream: all.length <= perPage,
    });
  }

  private identities(u: User) {
    if (!u.active) return [];
    return [u.email, ...u.secondary].map((value, i) => ({
      id: u.id * 100 + i,
      user_id: u.id,
      type: 'email',
      value,
      verified: true,
      primary: i === 0,
    }));
  }

  /** The whole list, built once per state of the directory (it is paged 100 at a time). */
  private allMemberships(): Membership[] {
    const key = this.generation;
    if (this.membershipCache?.key !== key) {
      const list = [...this.users.values()].flatMap(membershipsOf).sort((a, b) => a.id - b.id);
      this.membershipCache = { key, list };
    }
    return this.membershipCache.list;
  }

  private memberships(userId: number | null, q: URLSearchParams, res: ServerResponse): undefined {
    const size = Math.min(Number(q.get('page[size]') ?? 100), 100);
    const all = userId === null ? this.allMemberships() : membershipsOf(this.users.get(userId));
    const afterId = Number(q.get('page[after]') ?? -1);
    const rest = all.filter((m) => m.id > afterId);
    const page = rest.slice(0, size);
    const hasMore = rest.length > size;
    const afterCursor = page.at(-1) ? String(page.at(-1)!.id) : null;
    const base = userId === null ? '/api/v2/organization_memberships.json' : `/api/v2/users/${userId}/organization_memberships.json`;
    send(res, 200, {
      organization_memberships: page,
      meta: { has_more: hasMore, after_cursor: afterCursor, before_cursor: null },
      links: { next: hasMore ? `${this.url}${base}?page[size]=${size}&page[after]=${afterCursor}` : null, prev: null },
    });
  }
}

interface Membership {
  id: number;
  user_id: number;
  organization_id: number;
  default: boolean;
}

function membershipsOf(u: User | undefined): Membership[] {
  if (!u?.active) return [];
  return u.orgIds.map((o, i) => ({ id: u.id * 1000 + i, user_id: u.id, organization_id: o, default: i === 0 }));
}

function send(res: ServerResponse, status: number, json: unknown): undefined {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(json));
}
