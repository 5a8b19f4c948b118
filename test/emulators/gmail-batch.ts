// Gmail's batch endpoint (https://developers.google.com/gmail/api/guides/batch): POST
// /batch/gmail/v1 with a multipart/mixed body; each part is Content-Type: application/http
// holding one request line, its headers and body. The answer is multipart/mixed too, one
// application/http part per request, in order, with the part's Content-ID echoed as
// `response-<id>` and each part's own HTTP status line. "You're limited to 100 calls in a
// single batch request": more answers 400. The outer request's headers (Authorization)
// apply to every part that does not set its own.
import type { IncomingHttpHeaders } from 'node:http';
import type { InnerAnswer } from './inner-request.js';

export const GMAIL_BATCH_MAX = 100;

interface BatchPart {
  contentId: string | null;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The boundary of a `multipart/mixed; boundary=…` content type, or null. */
export function boundaryOf(contentType: string | undefined): string | null {
  const m = /^multipart\/mixed\s*;.*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/** Splits a multipart body on its boundary: the parts between the first delimiter and the close. */
export function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const sections = body.split(delimiter);
  // sections[0] is the preamble; a section starting with "--" is the close delimiter's tail.
  return sections
    .slice(1)
    .filter((s) => !s.startsWith('--'))
    .map((s) => s.replace(/^\r?\n/, '').replace(/\r?\n$/, ''));
}

/** Headers (lower-cased names) and the rest of a block "Name: value\r\n…\r\n\r\nrest". */
export function headersAndRest(block: string): { headers: Record<string, string>; rest: string } {
  const m = /\r?\n\r?\n/.exec(block);
  const head = m ? block.slice(0, m.index) : block;
  const rest = m ? block.slice(m.index + m[0].length) : '';
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, rest };
}

/** One multipart part → the request it carries; null when it is not an application/http request. */
export function parsePart(section: string): BatchPart | null {
  const outer = headersAndRest(section);
  if (!/^application\/http/i.test(outer.headers['content-type'] ?? '')) return null;
  const lines = outer.rest.replace(/^\r?\n/, '');
  const eol = lines.search(/\r?\n|$/);
  const requestLine = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/[\d.]+)?$/.exec(lines.slice(0, eol).trim());
  if (!requestLine) return null;
  const inner = headersAndRest(lines.slice(eol).replace(/^\r?\n/, ''));
  const id = outer.headers['content-id'];
  return {
    contentId: id ? id.replace(/^<|>$/g, '') : null,
    method: requestLine[1]!,
    url: requestLine[2]!,
    headers: inner.headers,
    body: inner.rest,
  };
}

const REASONS: Record<number, string> = {
  200: 'OK',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  410: 'Gone',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The multipart/mixed answer: one application/http part per request, in order. */
export function formatBatchAnswer(boundary: string, answers: { contentId: string | null; answer: InnerAnswer }[]): string {
  const out: string[] = [];
  for (const { contentId, answer } of answers) {
    const headers = Object.entries(answer.headers).map(([k, v]) => `${k}: ${v}`);
    out.push(
      `--${boundary}\r\nContent-Type: application/http\r\n${contentId ? `Content-ID: <response-${contentId}>\r\n` : ''}\r\n` +
        `HTTP/1.1 ${answer.status} ${REASONS[answer.status] ?? ''}\r\n${headers.join('\r\n')}\r\n\r\n${answer.body}\r\n`,
    );
  }
  return `${out.join('')}--${boundary}--\r\n`;
}
