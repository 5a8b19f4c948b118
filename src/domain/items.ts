// Normalized items: what every connector turns provider data into.
// Data flows one way: provider → normalized item → decision → store → timeline.

export interface Address {
  /** As written by the sender (trimmed); compare with normalizeAddress(), never raw. */
  address: string;
  name?: string;
}

/** One email as seen through one connection and folder (a "sighting"). */
export interface EmailItem {
  /** RFC 5322 Message-ID without angle brackets, or null when the message has none. */
  messageId: string | null;
  /** Stable fallback identity (hash of Date, From, To, Subject) used when there is no Message-ID. */
  fingerprint: string;
  /** When the message was sent (Date header); null when missing or unparseable. */
  sentAt: Date | null;
  /**
   * When the mailbox received/stored it (IMAP INTERNALDATE, Received header, …).
   * E2 judges this time: "sent or received at or after authorizedAt".
   */
  receivedAt: Date;
  from: Address[];
  to: Address[];
  cc: Address[];
  /** Only providers that show Bcc (sent mail) fill this. */
  bcc: Address[];
  subject: string;
  /** Plain-text body or a short preview; bodies are only kept for linked mail. */
  text?: string;
  /** Raw HTML body (unsanitized); sanitize before display. */
  html?: string;
}

export type PartStat = 'ACCEPTED' | 'DECLINED' | 'TENTATIVE' | 'NEEDS-ACTION' | 'DELEGATED' | 'OTHER';

export interface Attendee extends Address {
  partstat: PartStat;
  /** RFC 5545 ROLE/CUTYPE are not needed by the rules; keep the raw ones for display. */
  role?: string;
}

/** One occurrence of a meeting (a single event, or one instance of a recurring series). */
export interface MeetingOccurrence {
  uid: string;
  /** Start of this occurrence (UTC instant). The identity of an occurrence is uid + start. */
  start: Date;
  end: Date;
  allDay: boolean;
  title: string;
  /** Null when the event has no ORGANIZER (a personal calendar entry). */
  organizer: Address | null;
  /**
   * Other addresses the ORGANIZER property carries (its calendar-user address when an EMAIL
   * parameter names the real one, SENT-BY): a teammate written in any of them organizes it.
   */
  organizerAlso?: string[];
  attendees: Attendee[];
  /** STATUS:CANCELLED on the event or the overriding instance. */
  cancelled: boolean;
  /**
   * When the cancellation became known (LAST-MODIFIED / DTSTAMP of the cancelled
   * component, else the time the sync first saw it). M3: cancelled before start → never logged.
   */
  cancelledAt?: Date;
  /** True when this occurrence belongs to a recurring series. */
  recurring: boolean;
  /** The series' time zone as written (e.g. "W. Europe Standard Time"), for display. */
  timeZone?: string;
  location?: string;
}
