// What Zendesk records become: an organization is a company (its domain_names are its
// domains), a user with role end-user is a person with the primary `email` and every other
// email identity under `identities`, in every organization of their memberships.
import type { SourceCompany, SourceContact } from '../types.js';

export const PRIMARY_EMAIL_FIELD = 'email';
/** The key of a user's other email identities (side-loaded with include=identities). */
const IDENTITIES_FIELD = 'identities';

export interface ZdOrganization {
  id: number;
  name?: string;
  domain_names?: string[];
  deleted_at?: string | null;
}

export interface ZdUser {
  id: number;
  email?: string | null;
  role?: string;
  active?: boolean;
  organization_id?: number | null;
}

export interface ZdIdentity {
  user_id: number;
  type: string;
  value: string;
  primary?: boolean;
}

const base = (url: string) => url.replace(/\/+$/, '');

export function toCompany(org: ZdOrganization, url: string): SourceCompany {
  return {
    externalId: String(org.id),
    name: org.name ?? String(org.id),
    domains: (org.domain_names ?? []).map((d) => d.trim().toLowerCase()).filter(Boolean),
    url: `${base(url)}/agent/organizations/${org.id}`,
  };
}

/** End users become people; agents and admins never do (they are the team, not the customers). */
export function isEndUser(u: ZdUser): boolean {
  return u.role === 'end-user' && u.active !== false;
}

/** A page's side-loaded identities by user id (a page holds up to 1,000 users). */
export function identitiesByUser(identities: ZdIdentity[]): Map<number, ZdIdentity[]> {
  const byUser = new Map<number, ZdIdentity[]>();
  for (const i of identities) byUser.set(i.user_id, [...(byUser.get(i.user_id) ?? []), i]);
  return byUser;
}

/** `identities`: the user's own identities (identitiesByUser). */
export function toContact(u: ZdUser, identities: ZdIdentity[], orgIds: number[], url: string): SourceContact {
  const primary = u.email?.trim() ?? '';
  const others = identities.filter((i) => i.type === 'email' && i.value.trim() && i.value.trim().toLowerCase() !== primary.toLowerCase());
  const companyIds = [...new Set(orgIds.length ? orgIds : u.organization_id ? [u.organization_id] : [])].map(String);
  return {
    externalId: String(u.id),
    emails: { [PRIMARY_EMAIL_FIELD]: primary ? [primary] : [], [IDENTITIES_FIELD]: others.map((i) => i.value.trim()) },
    primaryField: PRIMARY_EMAIL_FIELD,
    companyIds,
    url: `${base(url)}/agent/users/${u.id}`,
  };
}
