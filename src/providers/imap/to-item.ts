// A fetched IMAP message → our EmailItem. Whole messages and header blocks are parsed by the
// shared MIME code (postal-mime) so IMAP and folder mail mean the same thing; the sync's
// sightings use the server's own parse of the headers (ENVELOPE), see envelopeToItem.
import type { FetchMessageObject, MessageAddressObject } from 'imapflow';
import type { Address, EmailItem } from '../../domain/items.js';
import { cleanAddress } from '../../formats/mime/addresses.js';
import { parseMailDate } from '../../formats/mime/mail-date.js';
import { MalformedItemError, cleanMessageId, fingerprintOf, parseEmail } from '../../formats/mime/parse-email.js';
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

/**
 * A sighting from the server's ENVELOPE (RFC 3501 §7.4.2): the server has already split the
 * From/To/Cc/Bcc/Subject/Date/Message-ID headers, and imapflow decodes their RFC 2047 words.
 * Parsing every header block again with postal-mime cost more than fetching it (≈ 0.2–0.4 ms
 * a message, mostly its Blob plumbing; docs/benchmarks.md), and these are all the rules read.
 * Addresses are cleaned exactly as the MIME path cleans them (addresses.ts); group syntax
 * arrives from the server as its members, as postal-mime's flatten gives it.
 */
export function envelopeToItem(m: FetchMessageObject, where: string): EmailItem | ItemError {
  const e = m.envelope;
  const received = internalDateOf(m);
  if (!e) return { where, reason: 'the server returned no envelope for this message' };
  const sentAt = e.date instanceof Date ? (Number.isNaN(e.date.getTime()) ? null : e.date) : parseMailDate(e.date);
  const from = addressesOf(e.from);
  const to = addressesOf(e.to);
  const messageId = cleanMessageId(e.messageId);
  if (!e.from?.length && !e.to?.length && !e.date && !e.messageId) {
    return { where, reason: 'it has none of the From, To, Date or Message-ID headers' };
  }
  // Unfolding (RFC 5322 §2.2.3) is removing the line breaks; a server may leave them in.
  const subject = (e.subject ?? '').replace(/\r?\n/g, '').trim();
  return {
    messageId,
    fingerprint: fingerprintOf(sentAt, from, to, subject),
    sentAt,
    // INTERNALDATE is what E2 judges (see internalDateOf); the Date header only without it.
    receivedAt: received ?? sentAt ?? new Date(0),
    from,
    to,
    cc: addressesOf(e.cc),
    bcc: addressesOf(e.bcc),
    subject,
  };
}

/** The envelope's mailboxes as the MIME path gives them (formats/mime/addresses.ts). */
function addressesOf(list: MessageAddressObject[] | undefined): Address[] {
  const out: Address[] = [];
  for (const entry of list ?? []) {
    const address = cleanAddress(entry.address);
    if (!address) continue; // a group's name or end marker, or not an address at all
    const name = entry.name?.replace(/\s+/g, ' ').trim();
    out.push(name && name !== address ? { address, name } : { address });
  }
  return out;
}

/** The whole message (body included): re-decision, and a linked body the text parts cannot give (text-parts.ts). */
export async function sourceToItem(m: FetchMessageObject): Promise<EmailItem | null> {
  if (!m.source) return null;
  const received = internalDateOf(m);
  const item = await parseEmail(m.source, { fallbackReceivedAt: received ?? new Date(0) });
  if (received) item.receivedAt = received;
  return item;
}
