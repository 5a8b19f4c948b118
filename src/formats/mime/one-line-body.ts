// A whole single-part message rewritten so that postal-mime reads the very same body bytes
// faster (Gmail's format=raw bodies: linked mail whose format=full tree cannot give it,
// gmail-full-body.ts). postal-mime's pass-through decoder (7bit, 8bit, binary, none) keeps
// every line of a body as a Blob piece, and Node 20's Blob.arrayBuffer() over a body's ~100
// pieces costs ~3× the rest of the parse (issue 15, docs/benchmarks.md). The same lines as one
// base64 line are one piece: postal-mime decodes them to the same bytes, then applies the
// part's own charset and format as before. The IMAP text parts do the same per part, with the
// same line reader (text-parts.ts, asReadLines).
//
// Only when the header block cannot describe anything but a single part read by the
// pass-through decoder: it never names multipart, message/ (a nested message), base64 or
// quoted-printable (anywhere, so a mention in another field only costs the speed-up), and it
// does not begin with folding whitespace (which would fold into the line put before it).
// Anything else is null: the caller parses the message as it is.
import { asReadLines, CTE_BASE64 } from './text-parts.js';

const LF = 0x0a;
const CR = 0x0d;
/** Whatever could make postal-mime read the body other than as one pass-through part. */
const NOT_ONE_PLAIN_PART = /multipart|message\/|base64|quoted-printable/i;

/**
 * The message with its body as one base64 line and `Content-Transfer-Encoding: base64` as its
 * first header line (postal-mime takes a content header's first occurrence), or null.
 */
export function withOneLineBody(raw: Buffer): Buffer | null {
  const bodyStart = bodyOffset(raw);
  if (bodyStart === null || raw[0] === 0x20 || raw[0] === 0x09) return null;
  const header = raw.subarray(0, bodyStart);
  if (NOT_ONE_PLAIN_PART.test(header.toString('latin1'))) return null;
  return Buffer.concat([CTE_BASE64, header, Buffer.from(asReadLines(raw.subarray(bodyStart), false).toString('base64'))]);
}

/**
 * Where the body starts as postal-mime's reader sees it: after the first line (ending in LF)
 * that is empty once its CRs are dropped. Null when there is no header line before it, or no
 * such line at all (then there is no body to speed up).
 */
function bodyOffset(raw: Buffer): number | null {
  let start = 0;
  for (let lf = raw.indexOf(LF); lf >= 0; lf = raw.indexOf(LF, start)) {
    let blank = true;
    for (let i = start; i < lf; i++)
      if (raw[i] !== CR) {
        blank = false;
        break;
      }
    if (blank) return start === 0 ? null : lf + 1;
    start = lf + 1;
  }
  return null;
}
