// The directory: who is internal, who is a customer's end user, and what must never sync.

export interface Workspace {
  id: string;
  slug: string;
  internalDomains: string[];
  /** Minutes between scheduled syncs; default 5, never more than 30 (the promise to users). */
  syncIntervalMinutes: number;
}

export interface Teammate {
  id: string;
  email: string;
  aliases: string[];
  name?: string;
}

export interface Account {
  id: string;
  name: string;
}

export interface EndUser {
  id: string;
  accountId: string;
  /** The "email" field of the user details, as entered. */
  email: string;
  name?: string;
  source: string;
  externalId?: string;
  /** Other addresses that appear on the record (e.g. a secondary email field); never used to match. */
  otherFields?: string[];
  /** The record at its directory source (HubSpot contact, …), for explain and the remedies. */
  sourceUrl?: string;
  /** When a directory-source sync last saw the record (ISO time). */
  sourceSyncedAt?: string;
}

export interface BlocklistEntry {
  /** A domain (covers its subdomains) or an exact address. */
  entry: string;
  kind: 'domain' | 'address';
}
