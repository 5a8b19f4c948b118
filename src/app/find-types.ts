// The words of "Where is my email?": what a CSM remembers (the query) and what find answers
// (candidates, each the explain document plus where the item is). Shared by the store side
// (find.ts) and the live lookup at the provider (live-find.ts) so both answer alike.
import type { Explanation } from '../troubleshoot/explain.js';

/** Email: at least one address or subject words; any subset of the rest. */
export interface FindEmailQuery {
  from?: string;
  to?: string;
  /** Words of the subject, matched case-insensitively, all of them. */
  subject?: string;
  /** ISO instants; `--on <day>` becomes since = day 00:00Z, until = next day 00:00Z. */
  since?: string;
  until?: string;
  /** One UTC day, YYYY-MM-DD: since and until of that day (not together with since/until). */
  on?: string;
  /** Only this teammate's connections (any of their addresses). */
  teammate?: string;
  /** The advanced option: the Message-ID, when the CSM has it (the live lookup asks for it exactly). */
  messageId?: string;
  /** At most this many candidates (default 20, at most 100). */
  limit?: number;
  /**
   * Ask the connected mailboxes too, even when the store has candidates ("not the one I mean":
   * a second email from the same sender that day may sit in a folder that is not synced).
   * Without it the provider is asked only where the store cannot answer.
   */
  askMailboxes?: boolean;
}

/** Meeting: at least title words or an attendee; any subset of the rest. */
export interface FindMeetingQuery {
  title?: string;
  attendee?: string;
  since?: string;
  until?: string;
  on?: string;
  teammate?: string;
  /** The advanced option: the event's UID. */
  uid?: string;
  limit?: number;
  /** Ask the connected calendars too, even when the store has candidates. */
  askMailboxes?: boolean;
}

/** One place an item is: a connection of a teammate, and a folder (Gmail: its labels). */
export interface FoundWhere {
  connection: string;
  teammate: string | null;
  folder: string | null;
  labels?: string[];
}

/** One answer: the explain document plus how to recognise the item and where it is. */
export type FindCandidate = Omit<Explanation, 'where'> & {
  messageId?: string;
  uid?: string;
  date: string;
  /** Only where it may be shown (linked items; live hits shown to the mailbox's own teammate). */
  subject?: string;
  where: FoundWhere[];
  /** True when found at the provider just now rather than in the store. */
  live: boolean;
  /**
   * Subject words were asked for but this not-linked email kept no subject: it matches the
   * addresses and day only (the live lookup can check the subject at the provider).
   */
  subjectNotKept?: boolean;
};

export interface FindResult {
  candidates: FindCandidate[];
  /** More matched than the limit: narrow the query (a day, a teammate). */
  truncated?: boolean;
  /** The live lookup was asked and failed: the candidates are the store's alone. */
  liveError?: string;
  /** Whether the connected mailboxes / calendars were asked (else the store answered alone: `askMailboxes` asks them too). */
  liveAsked: boolean;
}

/**
 * The live lookup at the provider (src/app/live-find.ts), handed to find by the faces; absent,
 * find answers from the store alone. Read-only: nothing found live is stored.
 * Each found item is one candidate (live: true). When nothing is found, the answer is ONE
 * candidate with outcome "unknown", no `where`, and the check E1_LIVE_NOT_FOUND /
 * M1_LIVE_NOT_FOUND (plus E1_LIVE_NOT_ASKED / M1_LIVE_NOT_ASKED naming any connection that
 * could not be asked). Throws AppError('rate_limited') only when no connection may be asked.
 */
export interface LiveFind {
  emails(q: FindEmailQuery): Promise<FindCandidate[]>;
  meetings(q: FindMeetingQuery): Promise<FindCandidate[]>;
}
