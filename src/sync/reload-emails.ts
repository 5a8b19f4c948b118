// Re-reading stored emails for a re-decision (a directory change, a deferred re-read, explain):
// the stored participants of linked mail, else the message read again from every copy's
// source. What a re-read gives is one of three: the message (and whether another copy was
// refused for now), gone (no copy could be read and none will be: deleted, malformed, its
// connection removed or disconnected), or waiting: no copy was read but one was refused for a
// reason that passes, so a later sync can read it (sync/deferred-redecide.ts).
import { asError } from '../domain/as-error.js';
import type { EmailItem } from '../domain/items.js';
import { fetchMany } from '../providers/fetch-many.js';
import { mailSourceFor } from '../providers/registry.js';
import { type FetchOutcome, type MailSource, SourceError, type SourceErrorCode } from '../providers/types.js';
import type { ConnectionRecord } from '../store/connections.js';
import { connectorDeps, type Ctx } from '../store/context.js';
import type { EmailRecord, EmailSightingRow } from '../store/emails.js';
import { mergeCopies } from './email-ingest.js';

/**
 * Whether this copy can be read again: its connection is neither removed nor disconnected
 * (Disconnect deleted its credentials: a refusal there would never pass). Re-reads skip the
 * others, and explain says an email with no such copy cannot be re-read.
 */
export function canReread(s: Pick<EmailSightingRow, 'connectionId'>, conns: Map<string, ConnectionRecord>): boolean {
  const c = conns.get(s.connectionId);
  return c !== undefined && c.status !== 'disconnected';
}

/** What reloading an email reads of its record: a full one (reloadEmail) or a lean one (a change's pages). */
export type StoredEmail = Pick<EmailRecord, 'id' | 'dedupKey' | 'messageId' | 'at' | 'participants'> &
  Partial<Pick<EmailRecord, 'subject' | 'bodyText' | 'bodyHtml'>>;

/** Why a copy could not be read now but can be later, and which provider said so. */
export interface WaitReason {
  code: SourceErrorCode;
  provider: string;
}

/**
 * `refused`: the message was read from some copies while another was refused for now. Only the
 * sender's Sent copy shows Bcc, so a decision of "not linked" on the copies read may be wrong
 * (redecide-emails.ts leaves it waiting); "linked" stands.
 */
export type Reloaded = { item: EmailItem; refused?: WaitReason } | { gone: true } | { waiting: WaitReason };

/**
 * Refusals that pass: the provider's quota or concurrency limit (THROTTLED, after the retry
 * budget), the network, and credentials to renew (AUTH_FAILED: the connection goes to
 * needs_reauth at its sync and its teammate is told; once re-authorized its next sync re-reads
 * the mail — a message is not gone because a token expired). A malformed message, a 404 or
 * anything unexpected will read no better later.
 */
const PASSING: ReadonlySet<SourceErrorCode> = new Set(['THROTTLED', 'NETWORK', 'AUTH_FAILED']);

function passingRefusal(outcome: FetchOutcome): SourceErrorCode | null {
  return outcome instanceof SourceError && PASSING.has(outcome.code) ? outcome.code : null;
}

/**
 * A page of records re-read at once: the not-linked ones' copies are asked of each source in
 * one `fetchMany` per connection (a folder reads its files in one go, IMAP one UID FETCH per
 * folder), not one `fetch` per copy.
 */
export async function reloadEmails(
  ctx: Ctx,
  recs: StoredEmail[],
  sightings: Map<string, EmailSightingRow[]>,
  conns: Map<string, ConnectionRecord>,
  /** One source per connection, opened on first use and kept for the whole change. */
  sources: Map<string, Promise<MailSource | null>>,
): Promise<Reloaded[]> {
  // Not-linked mail kept no content: read it again where it was seen — every copy, since
  // only the sender's sent copy shows Bcc (the decision was made on the union of copies).
  const refsByConn = new Map<string, string[]>();
  for (const rec of recs) {
    if (rec.participants) continue;
    for (const s of sightings.get(rec.id) ?? []) {
      if (!canReread(s, conns)) continue; // its copies count as gone
      const refs = refsByConn.get(s.connectionId) ?? [];
      refs.push(s.ref);
      refsByConn.set(s.connectionId, refs);
    }
  }
  const copies = new Map<string, Map<string, FetchOutcome>>();
  await Promise.all(
    [...refsByConn].map(async ([connId, refs]) => {
      let opening = sources.get(connId);
      if (!opening) {
        opening = mailSourceFor({ ...conns.get(connId)!, ...connectorDeps(ctx) });
        sources.set(connId, opening);
      }
      // A source that cannot be opened answers each copy with its error (credentials refused
      // may pass); one with no mail side gives none.
      const source = await opening.catch(asError);
      const outcomes = source instanceof Error ? refs.map(() => source) : source ? await fetchMany(source, refs) : [];
      copies.set(connId, new Map(refs.map((ref, k) => [ref, outcomes[k] ?? null])));
    }),
  );
  return recs.map((rec): Reloaded => {
    if (rec.participants) return { item: fromStore(rec, rec.participants) };
    let merged: EmailItem | null = null;
    let waiting: WaitReason | null = null;
    for (const s of sightings.get(rec.id) ?? []) {
      const outcome = copies.get(s.connectionId)?.get(s.ref);
      if (outcome === undefined) continue;
      // Gone (null) or unreadable (an error, e.g. malformed): try the next copy.
      if (outcome && !(outcome instanceof Error)) merged = merged ? mergeCopies(merged, outcome) : outcome;
      const code = passingRefusal(outcome);
      if (code) waiting = { code, provider: conns.get(s.connectionId)!.provider };
    }
    if (merged) return waiting ? { item: merged, refused: waiting } : { item: merged };
    return waiting ? { waiting } : { gone: true };
  });
}

function fromStore(rec: StoredEmail, participants: NonNullable<EmailRecord['participants']>): EmailItem {
  return {
    messageId: rec.messageId,
    fingerprint: rec.dedupKey.startsWith('fp:') ? rec.dedupKey.slice(3) : '',
    sentAt: null,
    receivedAt: rec.at,
    ...participants,
    subject: rec.subject ?? '',
    ...(rec.bodyText ? { text: rec.bodyText } : {}),
    ...(rec.bodyHtml ? { html: rec.bodyHtml } : {}),
  };
}
