// A teammate's authorized mailbox and/or calendar at a provider.

export type ConnectionStatus = 'active' | 'needs_reauth' | 'error' | 'disconnected';

export type Provider = 'folder' | 'imap' | 'caldav' | 'gmail' | 'google_calendar' | 'graph';

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

/** One place an email or meeting was seen: which connection, which folder, and when. */
export interface Sighting {
  connection: ConnectionView;
  folder: string;
  /** The item's time in that mailbox (received/sent) — what E2 compares. */
  at: Date;
  /** When the sync first saw it. */
  seenAt: Date;
}
