// A header list that arrives already split into fields (Gmail's format=metadata
// payload.headers) → EmailItem, without writing it out as a header block for postal-mime to
// split again: that round trip was ~19 ms of CPU per 100 messages of a Gmail sync (issue 15,
// docs/benchmarks.md). The fields are taken as postal-mime would read them back — the name
// lower-cased, the value with SP/HTAB trimmed, Subject and Message-ID through its decodeWords,
// addresses through its addressParser (addresses.ts) — so the item is the one parseEmail gives
// for the block. Only lists where that is plainly so are read here; any other (a name outside
// `fields`, a line break or lone surrogate in a value, a huge list) returns null and the caller
// parses the block as before.
import { decodeWords, type Header } from 'postal-mime';
import type { EmailItem } from '../../domain/items.js';
import { itemFromHeaders, type ParseEmailOptions } from './parse-email.js';

export interface HeaderField {
  name?: string | null;
  value?: string | null;
}

/** Far below postal-mime's 2 MB header limit even at 3 UTF-8 bytes a character. */
const MAX_CHARS = 256 * 1024;
const UNPLAIN = /[\r\n]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const isWsp = (c: number) => c === 0x20 || c === 0x09;
/** postal-mime's trim of a field value: SP and HTAB only, not the other Unicode spaces. */
function trimWsp(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWsp(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

/**
 * The item of these fields, or null when they are not plainly what postal-mime would read
 * back (see the top). `fields`: the lower-cased names accepted here, none of which changes
 * how the others are read (no Content-Type).
 */
export function itemFromFields(list: readonly HeaderField[], fields: ReadonlySet<string>, opts: ParseEmailOptions): EmailItem | null {
  const headers: Header[] = [];
  let size = 0;
  for (const f of list) {
    const name = f.name ?? '';
    const value = f.value ?? '';
    const key = name.toLowerCase();
    size += name.length + value.length;
    if (!fields.has(key) || size > MAX_CHARS || UNPLAIN.test(value)) return null;
    headers.push({ key, originalKey: name, value: trimWsp(value) });
  }
  const first = (key: string) => {
    const h = headers.find((x) => x.key === key);
    return h?.value ? decodeWords(h.value) : undefined;
  };
  return itemFromHeaders(headers, { messageId: first('message-id'), subject: first('subject') }, opts);
}
