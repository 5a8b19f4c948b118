// The only way the web app reaches data: the HTTP API with the token from sessionStorage.
import { noteServerNow } from './server-clock.js';

const KEY = 'touchpoint.token';

export const token = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (t: string) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

/**
 * A sign-in link (`npm start` prints one) carries a token in the URL fragment, `#token=…`:
 * browsers never send the fragment to the server, so it stays out of request lines and logs.
 * Read it once into this tab's sessionStorage and take it out of the address bar and history.
 * Returns whether there was one.
 */
export function adoptTokenFromLink(): boolean {
  const m = /^#token=([^&]+)/.exec(location.hash);
  if (!m?.[1]) return false;
  token.set(decodeURIComponent(m[1]));
  history.replaceState(null, '', `${location.pathname}${location.search}#/sync`);
  return true;
}

/**
 * A one-time sign-in link (`npm start`, `touchpoint sign-in-link`) carries a short-lived code in
 * the fragment, `#signin=…`: taken out of the address bar at once, then traded once
 * (POST /v1/sign-in) for a session token kept in this tab. Returns the code, or null.
 */
export function takeSignInCodeFromLink(): string | null {
  const m = /^#signin=([^&]+)/.exec(location.hash);
  if (!m?.[1]) return null;
  history.replaceState(null, '', `${location.pathname}${location.search}#/sync`);
  return decodeURIComponent(m[1]);
}

/** Trades a sign-in link's code for a session token and keeps it in this tab. */
export async function redeemSignInCode(code: string): Promise<void> {
  const session = await api<{ token: string }>('POST', '/v1/sign-in', { code }, null);
  token.set(session.token);
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown, tok = token.get()): Promise<T> {
  const headers: Record<string, string> = {};
  if (tok) headers.authorization = `Bearer ${tok}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, cache: 'no-store', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  noteServerNow(res.headers.get('x-touchpoint-now'));
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const e = (data ?? {}) as { error?: string; message?: string; fields?: { field: string; message: string }[] };
    const fields = e.fields?.map((f) => `${f.field}: ${f.message}`).join('; ');
    throw new ApiFailure(res.status, e.error ?? 'error', `${e.message ?? res.statusText}${fields ? ` (${fields})` : ''}`);
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const q = (params: Record<string, string | number | undefined>) =>
  new URLSearchParams(
    Object.entries(params)
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => [k, String(v)]),
  ).toString();

// Response shapes (see /openapi.json).
export interface Workspace {
  id: string;
  slug: string;
  internalDomains: string[];
  syncIntervalMinutes: number;
}
export interface Teammate {
  id: string;
  email: string;
  aliases: string[];
  name: string | null;
}
export interface Account {
  id: string;
  name: string;
}
export interface EndUser {
  id: string;
  accountId: string;
  email: string;
  name: string | null;
  source: string;
  externalId: string | null;
}
export interface Counts {
  seen: number;
  linked: number;
  upcoming: number;
  skipped: Record<string, number>;
}
export interface Connection {
  id: string;
  teammate: string;
  provider: string;
  mail: boolean;
  calendar: boolean;
  status: string;
  statusReason: string | null;
  authorizedAt: string;
  lastSyncAt: string | null;
  lastSuccessAt: string | null;
  nextSyncAt: string | null;
  lastError: string | null;
  /** While a sync runs: how far, and the time left at the rate so far (null until it can be told). */
  progress: {
    done: number;
    total?: number;
    approximate?: boolean;
    stream?: 'mail' | 'calendar';
    startedAt: string | null;
    etaSeconds: number | null;
    /** The time left in words, the same as the CLI's (null without a total). */
    etaText: string | null;
  } | null;
  counts: { email: Counts; meeting: Counts };
  errors: { where: string; reason: string; lastSeenAt: string }[];
  /** Mail folder settings (IMAP, Microsoft 365); null for other connections. */
  folders: { include: string[]; exclude: string[]; only?: string[] } | null;
  /** Completeness per synced folder: "INBOX: 412 at the server since 30 Jan, 412 seen". */
  folderCounts: { folder: string; atServer: number; seen: number; summary: string }[];
}
export interface Via {
  email: string;
  endUserId: string;
  source: string;
  externalId?: string;
  field: string;
  partstat?: string;
}
export interface TimelineItem {
  kind: 'email' | 'meeting';
  id: string;
  at: string;
  via: Via[];
  messageId?: string | null;
  subject?: string;
  uid?: string;
  occurrence?: string;
  title?: string;
}
export interface Check {
  rule: string;
  status: 'pass' | 'fail' | 'n/a';
  code: string;
  detail: string;
}
export interface Explanation {
  kind: 'email' | 'meeting';
  outcome: 'linked' | 'not_linked' | 'upcoming' | 'unknown';
  ref: string;
  accounts: { id: string; via: Via[] }[];
  checks: Check[];
  remedies: string[];
  remedyCodes: string[];
  /** Per remedy: the buttons that carry it out (see RemedyAction). */
  remedyActions: RemedyAction[][];
  hints: { kind: string; participant: string; endUserEmail: string; accountId: string; detail: string }[];
  searched?: { id: string; teammate: string; provider: string; status: string; authorizedAt: string; lastSyncAt: string | null }[];
  occurrence?: string;
  occurrences?: { start: string; outcome: string }[];
  /** One sentence for a person (a purged item, an email waiting for a re-read after a directory change, one no mailbox can re-read). */
  summary?: string;
  waiting?: { since: string; attempts: number; lastAttemptAt: string; code: string; provider: string };
  /** Purged by retention: its summary is not shown here (as before). */
  purged?: unknown;
}
/** One remedy's button, as the API describes it (kind + parameters). */
export type RemedyAction =
  | { kind: 'add_end_user'; email: string; accountId?: string }
  | { kind: 'delete_end_user'; accountId: string; email: string; suppress: boolean }
  | { kind: 'blocklist'; entry: string }
  | { kind: 'unblock'; entry: string }
  | { kind: 'include_folder'; connectionId: string; folder: string }
  | { kind: 'reauthorize'; connectionId: string; provider: string }
  | { kind: 'sync_now'; connectionId: string };
/** What a change would do, computed without doing it (POST /v1/preview). */
export interface ChangePreview {
  kind: string;
  removes: { accountId: string; name: string; emails: number; meetings: number }[];
  adds: { accountId: string; name: string; emails: number; meetings: number }[];
  /** Must be typed to confirm (a customer's own domain). */
  confirm?: string;
  summary: string;
}
export interface FindCandidate extends Explanation {
  messageId?: string;
  uid?: string;
  date: string;
  subject?: string;
  where: { connection: string; teammate: string | null; folder: string | null; labels?: string[] }[];
  live: boolean;
  subjectNotKept?: boolean;
  summary?: string;
}
export interface FindResult {
  candidates: FindCandidate[];
  truncated?: boolean;
  liveError?: string;
}
export interface LinkChange {
  kind: 'email' | 'meeting';
  id: string;
  ref: string;
  accountId: string;
}
export interface ChangeResult {
  linked: LinkChange[];
  unlinked: LinkChange[];
  unavailable: number;
  /** Emails the provider refused to re-read for now: re-read after a later sync of a mailbox holding them. */
  deferred?: number;
  warning?: string;
  /** The audit entry it wrote: what Undo names. */
  auditId?: number;
}
export interface ImportResult extends ChangeResult {
  source: string;
  counts: { created: number; unchanged: number; skipped_suppressed: number; error: number };
  rows: { line: number; email?: string; accountId?: string; outcome: string; reason?: string }[];
}
export interface Party {
  address: string;
  name?: string;
}
export interface EmailContent {
  id: string;
  messageId: string | null;
  at: string;
  outcome: string;
  subject: string | null;
  participants: { from: Party[]; to: Party[]; cc: Party[]; bcc: Party[] } | null;
  bodyText: string | null;
  bodyHtml: string | null;
}
export interface SearchResult {
  query: string;
  accounts: (Account & { endUser: Omit<EndUser, 'accountId'> })[];
  teammates: Teammate[];
  activities: (Omit<TimelineItem, 'id' | 'via'> & { accountId: string })[];
}
export interface Hygiene {
  internalAddresses: (EndUser & { why: string })[];
  blocklisted: (EndUser & { why: string })[];
  sharedDomains: { domain: string; accounts: string[]; endUsers: number }[];
  multiAccountAddresses: { email: string; accounts: string[] }[];
}
export interface AuditEntry {
  /** Absent in a support bundle's copy. */
  id?: number;
  undoable?: boolean;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  /** From where: the client address, "cli"; null for older entries. */
  source: string | null;
}

/** A source that re-creates what is deleted (anything but manual or api). */
export const recreatingSource = (source: string) => (source === 'manual' || source === 'api' ? null : source);
