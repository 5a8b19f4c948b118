// Gmail's batch answer (multipart/mixed of application/http parts) → each part's HTTP answer,
// keyed by the Content-ID we sent (`response-<id>`). Google's answers are plain: a quoted or
// bare boundary, parts with Content-Type and Content-ID only, UTF-8 JSON with no transfer
// encoding. Those are split here directly: handing them to postal-mime cost ~25 ms of CPU per
// 100 parts (it builds a Blob per part), more than the rest of reading the batch (issue 15,
// docs/benchmarks.md). Anything else — a transfer encoding, a part that is not
// application/http, a delimiter not at a line start, no close delimiter — goes through
// postal-mime as before, so an unexpected answer is read no worse than it was.
import PostalMime from 'postal-mime';
import { SourceError } from '../types.js';

export interface PartAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Header fields (lower-cased names) of a block up to its first empty line, and what follows. */
export function headerBlock(block: string): { headers: Record<string, string>; rest: string } {
  const m = /\r?\n\r?\n/.exec(block);
  const head = m ? block.slice(0, m.index) : block;
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, rest: m ? block.slice(m.index + m[0].length) : '' };
}

/** One part's content (an HTTP answer: status line, headers, body) under its id. */
function addAnswer(out: Map<string, PartAnswer>, contentId: string, http: string): void {
  const id = /^<?response-(.+?)>?$/.exec(contentId)?.[1];
  const status = /^HTTP\/[\d.]+\s+(\d{3})/.exec(http.trimStart());
  if (id === undefined || !status) return;
  const inner = headerBlock(http.trimStart().replace(/^[^\n]*\n/, ''));
  out.set(id, { status: Number(status[1]), headers: inner.headers, body: inner.rest.replace(/\r?\n$/, '') });
}

const IDENTITY = new Set(['7bit', '8bit', 'binary']);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The plain shape split directly; null when the answer is anything else (then postal-mime reads it). */
export function splitPlainAnswer(contentType: string, body: string): Map<string, PartAnswer> | null {
  const b = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = b?.[1] ?? b?.[2];
  // A lone surrogate would come back from postal-mime's UTF-8 round trip as U+FFFD.
  if (!boundary || !/^multipart\/mixed\s*;/i.test(contentType.trim()) || LONE_SURROGATE.test(body)) return null;
  const delimiter = `--${boundary}`;
  const sections = body.split(delimiter);
  if (sections.length < 2) return null;
  const out = new Map<string, PartAnswer>();
  for (let i = 1; i < sections.length; i++) {
    // Each delimiter must start a line, and only the last may be the close delimiter.
    if (!(i === 1 ? /(^|\n)$/.test(sections[0]!) : sections[i - 1]!.endsWith('\n'))) return null;
    const s = sections[i]!;
    if (s.startsWith('--')) return i === sections.length - 1 ? out : null;
    // As postal-mime reads a part: every line ends in a lone LF, the one before the next
    // delimiter included (addAnswer drops that one).
    const part = headerBlock(s.replace(/^[ \t]*\r?\n/, '').replace(/\r*\n/g, '\n'));
    const type = part.headers['content-type'] ?? '';
    const encoding = (part.headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
    if (!/^application\/http\s*(;|$)/i.test(type) || /charset=(?!"?utf-8"?\s*(;|$))/i.test(type) || !IDENTITY.has(encoding)) return null;
    addAnswer(out, part.headers['content-id'] ?? '', part.rest);
  }
  return null; // no close delimiter: a cut answer, left to postal-mime's judgement
}

/** Through postal-mime's MIME parser (boundaries, part headers, transfer encodings, charsets). */
export async function parseWithPostalMime(contentType: string, body: string): Promise<Map<string, PartAnswer>> {
  const parsed = await PostalMime.parse(`Content-Type: ${contentType}\r\n\r\n${body}`);
  const out = new Map<string, PartAnswer>();
  for (const part of parsed.attachments) {
    const http = typeof part.content === 'string' ? part.content : new TextDecoder().decode(part.content);
    addAnswer(out, part.contentId ?? '', http);
  }
  return out;
}

export async function parseBatchAnswer(contentType: string, body: string): Promise<Map<string, PartAnswer>> {
  if (!/^multipart\//i.test(contentType.trim()))
    throw new SourceError('INTERNAL', `Gmail's batch answer is not multipart (${contentType || 'no content type'})`);
  return splitPlainAnswer(contentType, body) ?? parseWithPostalMime(contentType, body);
}
