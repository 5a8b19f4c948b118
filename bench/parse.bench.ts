// Parse benchmark (not a test): 10,000 real-world-shaped messages, read the way a
// headers-first sync reads them — `parseEmail(raw, { headersOnly: true })`, which hands only
// the header block to postal-mime (what the IMAP and Gmail sources decide on before any body
// is downloaded) — against postal-mime's full parse of the same messages, in the same run.
//
//   npm run bench:parse                BENCH_MESSAGES=10000 BENCH_RUNS=5
//
// CPU time of this (single-threaded) process, medians of BENCH_RUNS runs; the two are
// interleaved run by run so both see the same load. Results go to bench/results/parse.json.
import { performance } from 'node:perf_hooks';
import PostalMime from 'postal-mime';
import { parseEmail } from '../src/formats/mime/parse-email.js';
import { prng } from './workers-fixtures.js';
import { QUICK, absoluteRow, median, ratioRow, saveResults } from './report.js';

const int = (name: string, dflt: number) => (process.env[name] ? Number.parseInt(process.env[name]!, 10) : dflt);
const CONFIG = { messages: int('BENCH_MESSAGES', 10_000), runs: int('BENCH_RUNS', QUICK ? 3 : 5) };

const rand = prng(7);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
const b64lines = (bytes: number) =>
  (
    Buffer.from(Buffer.alloc(bytes, 0).map((_, i) => (i * 131 + 7) & 255))
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');
const PDF = b64lines(60_000); // a typical attachment, shared so building the corpus stays fast
const LOGO = b64lines(8_000);

const paragraph =
  'Thanks for the call today. As discussed, we would like to move the renewal to the next quarter and add two seats for the new team in Lyon. ';
const html = (n: number) =>
  `<html><head><style>p{font-family:Arial}</style></head><body>${`<p>${paragraph}</p>`.repeat(n)}<div class="sig"><b>Jane Doe</b><br>Head of ` +
  `Ops</div></body></html>`;

/** One message: a Received chain, DKIM/ARC, encoded subjects and names; plain, alternative, related or with an attachment. */
function message(i: number): string {
  const at = new Date(Date.UTC(2026, 1, 1) + i * 97_000).toUTCString();
  const from = pick([
    '"Müller, Jürgen" <j.mueller@kunde.de>',
    'Jane Doe <jane@customer.example>',
    '=?UTF-8?B?5bGx55Sw5aSq6YOO?= <taro@example.jp>',
    'noreply@saas.example',
  ]);
  const subject = pick([
    'Re: Renewal — Q3 plan',
    '=?UTF-8?Q?Fw:_Pr=C3=A9sentation_du_projet?=',
    'Invoice 2026-0042',
    '=?UTF-8?B?44GK6aGY44GE?=',
  ]);
  const received = Array.from(
    { length: 2 + (i % 4) },
    (_, h) =>
      `Received: from mx${h}.relay.example (mx${h}.relay.example [192.0.2.${h + 1}])\r\n\tby mx.ourco.com with ESMTPS id ${i}x${h}\r\n\tfor ` +
      `<alice@ourco.com>; ${at}`,
  );
  const headers = [
    ...received,
    `ARC-Seal: i=1; a=rsa-sha256; t=1700000000; cv=none; d=relay.example; s=arc;\r\n\tb=${'C'.repeat(300)}`,
    `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=customer.example; s=s1;\r\n\th=from:to:subject:date:message-id; ` +
      `bh=${'A'.repeat(44)}=;\r\n\tb=${'B'.repeat(340)}`,
    `From: ${from}`,
    'To: Alice <alice@ourco.com>, "Support" <support@ourco.com>',
    i % 3 === 0 ? 'Cc: dan@ourco.com, "O\'Brien, Pat" <pat@customer.example>' : null,
    `Subject: ${subject}`,
    `Date: ${at}`,
    `Message-ID: <${i}.${(i * 7919).toString(36)}@mail.customer.example>`,
    i % 2 ? `In-Reply-To: <${i - 1}@mail.ourco.com>\r\nReferences: <${i - 2}@mail.ourco.com> <${i - 1}@mail.ourco.com>` : null,
    'List-Unsubscribe: <mailto:unsub@saas.example>, <https://saas.example/u/123>',
    'MIME-Version: 1.0',
  ].filter(Boolean) as string[];
  const kind = i % 10; // 30 % plain, 40 % alternative, 20 % related (inline logo), 10 % with a PDF
  const text = paragraph.repeat(3 + (i % 5));
  let body: string;
  if (kind < 3) {
    headers.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit');
    body = text;
  } else {
    const b = `b${i}`;
    const alt =
      `--${b}a\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${text.replace(/(.{70})/g, '$1=\r\n')}\r\n` +
      `--${b}a\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${html(3 + (i % 5))}\r\n--${b}a--`;
    if (kind < 7) {
      headers.push(`Content-Type: multipart/alternative; boundary="${b}a"`);
      body = alt;
    } else if (kind < 9) {
      headers.push(`Content-Type: multipart/related; boundary="${b}r"`);
      body =
        `--${b}r\r\nContent-Type: multipart/alternative; boundary="${b}a"\r\n\r\n${alt}\r\n--${b}r\r\nContent-Type: ` +
        `image/png\r\nContent-ID: <logo>\r\nContent-Transfer-Encoding: base64\r\n\r\n${LOGO}\r\n--${b}r--`;
    } else {
      headers.push(`Content-Type: multipart/mixed; boundary="${b}m"`);
      body =
        `--${b}m\r\nContent-Type: multipart/alternative; boundary="${b}a"\r\n\r\n${alt}\r\n--${b}m\r\nContent-Type: application/pdf; ` +
        `name="=?UTF-8?Q?Angebot_K=C3=B6ln.pdf?="\r\nContent-Disposition: attachment; filename="offer.pdf"\r\nContent-Transfer-Encoding: ` +
        `base64\r\n\r\n${PDF}\r\n--${b}m--`;
    }
  }
  return `${headers.join('\r\n')}\r\n\r\n${body}\r\n`;
}

const corpus = Array.from({ length: CONFIG.messages }, (_, i) => Buffer.from(message(i)));
const bytes = corpus.reduce((t, m) => t + m.length, 0);
const fallback = new Date(0);

async function cpuMs(fn: (raw: Buffer) => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const raw of corpus) await fn(raw);
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall: performance.now() - t0 };
}

const headersOnly = (raw: Buffer) => parseEmail(raw, { fallbackReceivedAt: fallback, headersOnly: true });
const full = (raw: Buffer) => PostalMime.parse(raw);
const ours = (raw: Buffer) => parseEmail(raw, { fallbackReceivedAt: fallback });

console.log(`${CONFIG.messages} messages, ${(bytes / 1e6).toFixed(1)} MB (mean ${Math.round(bytes / CONFIG.messages / 1024)} KB)`);
// Sanity: the headers-only path reads the same participants as the full one.
for (const raw of corpus.slice(0, 50)) {
  const [h, f] = [await headersOnly(raw), await ours(raw)];
  if (JSON.stringify([h.from, h.to, h.cc, h.messageId, h.receivedAt]) !== JSON.stringify([f.from, f.to, f.cc, f.messageId, f.receivedAt]))
    throw new Error('headers-only and full parse disagree');
}
await cpuMs(headersOnly); // warm-up
await cpuMs(full);
const h: number[] = [];
const f: number[] = [];
const o: number[] = [];
for (let r = 0; r < CONFIG.runs; r++) {
  const order = r % 2 ? [full, headersOnly, ours] : [headersOnly, full, ours];
  const got = new Map<unknown, number>();
  for (const fn of order) got.set(fn, (await cpuMs(fn)).cpu);
  h.push(got.get(headersOnly)!);
  f.push(got.get(full)!);
  o.push(got.get(ours)!);
  console.log(
    `run ${r + 1}: headers-only ${Math.round(h[r]!)} ms CPU, postal-mime full ${Math.round(f[r]!)} ms, Touchpoint's full parse ${Math.round(o[r]!)} ms`,
  );
}

saveResults(
  'parse',
  [
    ratioRow({
      id: 'parse.headers-only',
      what: `parse ${CONFIG.messages.toLocaleString('en-US')} real-world-shaped messages, headers only (CPU)`,
      limit: 'postal-mime full parse of the same messages',
      unit: 'ms',
      value: h,
      limitRuns: f,
      kind: 'time',
      maxRatio: 1,
      targetText: 'faster than the full parse (< 1×)',
      strictlyBelow: true,
    }),
    absoluteRow({
      id: 'parse.full',
      what: "for reference: Touchpoint's full parse (bodies too) of the same (CPU)",
      unit: 'ms',
      value: o,
      target: '—',
      met: () => true,
    }),
  ],
  { config: CONFIG, corpusBytes: bytes, medians: { headersOnlyMs: median(h), postalMimeFullMs: median(f), touchpointFullMs: median(o) } },
);
