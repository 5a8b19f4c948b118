// A local HubSpot emulator (plain node:http) serving the documented JSON of the endpoints the
// HubSpot connector uses, driven by the official client (@hubspot/api-client) in the tests:
// - POST /crm/v3/objects/{contacts,companies}/search — filterGroups on lastmodifieddate /
//   hs_lastmodifieddate (GTE, GT, LT, LTE, EQ; hubspot-search.ts), one sort, limit ≤ 200, paging
//   `after`, and the documented 10,000-result cap: paging to `after` ≥ 10,000 answers 400
//   (VALIDATION_ERROR).
//   Search answers carry no X-HubSpot-RateLimit-* headers (documented: "search endpoints … do
//   not include the rate limit headers").
// - GET /crm/v3/objects/{contacts,companies}?archived=true — archived records with archivedAt.
// - POST /crm/v4/associations/contacts/companies/batch/read — 200 COMPLETE, or 207 with an
//   error per input that has no association (NO_ASSOCIATIONS_FOUND is how HubSpot says it).
// - GET /account-info/v3/details — portalId and uiDomain (record links).
// Errors as HubSpot sends them: 401 INVALID_AUTHENTICATION (revoked token), 429 RATE_LIMIT with
// policyName TEN_SECONDLY_ROLLING or DAILY and the X-HubSpot-RateLimit-* headers.
// The ten-second rolling window is counted on the emulator's clock (`now`): over `tenSecondMax`
// requests in any ten seconds (190 for a Professional/Enterprise private app) is a 429, and every
// other answer's X-HubSpot-RateLimit-Remaining / -Daily-Remaining say what is left.
// https://developers.hubspot.com/docs/api/crm/search, /docs/api/usage-details#rate-limits
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, serveOnLoopback } from './emulator-http.js';
import { cmp, DATE_PROPS, matches } from './hubspot-search.js';
import type { SeedCompany, SeedContact, SourceEmulator } from './source-emulator.js';

const PORTAL_ID = 4_242_424;
const SEARCH_CAP = 10_000;
const DAILY_MAX = 250_000;
const TEN_SECOND_MAX = 190;

interface Rec<T> {
  data: T;
  createdAt: number;
  updatedAt: number;
  archivedAt?: number;
  mergedIds: string[];
}

type Json = Record<string, unknown>;

export interface HubSpotEmulatorOptions {
  /** The clock the ten-second window is counted on (the real one by default). */
  now?: () => Date;
  /** Requests allowed in any ten seconds. */
  tenSecondMax?: number;
}

export class HubSpotEmulator implements SourceEmulator {
  readonly kind = 'hubspot' as const;
  readonly secret = `pat-na1-${randomUUID()}`;
  private server!: Server;
  private baseUrl = '';
  private readonly companies = new Map<string, Rec<SeedCompany>>();
  private readonly contacts = new Map<string, Rec<SeedContact>>();
  /** HubSpot's clock: every change is a distinct millisecond, so lastmodifieddate orders them. */
  private clock = Date.parse('2026-01-05T09:00:00.000Z');
  private revoked = false;
  private throttle: { left: number; ms: number; policy: 'TEN_SECONDLY_ROLLING' | 'DAILY' } = {
    left: 0,
    ms: 0,
    policy: 'TEN_SECONDLY_ROLLING',
  };
  private requests = 0;
  /** Times (emulator clock) of the requests in the current ten-second window. */
  private window: number[] = [];
  private now: () => Date = () => new Date();
  private tenSecondMax = TEN_SECOND_MAX;
  /** Every request's method and path (tests read which endpoints were asked). */
  readonly log: string[] = [];

  static async start(opts: HubSpotEmulatorOptions = {}): Promise<HubSpotEmulator> {
    const e = new HubSpotEmulator();
    if (opts.now) e.now = opts.now;
    if (opts.tenSecondMax !== undefined) e.tenSecondMax = opts.tenSecondMax;
    // A handler's error answers 500, as HubSpot's own failures do, rather than leaving the request hanging.
    ({ server: e.server, url: e.baseUrl } = await serveOnLoopback((req, res) => e.handle(req, res)));
    return e;
  }

  get url(): string {
    return this.baseUrl;
  }

  get settings(): Record<string, unknown> {
    return { baseUrl: this.url };
  }

  private tick(): number {
    return ++this.clock;
  }

  seed(companies: SeedCompany[], contacts: SeedContact[]): void {
    for (const c of companies) this.upsertCompany(c);
    for (const c of contacts) this.upsertContact(c);
  }

  upsertCompany(c: SeedCompany): void {
    const t = this.tick();
    const prev = this.companies.get(c.id);
    this.companies.set(c.id, { data: { ...c }, createdAt: prev?.createdAt ?? t, updatedAt: t, mergedIds: prev?.mergedIds ?? [] });
  }

  upsertContact(c: SeedContact): void {
    const t = this.tick();
    const prev = this.contacts.get(c.id);
    this.contacts.set(c.id, {
      data: { ...c, companyIds: [...c.companyIds] },
      createdAt: prev?.createdAt ?? t,
      updatedAt: t,
      mergedIds: prev?.mergedIds ?? [],
    });
  }

  deleteContact(id: string): void {
    const r = this.contacts.get(id);
    if (r) r.archivedAt = this.tick();
  }

  deleteCompany(id: string): void {
    const r = this.companies.get(id);
    if (!r) return;
    r.archivedAt = this.tick();
    // Archiving a company removes its associations; the contacts' lastmodifieddate does not move.
    for (const c of this.contacts.values()) c.data.companyIds = c.data.companyIds.filter((x) => x !== id);
  }

  /** HubSpot merges: the gone contact's id is listed in the kept one's hs_merged_object_ids, its
   * email becomes an additional email of the kept one, and the gone id no longer exists at all. */
  mergeContacts(keepId: string, goneId: string): void {
    const keep = this.contacts.get(keepId);
    const gone = this.contacts.get(goneId);
    if (!keep || !gone) throw new Error('merge: unknown contact');
    this.contacts.delete(goneId);
    keep.mergedIds.push(goneId, ...gone.mergedIds);
    keep.data.secondaryEmails = [...(keep.data.secondaryEmails ?? []), gone.data.email];
    keep.data.companyIds = [...new Set([...keep.data.companyIds, ...gone.data.companyIds])];
    keep.updatedAt = this.tick();
  }

  revokeToken(): void {
    this.revoked = true;
  }

  throttleNext(count: number, retryAfterSeconds: number): void {
    this.throttle = { left: count, ms: retryAfterSeconds * 1000, policy: 'TEN_SECONDLY_ROLLING' };
  }

  /** The next `count` requests hit the daily cap (policyName DAILY). */
  exhaustDaily(count: number): void {
    this.throttle = { left: count, ms: 0, policy: 'DAILY' };
  }

  requestCount(): number {
    return this.requests;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await closeServer(this.server);
  }

  // ── HTTP ──

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const url = new URL(req.url ?? '/', this.url);
    this.log.push(`${req.method} ${url.pathname}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const search = url.pathname.endsWith('/search');
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...(search ? {} : this.rateHeaders()), ...headers });
      res.end(JSON.stringify(json));
    };
    if (req.headers.authorization !== `Bearer ${this.secret}` || this.revoked) {
      return send(401, {
        status: 'error',
        message:
          'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
        correlationId: randomUUID(),
        category: 'INVALID_AUTHENTICATION',
      });
    }
    let body: Json = {};
    try {
      if (chunks.length) body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
    } catch (err) {
      // HubSpot answers a body that is not JSON with a 400 VALIDATION_ERROR naming where it broke.
      return send(400, {
        status: 'error',
        message: `Invalid input JSON: ${(err as Error).message}`,
        correlationId: randomUUID(),
        category: 'VALIDATION_ERROR',
      });
    }
    const at = this.now().getTime();
    this.window = this.window.filter((t) => t > at - 10_000);
    if (this.window.length >= this.tenSecondMax) {
      return send(
        429,
        {
          status: 'error',
          message: 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          correlationId: randomUUID(),
          policyName: 'TEN_SECONDLY_ROLLING',
          groupName: `privateapp:${PORTAL_ID}`,
        },
        {
          'x-hubspot-ratelimit-interval-milliseconds': '10000',
          'x-hubspot-ratelimit-max': String(this.tenSecondMax),
          'x-hubspot-ratelimit-remaining': '0',
        },
      );
    }
    this.window.push(at);
    if (this.throttle.left > 0) {
      this.throttle.left--;
      const daily = this.throttle.policy === 'DAILY';
      return send(
        429,
        {
          status: 'error',
          message: daily ? 'You have reached your daily limit.' : 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          correlationId: randomUUID(),
          policyName: this.throttle.policy,
          groupName: `privateapp:${PORTAL_ID}`,
        },
        daily
          ? { 'x-hubspot-ratelimit-daily': String(DAILY_MAX), 'x-hubspot-ratelimit-daily-remaining': '0' }
          : {
              'x-hubspot-ratelimit-interval-milliseconds': String(this.throttle.ms),
              'x-hubspot-ratelimit-max': String(this.tenSecondMax),
              'x-hubspot-ratelimit-remaining': '0',
            },
      );
    }
    const objects = /^\/crm\/v3\/objects\/(contacts|companies)(\/search)?$/.exec(url.pathname);
    if (objects && req.method === 'POST' && objects[2]) return this.search(objects[1] as 'contacts' | 'companies', body, send);
    if (objects && req.method === 'GET' && !objects[2]) return this.list(objects[1] as 'contacts' | 'companies', url, send);
    if (url.pathname === '/crm/v4/associations/contacts/companies/batch/read' && req.method === 'POST')
      return this.associations(body, send);
    if (url.pathname === '/account-info/v3/details') {
      return send(200, {
        portalId: PORTAL_ID,
        accountType: 'STANDARD',
        timeZone: 'US/Eastern',
        companyCurrency: 'USD',
        uiDomain: 'app.hubspot.com',
        dataHostingLocation: 'na1',
      });
    }
    send(404, {
      status: 'error',
      message: `Unable to route ${req.method} request to ${url.pathname}`,
      correlationId: randomUUID(),
      category: 'OBJECT_NOT_FOUND',
    });
  }

  private rateHeaders(): Record<string, string> {
    return {
      'x-hubspot-ratelimit-daily': String(DAILY_MAX),
      'x-hubspot-ratelimit-daily-remaining': String(Math.max(0, DAILY_MAX - this.requests)),
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
      'x-hubspot-ratelimit-max': String(this.tenSecondMax),
      'x-hubspot-ratelimit-remaining': String(Math.max(0, this.tenSecondMax - this.window.length)),
    };
  }

  private props(kind: 'contacts' | 'companies', id: string, r: Rec<SeedCompany> | Rec<SeedContact>): Json {
    const iso = (t: number) => new Date(t).toISOString();
    const common = { hs_object_id: id, createdate: iso(r.createdAt) };
    if (kind === 'companies') {
      const c = r.data as SeedCompany;
      return { ...common, name: c.name, domain: c.domain ?? null, hs_lastmodifieddate: iso(r.updatedAt) };
    }
    const c = r.data as SeedContact;
    return {
      ...common,
      email: c.email,
      hs_additional_emails: c.secondaryEmails?.length ? c.secondaryEmails.join(';') : null,
      lastmodifieddate: iso(r.updatedAt),
      hs_merged_object_ids: r.mergedIds.length ? r.mergedIds.join(';') : null,
    };
  }

  private object(kind: 'contacts' | 'companies', id: string, r: Rec<SeedCompany> | Rec<SeedContact>, wanted: string[] | null): Json {
    const all = this.props(kind, id, r);
    const properties = wanted ? Object.fromEntries(wanted.filter((p) => p in all).map((p) => [p, all[p]])) : all;
    return {
      id,
      properties,
      createdAt: new Date(r.createdAt).toISOString(),
      updatedAt: new Date(r.updatedAt).toISOString(),
      archived: r.archivedAt !== undefined,
      ...(r.archivedAt !== undefined ? { archivedAt: new Date(r.archivedAt).toISOString() } : {}),
    };
  }

  private store(kind: 'contacts' | 'companies'): Map<string, Rec<SeedCompany> | Rec<SeedContact>> {
    return kind === 'contacts' ? this.contacts : this.companies;
  }

  private search(kind: 'contacts' | 'companies', body: Json, send: (s: number, j: unknown) => void): void {
    const limit = Math.min(Number(body.limit ?? 10), 200);
    const after = Number(body.after ?? 0);
    if (after + limit > SEARCH_CAP) {
      send(400, {
        status: 'error',
        message: 'There was a problem with the request.',
        correlationId: randomUUID(),
        category: 'VALIDATION_ERROR',
        errors: [{ message: `after + limit must be less than or equal to ${SEARCH_CAP}`, code: 'INVALID_LIMIT' }],
      });
      return;
    }
    const groups = (body.filterGroups as { filters: { propertyName: string; operator: string; value?: string }[] }[] | undefined) ?? [];
    // Date properties compare as numbers straight from the record (a page is asked 50 times in an initial sync).
    const value = (id: string, r: Rec<SeedCompany> | Rec<SeedContact>, prop: string): unknown =>
      DATE_PROPS.has(prop) ? r.updatedAt : prop === 'hs_object_id' ? id : this.props(kind, id, r)[prop];
    const rows = [...this.store(kind).entries()]
      .filter(([, r]) => r.archivedAt === undefined)
      .map(([id, r]) => ({ id, r }))
      .filter(
        ({ id, r }) =>
          !groups.length || groups.some((g) => g.filters.every((f) => matches(value(id, r, f.propertyName), f.operator, f.value))),
      );
    const sort = (body.sorts as ({ propertyName: string; direction?: string } | string)[] | undefined)?.[0];
    if (sort) {
      const name = typeof sort === 'string' ? sort.replace(/^-/, '') : sort.propertyName;
      const desc = typeof sort === 'string' ? sort.startsWith('-') : sort.direction === 'DESCENDING';
      rows.sort((a, b) => cmp(value(a.id, a.r, name), value(b.id, b.r, name)) * (desc ? -1 : 1));
    }
    const page = rows.slice(after, after + limit);
    const next = after + limit < rows.length ? String(after + limit) : undefined;
    send(200, {
      total: rows.length,
      results: page.map(({ id, r }) => this.object(kind, id, r, (body.properties as string[] | undefined) ?? null)),
      ...(next ? { paging: { next: { after: next } } } : {}),
    });
  }

  private list(kind: 'contacts' | 'companies', url: URL, send: (s: number, j: unknown) => void): void {
    const archived = url.searchParams.get('archived') === 'true';
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 10), 100);
    const after = Number(url.searchParams.get('after') ?? 0);
    const wanted = url.searchParams.get('properties')?.split(',') ?? null;
    const rows = [...this.store(kind).entries()].filter(([, r]) => (r.archivedAt !== undefined) === archived);
    const page = rows.slice(after, after + limit);
    const next = after + limit < rows.length ? String(after + limit) : undefined;
    const link = (a: string) => `${this.url}/crm/v3/objects/${kind}?archived=${archived}&limit=${limit}&after=${a}`;
    send(200, {
      results: page.map(([id, r]) => this.object(kind, id, r, wanted)),
      ...(next ? { paging: { next: { after: next, link: link(next) } } } : {}),
    });
  }

  private associations(body: Json, send: (s: number, j: unknown) => void): void {
    const inputs = (body.inputs as { id: string }[] | undefined) ?? [];
    const results: Json[] = [];
    const errors: Json[] = [];
    for (const { id } of inputs) {
      const c = this.contacts.get(id);
      const to = (c?.archivedAt === undefined ? (c?.data.companyIds ?? []) : []).filter(
        (x) => this.companies.get(x)?.archivedAt === undefined,
      );
      if (!to.length) {
        errors.push({
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
          message: `No company is associated with contact ${id}.`,
          context: { fromObjectId: [id] },
        });
        continue;
      }
      results.push({
        from: { id },
        to: to.map((x, k) => ({
          toObjectId: Number(x),
          associationTypes: [
            k === 0
              ? { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' }
              : { category: 'HUBSPOT_DEFINED', typeId: 279, label: null },
          ],
        })),
      });
    }
    const now = new Date(this.clock).toISOString();
    send(errors.length ? 207 : 200, {
      status: 'COMPLETE',
      results,
      ...(errors.length ? { numErrors: errors.length, errors } : {}),
      startedAt: now,
      completedAt: now,
    });
  }
}
