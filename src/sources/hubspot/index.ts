// HubSpot as a directory source, on the official client (@hubspot/api-client): companies →
// accounts, contacts → end users of every company they are associated with. Changes come from
// the CRM search API filtered and sorted by the last-modified date (companies:
// hs_lastmodifieddate, contacts: lastmodifieddate); a search answers at most 10,000 results, so
// a longer window is searched again from the last date seen. Associations are read per page
// (v4 batch read); archived contacts and companies are deletions, and a merged-away contact
// (listed in the kept one's hs_merged_object_ids) is a deletion too. A private-app token
// (scopes crm.objects.contacts.read, crm.objects.companies.read) is the secret.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Client } from '@hubspot/api-client';
import { OutboundRefusedError } from '../../net/outbound-policy.js';
import type { SourceDeps } from '../deps.js';
import type { DirectorySource, SourceCompany, SourceContact, SourcePage } from '../types.js';
import { later, nextPhase, startState, type HubSpotCursor, type Phase } from './cursor.js';
import { hubSpotError } from './errors.js';

export const HUBSPOT_API = 'https://api.hubapi.com';
/** The search API's largest page and the most results one query may page through. */
const SEARCH_LIMIT = 200;
const SEARCH_CAP = 10_000;
/** The list API's largest page (archived records). */
const LIST_LIMIT = 100;

const CONTACT_PROPS = ['email', 'hs_additional_emails', 'lastmodifieddate', 'hs_merged_object_ids'];
const COMPANY_PROPS = ['name', 'domain', 'hs_lastmodifieddate'];

interface HsObject {
  id: string;
  properties: Record<string, string | null>;
  archivedAt?: Date | string;
}

interface Links {
  contact: (id: string) => string;
  company: (id: string) => string;
}

const epoch = (v: string | Date | null | undefined): string | null => {
  if (!v) return null;
  const t = v instanceof Date ? v.getTime() : Date.parse(v);
  return Number.isNaN(t) ? null : String(t);
};

const split = (v: string | null | undefined): string[] =>
  v
    ? v
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

export function createHubSpotSource(settings: Record<string, unknown>, secret: string, deps: SourceDeps): DirectorySource {
  const baseUrl = typeof settings.baseUrl === 'string' && settings.baseUrl ? settings.baseUrl.replace(/\/+$/, '') : HUBSPOT_API;
  // Every connection's address goes through the outbound policy (the lookup runs as the socket connects).
  const agentOpts = { keepAlive: true, lookup: deps.outbound.lookup };
  const httpAgent = baseUrl.startsWith('https:') ? new HttpsAgent(agentOpts) : new HttpAgent(agentOpts);
  const client = new Client({ accessToken: secret, basePath: baseUrl, numberOfApiCallRetries: 0, httpAgent });

  async function links(): Promise<Links> {
    const res = await client.apiRequest({ method: 'GET', path: '/account-info/v3/details' });
    const body = (await res.json()) as { portalId?: number; uiDomain?: string };
    if (!res.ok) throw { code: res.status, body, headers: Object.fromEntries(res.headers.entries()) };
    const ui = `https://${body.uiDomain ?? 'app.hubspot.com'}`;
    return {
      contact: (id) => `${ui}/contacts/${body.portalId}/record/0-1/${id}`,
      company: (id) => `${ui}/contacts/${body.portalId}/record/0-2/${id}`,
    };
  }

  async function search(kind: 'contacts' | 'companies', dateProp: string, from: string | null, after: string | null) {
    const req = {
      filterGroups: from ? [{ filters: [{ propertyName: dateProp, operator: 'GTE', value: from }] }] : [],
      // The client types sorts as strings; the API takes the documented object form.
      sorts: [{ propertyName: dateProp, direction: 'ASCENDING' }] as unknown as string[],
      properties: kind === 'contacts' ? CONTACT_PROPS : COMPANY_PROPS,
      limit: SEARCH_LIMIT,
      ...(after ? { after } : {}),
    } as Parameters<typeof client.crm.contacts.searchApi.doSearch>[0];
    const res =
      kind === 'contacts' ? await client.crm.contacts.searchApi.doSearch(req) : await client.crm.companies.searchApi.doSearch(req);
    return { results: res.results as HsObject[], next: res.paging?.next?.after ?? null };
  }

  async function companiesOf(contactIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (!contactIds.length) return out;
    const res = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', { inputs: contactIds.map((id) => ({ id })) });
    for (const r of res.results)
      out.set(
        String(r._from.id),
        r.to.map((t) => String(t.toObjectId)),
      );
    return out;
  }

  async function archived(kind: 'contacts' | 'companies', after: string | null) {
    const api = kind === 'contacts' ? client.crm.contacts.basicApi : client.crm.companies.basicApi;
    const res = await api.getPage(LIST_LIMIT, after ?? undefined, ['hs_object_id'], undefined, undefined, true);
    return { results: res.results as HsObject[], next: res.paging?.next?.after ?? null };
  }

  /** One page of the cursor's phase, and the cursor after it. */
  async function step(c: HubSpotCursor, link: Links): Promise<SourcePage> {
    const page: SourcePage = { companies: [], contacts: [], deletedCompanyIds: [], deletedContactIds: [], cursor: '' };
    const s: HubSpotCursor = { ...c, from: { ...c.from }, high: { ...c.high } };
    let next: string | null = null;
    if (c.phase === 'companies' || c.phase === 'contacts') {
      const stream = c.phase;
      const dateProp = stream === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
      const r = await search(stream, dateProp, c.from[stream], c.after);
      for (const o of r.results) s.high[stream] = later(s.high[stream], epoch(o.properties[dateProp]));
      if (stream === 'companies') page.companies = r.results.map((o) => toCompany(o, link));
      else {
        const assoc = await companiesOf(r.results.map((o) => o.id));
        page.contacts = r.results.map((o) => toContact(o, assoc.get(o.id) ?? [], link));
        page.deletedContactIds = r.results
          .flatMap((o) => split(o.properties.hs_merged_object_ids))
          .filter((id) => !r.results.some((o) => o.id === id));
      }
      next = r.next;
      if (next && Number(next) + SEARCH_LIMIT > SEARCH_CAP) {
        // The 10,000-result cap: search again from the last date seen (records at that date are read twice, harmlessly).
        if (s.high[stream] === c.from[stream]) throw new Error(`more than ${SEARCH_CAP} HubSpot ${stream} share one last-modified time`);
        s.from[stream] = s.high[stream];
        next = 'restart';
      }
    } else if (c.phase === 'archived-companies' || c.phase === 'archived-contacts') {
      const kind = c.phase === 'archived-contacts' ? 'contacts' : 'companies';
      const r = await archived(kind, c.after);
      // First sync: nothing to delete yet; later syncs report what was archived since the last one.
      const since = c.from.archived;
      const gone = r.results.filter((o) => since !== null && Number(epoch(o.archivedAt ?? null) ?? 0) > Number(since)).map((o) => o.id);
      for (const o of r.results) s.high.archived = later(s.high.archived, epoch(o.archivedAt ?? null));
      if (kind === 'contacts') page.deletedContactIds = gone;
      else page.deletedCompanyIds = gone;
      next = r.next;
    }
    if (next === 'restart') s.after = null;
    else if (next) s.after = next;
    else {
      s.after = null;
      s.phase = nextPhase(c.phase);
      // A first run that saw nothing archived: anything archived after it is later than every change it saw.
      if (s.phase === 'done' && s.high.archived === null) s.high.archived = later(s.high.companies, s.high.contacts) ?? '0';
    }
    page.cursor = JSON.stringify(s);
    return page;
  }

  return {
    kind: 'hubspot',
    async *changes(cursor, signal) {
      let state = startState(cursor);
      try {
        const verdict = await deps.outbound.checkUrl(baseUrl);
        if (!verdict.allowed) throw new OutboundRefusedError();
        const link = await links();
        while ((state.phase as Phase) !== 'done') {
          signal?.throwIfAborted();
          const page = await step(state, link);
          state = JSON.parse(page.cursor) as HubSpotCursor;
          yield page;
        }
      } catch (err) {
        throw hubSpotError(err, deps.now());
      }
    },
  };
}

function toCompany(o: HsObject, link: Links): SourceCompany {
  const domain = o.properties.domain?.trim().toLowerCase();
  return {
    externalId: o.id,
    name: o.properties.name?.trim() || domain || `HubSpot company ${o.id}`,
    domains: domain ? [domain] : [],
    url: link.company(o.id),
  };
}

function toContact(o: HsObject, companyIds: string[], link: Links): SourceContact {
  const email = o.properties.email?.trim();
  return {
    externalId: o.id,
    emails: { email: email ? [email] : [], hs_additional_emails: split(o.properties.hs_additional_emails) },
    primaryField: 'email',
    companyIds,
    url: link.contact(o.id),
  };
}
