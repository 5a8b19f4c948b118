// Fuzzing the MIME wrapper (parseEmail, the one function every mail source calls) with
// mutations of the real-world fixtures and with messages built from scratch: each input
// either becomes a well-formed EmailItem or fails with MalformedItemError — the per-item
// error a sync records while the rest goes on — in bounded time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedItemError, parseEmail } from '../../src/formats/mime/parse-email.js';
import type { EmailItem } from '../../src/domain/items.js';
import { applyMutation, guarded, mutation, readFixtures, Tally } from './harness.js';

const FIXTURES = readFixtures('eml');
const FALLBACK = new Date('2026-03-01T00:00:00Z');

/** What the sync needs of an item: valid dates it can store, strings where strings go. */
function assertUsable(item: EmailItem): void {
  expect(item.receivedAt).toBeInstanceOf(Date);
  item.receivedAt.toISOString(); // throws on an invalid date
  if (item.sentAt !== null) item.sentAt.toISOString();
  expect(item.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  if (item.messageId !== null) expect(item.messageId.length).toBeGreaterThan(0);
  expect(typeof item.subject).toBe('string');
  for (const a of [...item.from, ...item.to, ...item.cc, ...item.bcc]) {
    expect(typeof a.address).toBe('string');
    expect(a.address.length).toBeGreaterThan(0);
  }
  JSON.stringify(item);
}

async function parseOne(raw: Buffer, tally: Tally, headersOnly = false): Promise<void> {
  let outcome = 'parsed';
  const ms = await guarded('mime', raw, async () => {
    try {
      assertUsable(await parseEmail(raw, { fallbackReceivedAt: FALLBACK, headersOnly }));
    } catch (err) {
      if (!(err instanceof MalformedItemError)) throw err;
      expect(err.reason.length).toBeGreaterThan(0);
      outcome = 'rejected';
    }
  });
  tally.add(outcome, ms);
}

// ---- structural mutations (header level) ----

const headerEnd = (s: string) => {
  const m = /\r?\n\r?\n/.exec(s);
  return m ? m.index : s.length;
};

type Structural =
  | { op: 'dup-header'; n: number }
  | { op: 'bad-encoded-word'; header: string; word: string }
  | { op: 'huge-header'; size: number; folded: boolean }
  | { op: 'many-addresses'; n: number }
  | { op: 'nest'; depth: number }
  | { op: 'bad-charset'; charset: string; cte: string };

const ENCODED_WORDS = [
  '=?utf-8?B?@@@@?=',
  '=?x-no-such-charset?Q?caf=E9?=',
  '=?utf-8?Q?=FF=FE=?=',
  '=?iso-2022-jp?B?GyRCJUYlOSVIGyhC?=',
  '=?utf-8?B?',
  '=??=',
  '=?utf-8?Z?abc?=',
  '=?utf-16?B?2D3eAA==?=',
];
const structural: fc.Arbitrary<Structural> = fc.oneof(
  fc.record({ op: fc.constant('dup-header' as const), n: fc.nat() }),
  fc.record({
    op: fc.constant('bad-encoded-word' as const),
    header: fc.constantFrom('Subject', 'From', 'To', 'Cc', 'Message-ID', 'Date'),
    word: fc.constantFrom(...ENCODED_WORDS),
  }),
  fc.record({ op: fc.constant('huge-header' as const), size: fc.integer({ min: 1000, max: 100_000 }), folded: fc.boolean() }),
  fc.record({ op: fc.constant('many-addresses' as const), n: fc.integer({ min: 50, max: 400 }) }),
  // Beyond 256 levels postal-mime gives up: a MalformedItemError, as it should be.
  fc.record({ op: fc.constant('nest' as const), depth: fc.integer({ min: 1, max: 300 }) }),
  fc.record({
    op: fc.constant('bad-charset' as const),
    charset: fc.constantFrom('x-no-such-charset', 'utf-7', 'utf-32', '', '"', 'iso-8859-99'),
    cte: fc.constantFrom('base64', 'quoted-printable', 'x-uuencode', '8bit', 'bogus'),
  }),
);

function applyStructural(buf: Buffer, s: Structural): Buffer {
  const text = buf.toString('latin1');
  const end = headerEnd(text);
  const head = text.slice(0, end);
  const rest = text.slice(end);
  const lines = head.split(/\r?\n/);
  let out: string;
  switch (s.op) {
    case 'dup-header': {
      const i = s.n % Math.max(lines.length, 1);
      lines.splice(i, 0, lines[i] ?? 'X-Empty:');
      out = lines.join('\r\n') + rest;
      break;
    }
    case 'bad-encoded-word':
      out = `${s.header}: ${s.word} <${s.word}@x.example>\r\n${text}`;
      break;
    case 'huge-header':
      out = s.folded
        ? `Subject: ${Array.from({ length: Math.ceil(s.size / 80) }, () => 'x'.repeat(78)).join('\r\n ')}\r\n${text}`
        : `X-Huge: ${'a'.repeat(s.size)}\r\n${text}`;
      break;
    case 'many-addresses':
      out = `To: ${Array.from({ length: s.n }, (_, i) => `"N${i}" <u${i}@x.example>`).join(', ')}\r\n${text}`;
      break;
    case 'nest': {
      // Deep multipart/mixed nesting around the original body.
      const kept = lines.filter((l) => !/^content-(type|transfer-encoding):/i.test(l));
      let body = `Content-Type: text/plain\r\n\r\n${rest.replace(/^\r?\n\r?\n/, '')}`;
      for (let d = 0; d < s.depth; d++) body = `Content-Type: multipart/mixed; boundary="b${d}"\r\n\r\n--b${d}\r\n${body}\r\n--b${d}--\r\n`;
      out = `${kept.join('\r\n')}\r\nMIME-Version: 1.0\r\n${body}`;
      break;
    }
    case 'bad-charset':
      out =
        `${lines.filter((l) => !/^content-(type|transfer-encoding):/i.test(l)).join('\r\n')}\r\nContent-Type: text/plain; ` +
        `charset=${s.charset}\r\nContent-Transfer-Encoding: ${s.cte}\r\n${rest}`;
      break;
  }
  return Buffer.from(out, 'latin1');
}

// ---- messages from scratch ----

const headerName = fc.constantFrom(
  'From',
  'To',
  'Cc',
  'Bcc',
  'Subject',
  'Date',
  'Message-ID',
  'Received',
  'Content-Type',
  'Content-Transfer-Encoding',
  'MIME-Version',
  'Reply-To',
  'X-Other',
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom(
    'a@b.example',
    '"Q, X" <q@x.example>',
    'Team: a@x.example, b@y.example;',
    'undisclosed-recipients:;',
    '<id@host>',
    'Mon, 02 Feb 2026 09:00:00 +0000',
    'Thu, 31 Feb 99999 25:61:61 +9999',
    'from mx by mx; Tue, 3 Mar 2026 10:00:00 +0000',
    'multipart/alternative; boundary=x',
    'text/html; charset=utf-8',
    'base64',
    '=?utf-8?B?w6k=?=',
  ),
  fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('latin1')),
);
const scratch = fc
  .tuple(fc.array(fc.tuple(headerName, headerValue), { maxLength: 12 }), fc.constantFrom('\r\n', '\n', ''), fc.string({ maxLength: 300 }))
  .map(([headers, sep, body]) => Buffer.from(`${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n${sep}${body}`, 'latin1'));

// 6,000 + 2,000 + 2,000 = 10,000 inputs.
describe('MIME fuzzing: parseEmail never throws anything but MalformedItemError, and never hangs', () => {
  it('byte-level mutations of the real-world fixtures (6,000)', async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: FIXTURES.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        async (fi, ms, headersOnly) => {
          await parseOne(ms.reduce(applyMutation, FIXTURES[fi]!), tally, headersOnly);
        },
      ),
      { numRuns: 6000, endOnFailure: true },
    );
    console.log(`mime byte mutations: ${tally}`);
    expect(tally.items).toBe(6000);
  });

  it('header duplication, bad encodings, huge headers, deep multipart nesting, bad charsets (2,000)', async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: FIXTURES.length - 1 }), fc.array(structural, { minLength: 1, maxLength: 3 }), async (fi, ss) => {
        await parseOne(ss.reduce(applyStructural, FIXTURES[fi]!), tally);
      }),
      { numRuns: 2000, endOnFailure: true },
    );
    console.log(`mime structural mutations: ${tally}`);
    expect(tally.items).toBe(2000);
  });

  it('messages built from random headers and bytes (2,000)', async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(scratch, async (raw) => parseOne(raw, tally)),
      { numRuns: 2000, endOnFailure: true },
    );
    console.log(`mime from scratch: ${tally}`);
    expect(tally.items).toBe(2000);
  });
});
