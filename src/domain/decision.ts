// A decision: the outcome for one email or meeting, with the ordered checks that produced it.

export type EmailRule = 'E1' | 'E2' | 'E3' | 'E4' | 'E5' | 'E6' | 'E7';
export type MeetingRule = 'M1' | 'M2' | 'M3' | 'M4' | 'M5' | 'M6';
export type RuleId = EmailRule | MeetingRule;

export type CheckStatus = 'pass' | 'fail' | 'n/a';

/**
 * The codes of the live lookup at the provider (src/app/live-find.ts): where the provider has
 * an item the sync did not store, or why it could not be asked. They take E1's / M1's place
 * ("seen through an authorized inbox / calendar") in a live answer.
 */
export type LiveCheckCode =
  | 'E1_LIVE_IN_SYNCED_FOLDER'
  | 'E1_LIVE_FOLDER_NOT_SYNCED'
  | 'E1_LIVE_IN_JUNK'
  | 'E1_LIVE_IN_TRASH'
  | 'E1_LIVE_IN_DRAFTS'
  | 'E1_LIVE_AFTER_LAST_SYNC'
  | 'E1_LIVE_NOT_FOUND'
  | 'E1_LIVE_NOT_ASKED'
  | 'M1_LIVE_IN_SYNCED_CALENDAR'
  | 'M1_LIVE_CALENDAR_NOT_SYNCED'
  | 'M1_LIVE_NOT_FOUND'
  | 'M1_LIVE_NOT_ASKED';

export interface Check {
  rule: RuleId;
  status: CheckStatus;
  /** Stable machine code, e.g. E2_HISTORIC. Never reworded; the detail may be. */
  code: string;
  /** Plain words, with the data behind the verdict. */
  detail: string;
}

export interface LinkVia {
  /** The end user's email field that matched. */
  email: string;
  endUserId: string;
  source: string;
  externalId?: string;
  /** The end user's record at its directory source (HubSpot contact, …) and when a sync last saw it. */
  sourceUrl?: string;
  sourceSyncedAt?: string;
  /** Which header or attendee role carried it: from/to/cc/bcc/attendee. */
  field: string;
  /** Meetings only: the attendee's answer. */
  partstat?: string;
}

export interface LinkedAccount {
  id: string;
  via: LinkVia[];
}

/** A near miss: an address that looks like an end user's but is not the same address. */
export interface Hint {
  kind: 'plus_tag' | 'dots' | 'other_domain' | 'other_field';
  participant: string;
  endUserEmail: string;
  accountId: string;
  detail: string;
}

/**
 * What a remedy's button does, machine-readable (kind + parameters), so every face can offer
 * it as one action: the web app's buttons, an API client, an agent over MCP.
 * add_end_user without accountId: the account is for the person to choose.
 */
export type RemedyAction =
  | { kind: 'add_end_user'; email: string; accountId?: string }
  | { kind: 'delete_end_user'; accountId: string; email: string; suppress: boolean }
  | { kind: 'blocklist'; entry: string }
  | { kind: 'unblock'; entry: string }
  | { kind: 'include_folder'; connectionId: string; folder: string }
  | { kind: 'reauthorize'; connectionId: string; provider: string }
  | { kind: 'sync_now'; connectionId: string };

export interface Remedy {
  code: string;
  text: string;
  /** The buttons that carry it out, where it can be done from Touchpoint; absent for advice ("ask the customer"). */
  actions?: RemedyAction[];
}

export type Outcome = 'linked' | 'not_linked' | 'upcoming';

export interface Decision {
  kind: 'email' | 'meeting';
  outcome: Outcome;
  accounts: LinkedAccount[];
  checks: Check[];
  remedies: Remedy[];
  hints: Hint[];
}
