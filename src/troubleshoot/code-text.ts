// Plain words for each stable check code, for records that keep codes only
// (seen-but-not-linked mail whose source can no longer be read).
import { providerWords } from '../domain/connection.js';

const TEXT: Record<string, string> = {
  E1_AUTHORIZED: 'Seen through an authorized inbox.',
  E1_NOT_SEEN: 'No authorized inbox has seen this email.',
  E2_AFTER_AUTHORIZATION: 'Received after the inbox was authorized.',
  E2_HISTORIC: 'Received before the inbox was first authorized: historic emails are never synced.',
  E3_END_USER_MATCH: 'A participant is an end user of an account.',
  E3_NO_END_USER: 'No participant was an end user of any account.',
  E4_NO_MATCH: 'No matching end user to check against the blocklist.',
  E4_ALL_BLOCKLISTED: 'Every matching participant was blocklisted.',
  E4_NOT_BLOCKLISTED: 'No blocklist entry covers the matching participants.',
  E5_NO_ACCOUNT: 'No account to link.',
  E5_ACCOUNTS: 'Linked to every account with a matching end user.',
  E6_INTERNAL_ONLY: 'Every participant was internal: internal-only mail is never logged.',
  E6_HAS_EXTERNAL: 'At least one participant is external.',
  E7_SYNCED: 'Synced on time.',
  E7_CAUGHT_UP: 'Synced late, after an outage or a late authorization.',
  NO_ACCOUNT: 'Not linked to any account.',
  M1_NOT_SEEN: 'No authorized calendar has seen this meeting.',
  M2_HISTORIC: 'It started before the calendar was first authorized: historic meetings are never synced.',
  M3_NOT_STARTED: 'It has not started yet: logged once it has happened.',
  M3_CANCELLED: 'It was cancelled before it started.',
  M4_CUSTOMER_ORGANIZES: 'A customer organized it: only meetings a teammate organizes are logged.',
  M4_OTHER_TEAMMATE_ORGANIZES: "Another teammate organized it: it is logged from the organizer's calendar.",
  M5_NO_END_USER: 'No attendee is an end user of an account.',
  M5_NOT_ACCEPTED: 'No end user of the account accepted.',
  M6_ALL_BLOCKLISTED: 'Every accepting end user was blocklisted.',
  // The live lookup at the provider (src/app/live-find.ts, docs/live-lookup.md).
  E1_LIVE_IN_SYNCED_FOLDER: 'Found at the provider in a folder this connection syncs.',
  E1_LIVE_FOLDER_NOT_SYNCED: 'Found at the provider in a folder this connection does not sync.',
  E1_LIVE_IN_JUNK: 'Found at the provider in Junk: mail in Junk is never synced.',
  E1_LIVE_IN_TRASH: 'Found at the provider in the Trash: deleted mail is never synced.',
  E1_LIVE_IN_DRAFTS: 'Found at the provider in Drafts: drafts are never synced.',
  E1_LIVE_AFTER_LAST_SYNC: 'Found at the provider; it arrived after the last sync and is picked up by the next one.',
  E1_LIVE_NOT_FOUND: 'Not in any connected mailbox.',
  E1_LIVE_NOT_ASKED: 'A connected mailbox could not be asked (it needs re-authorization, failed or did not answer in time).',
  E7_NOT_SYNCED: 'Not synced: found at the provider just now.',
  M1_LIVE_IN_SYNCED_CALENDAR: 'Found at the provider in a calendar this connection syncs.',
  M1_LIVE_CALENDAR_NOT_SYNCED: 'Found at the provider in a calendar this connection does not sync.',
  M1_LIVE_NOT_FOUND: 'Not in any connected calendar.',
  M1_LIVE_NOT_ASKED: 'A connected calendar could not be asked (it needs re-authorization, failed or did not answer in time).',
};

export function codeText(code: string): string {
  return TEXT[code] ?? code;
}

/**
 * Why a re-read was refused for now, with the provider's name: "Gmail asked us to slow down".
 * The codes are the passing ones of sync/reload-emails.ts.
 */
export function refusalWords(provider: string, code: string): string {
  const who = providerWords(provider);
  if (code === 'THROTTLED') return `${who} asked us to slow down`;
  if (code === 'NETWORK') return `${who} could not be reached`;
  if (code === 'AUTH_FAILED') return `${who} refused the connection's credentials (re-authorize it)`;
  return `${who} refused the read (${code})`;
}
