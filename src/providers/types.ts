// The one small interface every provider implements (folder, IMAP, CalDAV, Gmail, Graph).
// A connector turns provider data and provider errors into our types; it never decides
// and never touches the store. The sync loop (src/sync) drives it page by page and saves
// the cursor only after the page's items are stored.
import type { ProviderSettings } from '../config/schema.js';
import type { EmailItem, MeetingOccurrence } from '../domain/items.js';
import type { Secrets } from '../secrets/secrets.js';

/** What a connector is built from: a stored connection, its credentials and the sync's clock. */
export interface ConnectionConfig {
  provider: string;
  config: Record<string, unknown>;
  /** Encrypted credentials (secrets/secrets.ts); each connector decrypts its own. */
  secretEnc?: string | null;
  /** First authorization: bounds a connector's initial scan (IMAP SEARCH SINCE). */
  authorizedAt?: Date;
  /** Connection id: OAuth connectors keep one token holder (and refresh lock) per connection. */
  id?: string;
  /** Workspace id: Graph subscriptions name their connection in the notification URL. */
  workspaceId?: string;
  /** Saves a rotated credential (already encrypted), e.g. a refresh token Google or Microsoft rotated. */
  saveSecret?: (secretEnc: string) => Promise<void>;
  /** The sync's clock (--now, the service clock): time windows follow it, never the real clock. */
  now?: Date;
}

/** A per-item problem: the item is skipped, reported in `status`, and the sync goes on. */
export interface ItemError {
  /** Where: a file path, a UID, a provider id. */
  where: string;
  /** Why, in plain words. */
  reason: string;
}

/** A cursor is a JSON value owned by the connector; the sync loop only stores it. */
export type Cursor = unknown;

export interface MailSighting {
  /** Provider reference to re-read this exact message later (path, UID, message id). */
  ref: string;
  /** Folder / label as the provider names it (INBOX, Sent, cur). */
  folder: string;
  item: EmailItem;
}

export interface MailPage {
  sightings: MailSighting[];
  errors: ItemError[];
  /** Cursor to save once this page is stored. */
  cursor: Cursor;
  /**
   * Progress for long initial syncs: done so far, and the total when the server tells it
   * (approximate: an estimate such as Gmail's resultSizeEstimate). No total: no time left shown.
   */
  progress?: { done: number; total?: number; approximate?: boolean };
  /**
   * Completeness, on one page of a sync (IMAP, Graph): per synced folder, how many messages
   * the server holds there since the scan window's start. The list is every synced folder.
   */
  folderCounts?: { folder: string; since: Date; atServer: number }[];
}

/** One ref's outcome in `fetchMany`: the message, null when it is gone, or the error `fetch` would have thrown (a malformed file). */
export type FetchOutcome = EmailItem | null | Error;

/** What a push session says: the server announced new mail, or it (re)connected and mail may have come meanwhile. */
export type PushChange = 'new_mail' | 'reconnected';

export interface MailSource {
  /** New or changed mail since `cursor` (null: initial sync), page by page. */
  changes(cursor: Cursor | null): AsyncIterable<MailPage>;
  /** Re-read one message (re-decision after a directory change, body for newly linked mail). */
  fetch(ref: string): Promise<EmailItem | null>;
  /**
   * Re-read many messages at once (a page of a directory change): one outcome per ref, in
   * order, each what `fetch` would have given for it. A source without it is read one `fetch`
   * at a time (providers/fetch-many.ts).
   */
  fetchMany?(refs: string[]): Promise<FetchOutcome[]>;
  /**
   * For sources whose pages carry headers only (IMAP): the whole message, asked for only
   * when the decision is "linked". Calls made together may be batched by the source.
   */
  fetchBody?(ref: string): Promise<EmailItem | null>;
  /**
   * A cursor that makes the next changes() re-read these folders' whole scan window (a
   * completeness shortfall); sightings already stored dedupe, so nothing doubles.
   */
  rescan?(cursor: Cursor | null, folders: string[]): Cursor | null;
  /**
   * Push, where the provider has it (IMAP IDLE): call onChange when new mail may be there;
   * resolve when `signal` aborts; throw SourceError AUTH_FAILED when credentials are refused.
   */
  watch?(
    onChange: (why: PushChange) => void,
    signal: AbortSignal,
    onState?: (state: 'idle' | 'reconnecting', detail?: string) => void,
  ): Promise<void>;
}

/** One calendar object (an .ics resource): a single event or a series with its overrides. */
export interface CalendarObject {
  ref: string;
  /** Changes whenever the object changes (etag, mtime+size, hash). */
  version: string;
  /** Raw iCalendar text (folder, CalDAV) … */
  ics?: string;
  /** … or occurrences already expanded by the provider (Google singleEvents, Graph calendarView). */
  occurrences?: MeetingOccurrence[];
}

export interface CalendarPage {
  upserts: CalendarObject[];
  /** Refs of objects that disappeared (deleted events). */
  deletes: string[];
  /**
   * Series deleted as a whole, as the ref prefix their instances share (Google: `<id>_`): every
   * stored object under it is gone, also the ones the provider never reports cancelled.
   */
  deletedSeries?: string[];
  errors: ItemError[];
  cursor: Cursor;
  progress?: { done: number; total?: number; approximate?: boolean };
}

export interface CalendarSource {
  changes(cursor: Cursor | null): AsyncIterable<CalendarPage>;
}

/** Provider errors, translated once at the edge into a fixed code (see sync/errors.ts). */
export type SourceErrorCode = 'AUTH_FAILED' | 'NOT_FOUND' | 'NETWORK' | 'THROTTLED' | 'CURSOR_INVALID' | 'INTERNAL';

export class SourceError extends Error {
  constructor(
    readonly code: SourceErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

/** A stored connection as a connector needs it, with what it depends on (the key, the settings). */
export interface ConnectionConfig {
  provider: string;
  config: Record<string, unknown>;
  /** Encrypted credentials (secrets/secrets.ts); each connector decrypts its own, with `secrets`. */
  secretEnc?: string | null;
  /** The process's one key (created once from the Config): decrypts `secretEnc`, encrypts rotated tokens. */
  secrets: Secrets;
  /** Provider settings from the Config: OAuth apps, endpoints, the public URL for push. */
  settings: ProviderSettings;
  /** First authorization: bounds a connector's initial scan (IMAP SEARCH SINCE). */
  authorizedAt?: Date;
  /** Connection id: OAuth connectors keep one token holder (and refresh lock) per connection. */
  id?: string;
  /** Workspace id: Graph subscriptions name their connection in the notification URL. */
  workspaceId?: string;
  /** Saves a rotated credential (already encrypted), e.g. a refresh token Google or Microsoft rotated. */
  saveSecret?: (secretEnc: string) => Promise<void>;
  /** The sync's clock (--now, the service clock): time windows follow it, never the real clock. */
  now?: Date;
}

// ── Live lookup (src/app/live-find.ts): asking a mailbox or calendar, read-only, for items
// the sync never stored. Each provider answers in its own search syntax (providers/<name>/search.ts).

/** What a CSM remembers about an email; a provider ANDs the criteria it is given. */
export interface MailSearchQuery {
  /** RFC 5322 Message-ID without angle brackets. */
  messageId?: string;
  from?: string;
  to?: string;
  /** Words of the subject (each must appear). */
  subject?: string;
  /** Received at or after / before (the mailbox's time: IMAP INTERNALDATE, Gmail internalDate, Graph receivedDateTime). */
  since?: Date;
  until?: Date;
}

/** What kind of folder a hit is in: Junk, Trash and Drafts are never synced whatever the settings. */
export type FolderRole = 'inbox' | 'sent' | 'junk' | 'trash' | 'drafts' | 'other';

export interface MailHit {
  /** Provider reference (folder + UID, Gmail / Graph message id). */
  ref: string;
  /** Folder as the provider names it ("Customers/Acme", "Junk Email"); Gmail: its main label. */
  folder: string;
  role: FolderRole;
  /** Gmail: every label of the message. */
  labels?: string[];
  /** Whether this connection's sync reads that folder (its settings, or the provider's defaults). */
  synced: boolean;
  /** Headers only: never the body. */
  item: EmailItem;
}

export interface MailSearch {
  /** At most `limit` hits (newest first where the provider sorts); `signal` aborts a slow lookup. */
  search(q: MailSearchQuery, opts: { limit: number; signal: AbortSignal }): Promise<MailHit[]>;
}

export interface CalendarSearchQuery {
  uid?: string;
  /** Words of the title (each must appear). */
  title?: string;
  attendee?: string;
  /** The time range asked (occurrences overlapping it). */
  since: Date;
  until: Date;
}

export interface CalendarHit {
  ref: string;
  /** Calendar name as the provider shows it. */
  calendar: string;
  synced: boolean;
  occurrence: MeetingOccurrence;
}

export interface CalendarSearch {
  search(q: CalendarSearchQuery, opts: { limit: number; signal: AbortSignal }): Promise<CalendarHit[]>;
}
