// The words of a live answer: where the provider has the item and why the sync did not store
// it (each its own check code and remedy), in E1's / M1's place in the usual checks.
import type { ConnectionRecord } from '../store/connections.js';
import type { Check, LiveCheckCode, Remedy } from '../domain/decision.js';
import type { CalendarHit, MailHit } from '../providers/types.js';
import { remedy } from '../rules/remedies.js';
import { isoTime } from '../rules/time-words.js';

export interface LiveCheck {
  check: Check & { code: LiveCheckCode };
  remedies: Remedy[];
  /** True when this place explains why the item is not on the timeline. */
  blocks: boolean;
}

export const mailboxOf = (c: ConnectionRecord): string => c.ownerAddresses[0] ?? c.id;

/** Where one hit is, judged against what the connection syncs and when it last synced. */
export function mailPlaceCheck(hit: MailHit, c: ConnectionRecord): LiveCheck {
  const box = `${mailboxOf(c)}'s mailbox (${c.provider})`;
  const where = `In folder "${hit.folder}" of ${box}`;
  const e1 = (code: LiveCheckCode, status: Check['status'], detail: string): Check & { code: LiveCheckCode } => ({
    rule: 'E1',
    status,
    code,
    detail,
  });
  if (hit.role === 'junk')
    return {
      check: e1('E1_LIVE_IN_JUNK', 'fail', `${where}: in Junk, which is never synced.`),
      remedies: [remedy.moveOutOfJunk()],
      blocks: true,
    };
  if (hit.role === 'trash')
    return {
      check: e1('E1_LIVE_IN_TRASH', 'fail', `${where}: in the Trash, which is never synced.`),
      remedies: [remedy.restoreFromTrash()],
      blocks: true,
    };
  if (hit.role === 'drafts')
    return {
      check: e1('E1_LIVE_IN_DRAFTS', 'fail', `${where}: a draft, never synced.`),
      remedies: [remedy.draftNeverSynced()],
      blocks: true,
    };
  if (!hit.synced)
    return {
      check: e1('E1_LIVE_FOLDER_NOT_SYNCED', 'fail', `${where}, which this connection does not sync.`),
      remedies: [remedy.includeFolder(hit.folder, mailboxOf(c), c.id)],
      blocks: true,
    };
  const arrived = hit.item.receivedAt;
  if (!c.lastSyncAt || arrived > c.lastSyncAt) {
    const last = c.lastSyncAt ? `the last sync at ${isoTime(c.lastSyncAt)}` : 'any sync (none has run yet)';
    const next = c.nextSyncAt ? `; the next sync is due ${isoTime(c.nextSyncAt)}` : '';
    return {
      check: e1('E1_LIVE_AFTER_LAST_SYNC', 'fail', `${where}, arrived ${isoTime(arrived)}, after ${last}${next}.`),
      remedies: [remedy.waitForSync(c.nextSyncAt, [c.id])],
      blocks: true,
    };
  }
  return {
    check: e1('E1_LIVE_IN_SYNCED_FOLDER', 'pass', `${where}, which this connection syncs (arrived ${isoTime(arrived)}).`),
    remedies: [],
    blocks: false,
  };
}

export function calendarPlaceCheck(hit: CalendarHit, c: ConnectionRecord): LiveCheck {
  const where = `In calendar "${hit.calendar}" of ${mailboxOf(c)} (${c.provider})`;
  if (!hit.synced)
    return {
      check: { rule: 'M1', status: 'fail', code: 'M1_LIVE_CALENDAR_NOT_SYNCED', detail: `${where}, which this connection does not sync.` },
      remedies: [],
      blocks: true,
    };
  return {
    check: { rule: 'M1', status: 'pass', code: 'M1_LIVE_IN_SYNCED_CALENDAR', detail: `${where}, which this connection syncs.` },
    remedies: [],
    blocks: false,
  };
}

export interface NotAsked {
  connection: ConnectionRecord;
  why: string;
  /** needs_reauth: the grant is gone; timeout / failed: try again later. */
  kind: 'needs_reauth' | 'timeout' | 'failed' | 'rate_limited';
}

/** One check naming every connection that could not be asked, with what to do about it. */
export function notAskedCheck(kind: 'email' | 'meeting', list: NotAsked[], status: Check['status']): LiveCheck | null {
  if (!list.length) return null;
  const what = kind === 'email' ? 'mailbox' : 'calendar';
  const detail = `Could not ask ${list.map((n) => `${mailboxOf(n.connection)}'s ${what} (${n.connection.provider}): ${n.why}`).join('; ')}.`;
  const remedies: Remedy[] = [];
  const reauth = list.filter((n) => n.kind === 'needs_reauth').map((n) => n.connection);
  if (reauth.length) remedies.push(remedy.reauthorize(kind === 'email' ? 'inbox' : 'calendar', reauth));
  const later = list.filter((n) => n.kind !== 'needs_reauth').map((n) => mailboxOf(n.connection));
  if (later.length) remedies.push(remedy.askAgainLater(later));
  const code: LiveCheckCode = kind === 'email' ? 'E1_LIVE_NOT_ASKED' : 'M1_LIVE_NOT_ASKED';
  return { check: { rule: kind === 'email' ? 'E1' : 'M1', status, code, detail }, remedies, blocks: false };
}

/** Nothing found anywhere that was asked. */
export function notFoundCheck(kind: 'email' | 'meeting', asked: ConnectionRecord[]): LiveCheck {
  const what = kind === 'email' ? 'mailbox' : 'calendar';
  const names = asked.map(mailboxOf);
  const detail = names.length
    ? `Not in any connected ${what}: asked ${names.join(', ')} at the provider just now (every folder).`
    : `No connected ${what} could be asked.`;
  return {
    check:
      kind === 'email'
        ? { rule: 'E1', status: 'fail', code: 'E1_LIVE_NOT_FOUND', detail }
        : { rule: 'M1', status: 'fail', code: 'M1_LIVE_NOT_FOUND', detail },
    remedies: [kind === 'email' ? remedy.checkAddressWithSender() : remedy.checkMeetingWithOrganizer()],
    blocks: true,
  };
}
