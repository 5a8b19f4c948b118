// A message's body (text and HTML) from its text parts alone, for sources that can fetch parts
// (IMAP: BODYSTRUCTURE, then BODY.PEEK[n.MIME] + BODY.PEEK[n]). The result must equal what
// parseEmail gives for the whole message, so postal-mime still does the decoding (transfer
// encoding, charset, format=flowed) and the assembling (alternatives, text ↔ HTML, joins): it
// parses a skeleton of the message that keeps the multipart tree down to the text parts, each
// with its own MIME header, and leaves attachments out (they never add to text or HTML).
import PostalMime from 'postal-mime';

/** The parts of a message's structure this needs (imapflow's BODYSTRUCTURE objects fit). */
export interface PartStructure {
  /** Part number ("1", "1.2"); none for the root of a single-part message. */
  part?: string | undefined;
  /** "text/plain", "multipart/alternative", … (lowercase) */
  type: string;
  parameters?: Record<string, string> | undefined;
  encoding?: string | undefined;
  disposition?: string | undefined;
  childNodes?: PartStructure[] | undefined;
}

/** One text part as fetched: its MIME header block (ending in the empty line) and its raw body. */
export interface FetchedPart {
  header: Buffer;
  body: Buffer;
}

/** The text parts of a message, by part number ('' for the root of a single-part message). */
export type TextParts = Map<string, FetchedPart>;

/**
 * Part numbers of the text parts to fetch, or null when only the whole message will do: an
 * inline message (message/rfc822 adds its own header block and parts; a delivery report
 * changes how those are read) or a multipart the server gave no boundary for.
 */
export function textPartNumbers(s: PartStructure): string[] | null {
  const out: string[] = [];
  const walk = (n: PartStructure): boolean => {
    if (n.type.startsWith('message/')) return false;
    if (n.type.startsWith('multipart/')) {
      if (!n.parameters?.boundary) return false;
      return (n.childNodes ?? []).every(walk);
    }
    if (isInlineText(n)) out.push(n.part ?? '');
    return true;
  };
  return walk(s) ? out : null;
}

/** Text and HTML as parseEmail gives them for the whole message (undefined when absent). */
export async function bodyFromTextParts(s: PartStructure, parts: TextParts): Promise<{ text?: string; html?: string }> {
  const chunks: Buffer[] = [];
  if (!s.type.startsWith('multipart/')) {
    const p = parts.get(s.part ?? '');
    if (p && isInlineText(s)) chunks.push(...leaf(p, false));
  } else {
    chunks.push(...container(s, parts));
  }
  if (chunks.length === 0) return {};
  const email = await PostalMime.parse(Buffer.concat(chunks));
  return { ...(email.text !== undefined ? { text: email.text } : {}), ...(email.html !== undefined ? { html: email.html } : {}) };
}

/** What postal-mime reads as body text: text/plain or text/html, not marked as an attachment. */
function isInlineText(n: PartStructure): boolean {
  return (n.type === 'text/plain' || n.type === 'text/html') && n.disposition?.toLowerCase() !== 'attachment';
}

/** A multipart with only the children that hold text, under its own boundary (which no part contains). */
function container(n: PartStructure, parts: TextParts): Buffer[] {
  const boundary = n.parameters!.boundary!;
  const out: Buffer[] = [Buffer.from(`Content-Type: ${n.type}; boundary="${boundary}"\r\n\r\n`)];
  for (const c of n.childNodes ?? []) {
    let body: Buffer[];
    if (c.type.startsWith('multipart/')) body = container(c, parts);
    else {
      const p = isInlineText(c) ? parts.get(c.part ?? '') : undefined;
      if (!p) continue; // an attachment or a non-text part: never part of text or HTML
      body = leaf(p, true);
    }
    out.push(Buffer.from(`--${boundary}\r\n`), ...body, Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return out;
}

/**
 * One text part as postal-mime reads it. A 7bit/8bit body is handed over base64-encoded on one
 * line holding the lines postal-mime would have read: its pass-through decoder keeps every line
 * as a Blob piece, and that Blob's arrayBuffer() cost ~10× the rest of the parse (Node 20). A
 * Content-Transfer-Encoding line put first wins (postal-mime reads the first one); charset and
 * format stay the part's own. A header that names base64 or quoted-printable anywhere is passed
 * as it is, so postal-mime decides those itself.
 */
function leaf(p: FetchedPart, inMultipart: boolean): Buffer[] {
  if (/base64|quoted-printable/i.test(p.header.toString('latin1'))) return [p.header, p.body];
  const lines = asReadLines(p.body, inMultipart);
  return [CTE_BASE64, p.header, Buffer.from(lines.toString('base64'))];
}

/**
 * The body's lines as postal-mime's reader yields them, each ending in "\n": a line ends at LF,
 * CRs before it are dropped. Inside a multipart the CRLF before the next boundary ends the
 * last line (IMAP leaves it out of BODY[n]), so a last segment is a line even when empty; at
 * the end of a whole message a trailing LF adds no empty line.
 */
export function asReadLines(body: Buffer, inMultipart: boolean): Buffer {
  const out: Buffer[] = [];
  let start = 0;
  const push = (end: number) => {
    let e = end;
    while (e > start && (body[e - 1] === 0x0d || body[e - 1] === 0x0a)) e--;
    out.push(body.subarray(start, e), NL);
  };
  for (let i = body.indexOf(0x0a); i >= 0; i = body.indexOf(0x0a, start)) {
    push(i);
    start = i + 1;
  }
  if (start < body.length || inMultipart) push(body.length);
  return Buffer.concat(out);
}

const NL = Buffer.from('\n');
/** Put first in a part's header: postal-mime takes a content header's first occurrence. */
export const CTE_BASE64 = Buffer.from('Content-Transfer-Encoding: base64\r\n');
