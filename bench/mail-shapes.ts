// Real-world-shaped bodies for the cloud benchmark's Gmail mailbox (BENCH_GMAIL_SHAPES=real),
// the mix of bench/parse.bench.ts: 30 % plain, 40 % multipart/alternative (QP text + HTML), 20 %
// related (alternative + an 8 KB inline logo), 10 % mixed (alternative + a 60 KB PDF). The
// default mailbox is single-part plain text only, which is the cheapest body to parse whichever
// format it is read in; this shows what reading text parts alone (format=full) does on real mail.
const b64lines = (bytes: number) =>
  (
    Buffer.from(Buffer.alloc(bytes, 0).map((_, i) => (i * 131 + 7) & 255))
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');
const PDF = b64lines(60_000);
const LOGO = b64lines(8_000);
const paragraph =
  'Thanks for the call today. As discussed, we would like to move the renewal to the next quarter and add two seats for the new team in Lyon. ';
const html = (n: number) =>
  `<html><body>${`<p>${paragraph}</p>`.repeat(n)}<div class="sig"><b>Jane Doe</b><br>Head of Ops</div></body></html>`;

/** Message i's content header lines and body. */
export function shapedBody(i: number): { headers: string[]; body: string } {
  const kind = i % 10;
  const text = paragraph.repeat(3 + (i % 5));
  if (kind < 3) return { headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'], body: `${text}\r\n` };
  const b = `b${i}`;
  const alt =
    `--${b}a\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${text.replace(/(.{70})/g, '$1=\r\n')}\r\n` +
    `--${b}a\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${html(3 + (i % 5))}\r\n--${b}a--`;
  if (kind < 7) return { headers: [`Content-Type: multipart/alternative; boundary="${b}a"`], body: `${alt}\r\n` };
  if (kind < 9)
    return {
      headers: [`Content-Type: multipart/related; boundary="${b}r"`],
      body:
        `--${b}r\r\nContent-Type: multipart/alternative; boundary="${b}a"\r\n\r\n${alt}\r\n--${b}r\r\nContent-Type: ` +
        `image/png\r\nContent-ID: <logo>\r\nContent-Transfer-Encoding: base64\r\n\r\n${LOGO}\r\n--${b}r--\r\n`,
    };
  return {
    headers: [`Content-Type: multipart/mixed; boundary="${b}m"`],
    body:
      `--${b}m\r\nContent-Type: multipart/alternative; boundary="${b}a"\r\n\r\n${alt}\r\n--${b}m\r\nContent-Type: application/pdf; ` +
      `name="offer.pdf"\r\nContent-Disposition: attachment; filename="offer.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${PDF}\r\n--${b}m--\r\n`,
  };
}
