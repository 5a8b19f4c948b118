// A linked message's body from Gmail's format=full part tree (users.messages MessagePart:
// partId, mimeType, headers, body {data | attachmentId}, parts) instead of format=raw, so
// attachments are never downloaded. The tree is turned into the structure text-parts.ts reads
// for IMAP, and postal-mime parses the same kind of skeleton: the multipart tree down to the
// text parts, each with its own Content-Type and Content-Disposition, so charset, format=flowed
// and the assembling of alternatives stay the library's. Gmail's `data` is the part after
// transfer decoding, so each text part is handed over as base64 of those bytes.
//
// null means "read this message whole (format=raw)": a text part Gmail did not put inline (an
// attachmentId: a large body), an enclosed message (message/*, whose header block and parts
// postal-mime reads into the text in its own way), or a multipart whose header names no boundary.
import type { gmail_v1 } from '@googleapis/gmail';
import { bodyFromTextParts, type PartStructure, type TextParts } from '../../formats/mime/text-parts.js';

type Part = gmail_v1.Schema$MessagePart;

/** Text and HTML as parseEmail gives them for the whole message, or null (see above). */
export async function bodyFromFullPayload(payload: Part): Promise<{ text?: string; html?: string } | null> {
  const parts: TextParts = new Map();
  let depth = 0;
  const walk = (p: Part): PartStructure | null => {
    const type = (p.mimeType ?? 'text/plain').toLowerCase();
    const part = p.partId ?? '';
    if (type.startsWith('message/')) return null;
    const contentType = header(p, 'content-type');
    if (type.startsWith('multipart/')) {
      if (!contentType || !/boundary\s*=/i.test(contentType)) return null;
      // Our own boundary: every leaf below is base64 and every header line starts with a name,
      // so no line of the skeleton can be taken for it.
      const boundary = `touchpoint-skeleton-${depth++}`;
      const childNodes: PartStructure[] = [];
      for (const c of p.parts ?? []) {
        const s = walk(c);
        if (!s) return null;
        childNodes.push(s);
      }
      return { part, type, parameters: { boundary }, childNodes };
    }
    const disposition = header(p, 'content-disposition');
    const s: PartStructure = { part, type, disposition: disposition?.split(';')[0]?.trim() };
    if ((type === 'text/plain' || type === 'text/html') && s.disposition?.toLowerCase() !== 'attachment') {
      if (p.body?.attachmentId) return null; // too large to be inline: the whole message instead
      parts.set(part, { header: partHeader(type, contentType, disposition), body: bodyBytes(p) });
    }
    return s;
  };
  const root = walk(payload);
  return root ? bodyFromTextParts(root, parts) : null;
}

/** A part's header field (the first, as postal-mime reads it), unfolded as Gmail sends it. */
function header(p: Part, name: string): string | undefined {
  return p.headers?.find((h) => h.name?.toLowerCase() === name)?.value ?? undefined;
}

/** The part's MIME header for the skeleton: base64 first (the data is already decoded), then its own type and disposition. */
function partHeader(type: string, contentType: string | undefined, disposition: string | undefined): Buffer {
  const lines = ['Content-Transfer-Encoding: base64', `Content-Type: ${contentType ?? type}`];
  if (disposition) lines.push(`Content-Disposition: ${disposition}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
}

/**
 * The part's decoded bytes as one base64 line. postal-mime reads a 7bit, 8bit or
 * quoted-printable body line by line and ends every line with LF alone, so CRs before an LF
 * (which the service may keep in `data`) are dropped for those; base64 content is kept as sent.
 */
function bodyBytes(p: Part): Buffer {
  let bytes = Buffer.from(p.body?.data ?? '', 'base64url');
  const encoding = header(p, 'content-transfer-encoding');
  if (!/base64/i.test(encoding ?? '') && bytes.includes(0x0d))
    bytes = Buffer.from(bytes.toString('latin1').replace(/\r+\n/g, '\n'), 'latin1');
  return Buffer.from(bytes.toString('base64'));
}
