// One raw RFC 5322 message → EmailItem. MIME parsing and RFC 2047 decoding are
// postal-mime's job; this file only decides which header means what for the rules.
//
// Broken-but-recognisable mail (bad boundaries, bad dates, odd address lists) parses as
// far as it goes: a sync must not lose a customer email because its sender's client was
// sloppy. Only input that is not an email at all is rejected, with a MalformedItemError.
import { createHash } from 'node:crypto';
import PostalMime from 'postal-mime';
import type { Email, Header } from 'postal-mime';
import type { Address, EmailItem } from '../../domain/items.js';
import { addressesOf } from './addresses.js';
import { parseMailDate, parseReceivedDate } from './mail-date.js';

/** The input is not an email; `reason` says why in plain words (shown per item). */
export class MalformedItemError extends Error {
  constructor(readonly reason: string) {
    super(`not a readable email: ${reason}`);
    this.name = 'MalformedItemError';
  }
}

export interface ParseEmailOptions {
  /** Used as receivedAt when neither a Received: header nor a Date: header gives one. */
  fallbackReceivedAt: Date;
  /** Skip the body: only the header block is handed to the MIME parser. */
  headersOnly?: boolean;
}

export async function parseEmail(raw: Buffer | string, opts: ParseEmailOptions): Promise<EmailItem> {
  const input = opts.headersOnly ? headerBlock(raw) : raw;
  if (input.length === 0 || (typeof input === 'string' && !input.trim())) {
    throw new MalformedItemError('the file is empty');
  }
  let email: Email;
  try {
    email = await PostalMime.parse(input);
  } catch (err) {
    throw new MalformedItemError(`the MIME parser gave up (${(err as Error).message})`);
  }
  const item = itemFromHeaders(email.headers, email, opts);
  if (!opts.headersOnly) {
    if (email.text !== undefined) item.text = email.text;
    if (email.html !== undefined) item.html = email.html;
  }
  return item;
}

/**
 * The item of a parsed header list (postal-mime's `headers`, with its decoded `messageId` and
 * `subject`): which header means what for the rules. Also used on Gmail's header list
 * (header-fields.ts), which must come out exactly as through the parser.
 */
export function itemFromHeaders(
  headers: Header[],
  decoded: { messageId?: string | undefined; subject?: string | undefined },
  opts: ParseEmailOptions,
): EmailItem {
  const has = (key: string) => headers.some((h) => h.key === key && h.value.trim() !== '');
  if (!has('from') && !has('date') && !has('message-id') && !has('to')) {
    throw new MalformedItemError('it has none of the From, To, Date or Message-ID headers');
  }

  const messageId = cleanMessageId(decoded.messageId);
  // postal-mime returns the raw header text when Date does not parse, so re-check it.
  const sentAt = parseMailDate(firstValue(headers, 'date'));
  const from = addressesOf(headers, 'from');
  const to = addressesOf(headers, 'to');
  const subject = (decoded.subject ?? '').trim();
  return {
    messageId,
    fingerprint: fingerprintOf(sentAt, from, to, subject),
    sentAt,
    receivedAt: receivedAtOf(headers) ?? sentAt ?? opts.fallbackReceivedAt,
    from,
    to,
    cc: addressesOf(headers, 'cc'),
    bcc: addressesOf(headers, 'bcc'),
    subject,
  };
}

/**
 * Stable identity for mail without a Message-ID: the same message parsed twice, or seen
 * through two providers, gives the same hash. Addresses are lowercased and sorted and the
 * subject's whitespace collapsed so that harmless re-encodings do not change it.
 */
export function fingerprintOf(sentAt: Date | null, from: Address[], to: Address[], subject: string): string {
  const norm = (list: Address[]) => list.map((a) => a.address.trim().toLowerCase().normalize('NFC')).sort();
  const key = JSON.stringify([
    sentAt ? sentAt.toISOString() : '',
    norm(from),
    norm(to),
    subject.replace(/\s+/g, ' ').trim().normalize('NFC'),
  ]);
  return createHash('sha256').update(key).digest('hex');
}

/** "<abc@host>" → "abc@host"; null when missing or empty (RFC 5322 §3.6.4). */
export function cleanMessageId(value: string | undefined): string | null {
  if (!value) return null;
  const bracketed = /<([^>]*)>/.exec(value);
  const id = (bracketed ? bracketed[1]! : value).trim();
  return id === '' ? null : id;
}

/**
 * The topmost Received: header was added by the last hop — the receiving mailbox's own
 * server — so its date stamp is when the mailbox got the message (RFC 5321 §4.4).
 */
function receivedAtOf(headers: Header[]): Date | null {
  const top = headers.find((h) => h.key === 'received');
  return top ? parseReceivedDate(top.value) : null;
}

function firstValue(headers: Header[], key: string): string | undefined {
  return headers.find((h) => h.key === key)?.value;
}

/** Everything up to the first empty line (the header/body separator of RFC 5322 §2.1). */
function headerBlock(raw: Buffer | string): Buffer | string {
  if (typeof raw === 'string') {
    const m = /\r?\n\r?\n/.exec(raw);
    return m ? raw.slice(0, m.index + m[0].length) : raw;
  }
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const cut = [crlf < 0 ? -1 : crlf + 4, lf < 0 ? -1 : lf + 2].filter((i) => i >= 0);
  return cut.length ? raw.subarray(0, Math.min(...cut)) : raw;
}
