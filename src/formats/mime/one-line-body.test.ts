// A single-part message with its body rewritten as one base64 line must parse to the very
// item (text and HTML included) of the message as it came; anything that is not one plain
// part is left alone (null).
import { describe, expect, it } from 'vitest';
import { withOneLineBody } from './one-line-body.js';
import { parseEmail } from './parse-email.js';

const opts = { fallbackReceivedAt: new Date('2026-03-01T00:00:00Z') };
const HEAD =
  'From: John <john@acme.com>\r\nTo: alice@ourco.com\r\nSubject: Renewal\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <r1@acme.com>\r\n';

async function same(raw: Buffer): Promise<void> {
  const oneLine = withOneLineBody(raw);
  expect(oneLine, 'rewritten').not.toBeNull();
  expect(await parseEmail(oneLine!, opts)).toEqual(await parseEmail(raw, opts));
}

const cases: [string, string | Buffer][] = [
  ['plain text, CRLF', `${HEAD}Content-Type: text/plain; charset=utf-8\r\n\r\nHello John,\r\n\r\nthe renewal — ok.\r\n`],
  ['no Content-Type at all, LF only', `${HEAD.replace(/\r\n/g, '\n')}\nline one\nline two\n`],
  ['no newline at the end', `${HEAD}\r\nlast line without a break`],
  ['an empty body', `${HEAD}\r\n`],
  ['blank lines and lines of CRs only', `${HEAD}\r\n\r\n\r\r\na\r\r\nb\rc\r\n\r\n`],
  ['the header ends in a line of CRs', `${HEAD}\r\r\nbody\r\n`],
  ['HTML', `${HEAD}Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hello</p>\r\n<p>World &amp; co</p>\r\n`],
  [
    'format=flowed, delsp=yes',
    `${HEAD}Content-Type: text/plain; format=flowed; delsp=yes\r\n\r\nA long \r\nline, flowed.\r\n> quoted \r\n> on.\r\n`,
  ],
  ['7bit named twice, a comment', `${HEAD}Content-Transfer-Encoding: (plain) 7bit\r\nContent-Transfer-Encoding: 8bit\r\n\r\ntext\r\n`],
  ['an unknown transfer encoding', `${HEAD}Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 a\r\nend\r\n`],
  ['a lone attachment', `${HEAD}Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n%PDF-1.4\r\n`],
  ['text marked as attachment', `${HEAD}Content-Disposition: attachment\r\n\r\nnot the body\r\n`],
  [
    'Latin-1, 8bit',
    Buffer.concat([
      Buffer.from(`${HEAD}Content-Type: text/plain; charset=iso-8859-1\r\n\r\n`),
      Buffer.from('Gr\xfc\xdfe, Andr\xe9\r\n', 'latin1'),
    ]),
  ],
  ['a body over the base64 decoder chunk (100 KB)', `${HEAD}\r\n${'0123456789abcdef ~ line\r\n'.repeat(6000)}`],
];

describe('withOneLineBody', () => {
  for (const [name, raw] of cases) it(`parses to the same item: ${name}`, () => same(Buffer.from(raw)));

  it('parses to the same item for 200 seeded mixes of line endings, bytes and types', async () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const ends = ['\r\n', '\n', '\r\r\n', '\r', ''];
    const types = [
      '',
      'Content-Type: text/plain; charset=utf-8\r\n',
      'Content-Type: text/html\r\n',
      'Content-Type: text/plain; format=flowed\r\n',
    ];
    for (let k = 0; k < 200; k++) {
      const lines: Buffer[] = [];
      for (let l = rnd(12); l >= 0; l--) {
        const bytes = Array.from({ length: rnd(30) }, () => [0x20, 0x41 + rnd(26), 0x3e, 0xc3, 0xa9, 0x2d][rnd(6)]!);
        lines.push(Buffer.from(bytes), Buffer.from(ends[rnd(ends.length)]!));
      }
      await same(Buffer.concat([Buffer.from(`${HEAD}${types[rnd(types.length)]}\r\n`), ...lines]));
    }
  });

  it('leaves alone what is not one plain part, or has no header block', () => {
    const none: string[] = [
      `${HEAD}Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n`,
      `${HEAD}Content-Type: message/rfc822\r\n\r\n${HEAD}\r\ninner\r\n`,
      `${HEAD}Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n`,
      `${HEAD}Content-Transfer-Encoding: Quoted-Printable\r\n\r\nh=C3=A9\r\n`,
      `${HEAD}X-Note: mentions base64 in passing\r\n\r\ntext\r\n`,
      ` folded first\r\n${HEAD}\r\ntext\r\n`,
      '\r\nno header at all\r\n',
      `${HEAD}`,
    ];
    for (const raw of none) expect(withOneLineBody(Buffer.from(raw)), raw).toBeNull();
  });
});
