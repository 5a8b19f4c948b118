// Remedies: what the user can do about a failed check, in the article's words.
// A text names an address as people write it (displayAddress: an IDN domain in Unicode); an
// action carries it as given, for the program that runs it.
import type { Remedy, RemedyAction } from '../domain/decision.js';
import { displayAddress } from '../directory/address.js';

/** A connection as a remedy names it: which one, at which provider (how it re-authorizes). */
interface ConnRef {
  id: string;
  provider: string;
}

/** The connections of some sightings, each once: what a re-authorize remedy names. */
export function uniqueConnections(sightings: readonly { connection: ConnRef }[]): ConnRef[] {
  const byId = new Map(sightings.map((s) => [s.connection.id, { id: s.connection.id, provider: s.connection.provider }]));
  return [...byId.values()];
}

/** The actions, only when there are some: a remedy without any stays plain advice. */
const withActions = (r: Remedy, actions: RemedyAction[]): Remedy => (actions.length ? { code: r.code, text: r.text, actions } : r);

const PROFILE = 'Profile → Sync email & calendar';

export const remedy = {
  authorize: (what: 'inbox' | 'calendar'): Remedy => ({
    code: 'AUTHORIZE',
    text: `Authorize the ${what}: ${PROFILE} → Sync now.`,
  }),
  reauthorize: (what: 'inbox' | 'calendar', conns: ConnRef[] = []): Remedy =>
    withActions(
      {
        code: 'REAUTHORIZE',
        text: `Re-authorize the ${what}: ${PROFILE} → Re-authorize. Mail and meetings from the outage are caught up afterwards.`,
      },
      conns.map((c) => ({ kind: 'reauthorize', connectionId: c.id, provider: c.provider })),
    ),
  historic: (what: 'emails' | 'meetings', since: Date): Remedy => ({
    code: 'HISTORIC_NEVER_SYNCED',
    text: `Nothing to do: historic ${what} (before the first authorization, ${since.toISOString()}) are never synced.`,
  }),
  addEndUser: (addresses: string[]): Remedy => ({
    code: 'ADD_END_USER',
    text: `Add the end user to the account where it should be logged, with this exact email: ${addresses.map(displayAddress).join(', ')}.`,
    actions: addresses.map((email) => ({ kind: 'add_end_user', email })),
  }),
  /** A near miss: the address used is one letter off an end user's; add it, exactly, to that end user's account. */
  fixEmailField: (endUserEmail: string, used: string, accountId?: string): Remedy => ({
    code: 'FIX_EMAIL_FIELD',
    text: `Fix the "email" field of end user ${endUserEmail}: the message used ${displayAddress(used)}, and only the same address matches.`,
    actions: [{ kind: 'add_end_user', email: used, ...(accountId ? { accountId } : {}) }],
  }),
  unblock: (entry: string): Remedy => ({
    code: 'REMOVE_FROM_BLOCKLIST',
    text: `Remove ${displayAddress(entry)} from the blocklist if its mail and meetings should sync.`,
    actions: [{ kind: 'unblock', entry }],
  }),
  internalOnly: (): Remedy => ({
    code: 'INTERNAL_ONLY',
    text: 'Nothing to do: mail between internal people only is never logged.',
  }),
  waitForSync: (next: Date | null | undefined, connectionIds: string[] = []): Remedy =>
    withActions(
      {
        code: 'SYNC_NOW',
        text: `Wait for the next sync${next ? ` (due ${next.toISOString()})` : ''} or press Sync now: ${PROFILE} → Sync now. It can take up to 30 minutes.`,
      },
      connectionIds.map((connectionId) => ({ kind: 'sync_now', connectionId })),
    ),
  waitForStart: (start: Date): Remedy => ({
    code: 'WAIT_FOR_START',
    text: `Nothing to do yet: the meeting is logged once it has started (${start.toISOString()}), within 30 minutes.`,
  }),
  cancelled: (): Remedy => ({
    code: 'CANCELLED',
    text: 'Nothing to do: a meeting cancelled before it starts is never logged.',
  }),
  organizeYourself: (): Remedy => ({
    code: 'ORGANIZE_IT',
    text: 'Meetings organized by the customer are not synced. Organize the meeting from your own calendar (you must be the organizer).',
  }),
  askToAccept: (who: string[]): Remedy => ({
    code: 'ASK_TO_ACCEPT',
    text: `Ask the customer to accept the invitation (${who.map(displayAddress).join(', ')}); meetings no end user accepted are not synced.`,
  }),
  // The live lookup (src/app/live-find.ts): where the provider has the item and the sync does not look.
  includeFolder: (folder: string, mailbox: string, connectionId?: string): Remedy =>
    withActions(
      {
        code: 'INCLUDE_FOLDER',
        text: `Include the folder "${folder}" in the folders ${mailbox}'s connection syncs (${PROFILE} → Folders); mail a server rule files there is never synced otherwise.`,
      },
      connectionId ? [{ kind: 'include_folder', connectionId, folder }] : [],
    ),
  moveOutOfJunk: (): Remedy => ({
    code: 'MOVE_OUT_OF_JUNK',
    text: 'Move it out of Junk (mark it "Not junk") and mark the sender as safe: mail in Junk is never synced.',
  }),
  restoreFromTrash: (): Remedy => ({
    code: 'RESTORE_FROM_TRASH',
    text: 'Restore it from the Trash if it should be logged: deleted mail is never synced.',
  }),
  draftNeverSynced: (): Remedy => ({
    code: 'DRAFT_NEVER_SYNCED',
    text: 'Nothing to do: drafts are never synced; the message is synced once it is sent.',
  }),
  checkAddressWithSender: (): Remedy => ({
    code: 'CHECK_ADDRESS_WITH_SENDER',
    text: 'Check the address with the sender: no connected mailbox has this email (sent to another address, or not sent yet).',
  }),
  checkMeetingWithOrganizer: (): Remedy => ({
    code: 'CHECK_MEETING_WITH_ORGANIZER',
    text: 'Check the invitation with the organizer: no connected calendar has this meeting (another address invited, or not sent yet).',
  }),
  askAgainLater: (who: string[]): Remedy => ({
    code: 'ASK_AGAIN_LATER',
    text: `Ask again in a minute: ${who.join(', ')} did not answer in time; the answer may be there.`,
  }),
  // "Why here?" remedies for a logged activity.
  deleteEndUser: (email: string, accountId: string): Remedy => ({
    code: 'DELETE_END_USER',
    text: `Delete end user ${email} from account ${accountId} to stop logging their mail and meetings there.`,
    actions: [{ kind: 'delete_end_user', accountId, email, suppress: false }],
  }),
  deleteAndSuppress: (email: string, source: string, accountId?: string): Remedy =>
    withActions(
      {
        code: 'DELETE_AND_SUPPRESS',
        text: `${email} came from ${source}: a plain delete is undone by its next import. Use "delete and suppress", or remove the user at ${source}.`,
      },
      accountId ? [{ kind: 'delete_end_user', accountId, email, suppress: true }] : [],
    ),
  /** The same for an end user a directory source syncs: say where to remove it, with the record's link. */
  removeAtSourceOrSuppress: (
    email: string,
    record: { product: string; contact: string; id: string; url?: string | undefined },
    accountId?: string,
  ): Remedy =>
    withActions(
      {
        code: 'DELETE_AND_SUPPRESS',
        text: `Remove ${email} from ${record.product} ${record.contact} ${record.id}${record.url ? ` (${record.url})` : ''}, or delete and suppress it here: a plain delete is undone by the next ${record.product} sync.`,
      },
      accountId ? [{ kind: 'delete_end_user', accountId, email, suppress: true }] : [],
    ),
  /** With the address that matched, when known: blocklisting only that person is the narrower choice. */
  blocklistDomain: (domain: string, address?: string): Remedy => ({
    code: 'BLOCKLIST_DOMAIN',
    text: `Blocklist ${displayAddress(domain)} if mail with this domain (e.g. a partner) should never sync.`,
    actions: [{ kind: 'blocklist', entry: domain }, ...(address ? [{ kind: 'blocklist' as const, entry: address }] : [])],
  }),
};

/** Keep the first remedy of each code+text, in order. */
export function uniqueRemedies(list: Remedy[]): Remedy[] {
  if (list.length < 2) return list.slice(); // nothing to compare (the common case)
  if (list.length <= 8) {
    // A few remedies (the usual decision) are compared pairwise: no key strings to build and hash.
    const out: Remedy[] = [];
    for (const r of list) if (!out.some((o) => o.code === r.code && o.text === r.text)) out.push(r);
    return out;
  }
  const seen = new Set<string>();
  return list.filter((r) => {
    const k = `${r.code}|${r.text}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
