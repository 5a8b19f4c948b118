// A teammate's authorized mailbox and/or calendar at a provider.

export type ConnectionStatus = 'active' | 'needs_reauth' | 'error' | 'disconnected';

export type Provider = 'folder' | 'imap' | 'caldav' | 'gmail' | 'google_calendar' | 'graph';

const PROVIDER_NAMES: Record<string, string> = {
  imap: 'IMAP mailbox',
  caldav: 'CalDAV calendar',
  gmail: 'Gmail',
  google_calendar: 'Google Calendar',
  graph: 'Microsoft 365',
  folder: 'folder',
};

/** A provider as a person names it (alert emails, the troubleshooter). */
export const providerWords = (provider: string): string => PROVIDER_NAMES[provider] ?? provider;

/** What the rules need to know about a connection: no secrets, no cursors. */
export interface ConnectionView {
  id: string;
  provider: Provider;
  teammateId: string;
  /** The owner's addresses (primary + aliases), normalized. */
  ownerAddresses: string[];
  status: ConnectionStatus;
  /** Plain words for a non-active status ("the password was rejected"). */
  statusReason?: string | null;
  /** The FIRST successful authorization. Re-authorizing never moves it (rule E2, not historic). */
  authorizedAt: Date;
  lastSuccessAt?: Date | null;
  nextSyncAt?: Date | null;
}

/** What a running sync stores on its connection after each page (JSON on the row; sync/progress-eta.ts). */
export interface SyncProgress {
  done: number;
  /** Absent when the provider cannot tell (Microsoft 365, Google Calendar): then no estimate. */
  total?: number;
  /** The provider's total is an estimate (Gmail's resultSizeEstimate): shown as "about". */
  approximate?: boolean;
  /** Which stream the numbers count; absent on rows written before it was stored. */
  stream?: 'mail' | 'calendar';
  /** When this stream's sync started (ISO): the origin of the rate the time left is estimated from. */
  startedAt?: string;
}

/** One place an email or meeting was seen: which connection, which folder, and when. */
export interface Sighting {
  connection: ConnectionView;
  folder: string;
  /** The item's time in that mailbox (received/sent) — what E2 compares. */
  at: Date;
  /** When the sync first saw it. */
  seenAt: Date;
}
