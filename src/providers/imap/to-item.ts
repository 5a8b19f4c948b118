// A fetched IMAP message → our EmailItem. Headers are parsed by the shared MIME code
// (postal-mime) so IMAP and folder mail mean the same thing; IMAP only adds its own time.
import type { FetchMessageObject } from 'imapflow';
import type { EmailItem } from '../../domain/items.js';
import { MalformedItemError, parseEmail } from '../../formats/mime/parse-email.js';
import type { ItemError } from '../types.js';

/**
 * INTERNALDATE (RFC 3501 §2.3.3) is when the mailbox received the message (or, for APPEND,
 * the date the client set): the time E2 judges. A Received: header can be forged or absent.
 */
function internalDateOf(m: FetchMessageObject): Date | null {
  const d = m.internalDate instanceof Date ? m.internalDate : m.internalDate ? new Date(m.internalDate) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
}

export async function headersToItem(m: FetchMessageObject, where: string): Promise<EmailItem | ItemError> {
  const received = internalDateOf(m);
  if (!m.headers || m.headers.length === 0) return { where, reason: 'the server returned no headers for this message' };
  try {
    const item = await parseEmail(m.headers, { fallbackReceivedAt: received ?? new Date(0), headersOnly: true });
    if (received) item.receivedAt = received;
    return item;
  } catch (err) {
    return { where, reason: err instanceof MalformedItemError ? err.reason : `unexpected parser failure (${(err as Error).message})` };
  }
}

/** The whole message (body included), e.g. for re-decision or a linked message's body. */
export async function sourceToItem(m: FetchMessageObject): Promise<EmailItem | null> {
  if (!m.source) return null;
  const received = internalDateOf(m);
  const item = await parseEmail(m.source, { fallbackReceivedAt: received ?? new Date(0) });
  if (received) item.receivedAt = received;
  return item;
}
