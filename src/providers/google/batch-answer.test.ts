// The direct split of a plain batch answer must read every part exactly as postal-mime did;
// anything else must fall back to postal-mime.
import { describe, expect, it } from 'vitest';
import { formatBatchAnswer } from '../../../test/emulators/gmail-batch.js';
import { parseBatchAnswer, parseWithPostalMime, splitPlainAnswer } from './batch-answer.js';

const json = (o: unknown) => JSON.stringify(o);
const answers: Parameters<typeof formatBatchAnswer>[1] = [
  {
    contentId: '0',
    answer: { status: 200, headers: { 'Content-Type': 'application/json; charset=UTF-8' }, body: json({ id: 'a', snippet: 'é ü 😀 --x' }) },
  },
  { contentId: '1', answer: { status: 404, headers: { 'Content-Type': 'application/json' }, body: json({ error: { code: 404 } }) } },
  {
    contentId: '2',
    answer: { status: 429, headers: { 'Retry-After': '7', 'Content-Type': 'application/json' }, body: json({ error: { code: 429 } }) },
  },
  { contentId: null, answer: { status: 200, headers: {}, body: json({ id: 'no-content-id' }) } },
  { contentId: '3', answer: { status: 200, headers: { 'Content-Type': 'application/json' }, body: `${json({ id: 'multi' })}\r\n` } },
];
const plain = formatBatchAnswer('batch_abc', answers);

const variants: [string, string, string][] = [
  ['as the emulator answers', 'multipart/mixed; boundary=batch_abc', plain],
  ['quoted boundary', 'multipart/mixed; boundary="batch_abc"', plain],
  ['LF line ends', 'multipart/mixed; boundary=batch_abc', plain.replace(/\r\n/g, '\n')],
  ['a preamble', 'multipart/mixed; boundary=batch_abc', `This is a preamble.\r\n${plain}`],
  [
    'stray CRs at line ends',
    'multipart/mixed; boundary=batch_abc',
    plain.replace(`${json({ id: 'multi' })}\r\n`, `${json({ id: 'multi' })}\r\r\n \r\n`),
  ],
  [
    'part charset and more parameters',
    'Multipart/Mixed; charset=UTF-8; boundary=batch_abc',
    plain.replaceAll('application/http\r\n', 'application/http; charset=UTF-8\r\n'),
  ],
];

describe('batch answer', () => {
  for (const [what, type, body] of variants)
    it(`reads a plain answer (${what}) directly, as postal-mime does`, async () => {
      const direct = splitPlainAnswer(type, body);
      expect(direct).not.toBeNull();
      expect(direct!.size).toBe(4);
      expect(direct).toEqual(await parseWithPostalMime(type, body));
      expect(direct!.get('2')).toMatchObject({ status: 429, headers: { 'retry-after': '7' } });
      expect(JSON.parse(direct!.get('0')!.body)).toEqual({ id: 'a', snippet: 'é ü 😀 --x' });
    });

  const b64 = plain.replace(
    `Content-ID: <response-1>\r\n\r\n${'HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n'}${json({ error: { code: 404 } })}\r\n`,
    `Content-ID: <response-1>\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n${json({ error: { code: 404 } })}`).toString('base64')}\r\n`,
  );
  const others: [string, string][] = [
    ['a transfer encoding', b64],
    ['no close delimiter', plain.replace('--batch_abc--\r\n', '')],
    ['the boundary inside a body', plain.replace('no-content-id', 'x--batch_abc y')],
    ['a lone surrogate', plain.replace('no-content-id', 'x\ud800y')],
    ['a part of another type', plain.replace('application/http\r\nContent-ID: <response-3>', 'text/plain\r\nContent-ID: <response-3>')],
  ];
  for (const [what, body] of others)
    it(`leaves an answer with ${what} to postal-mime`, async () => {
      expect(splitPlainAnswer('multipart/mixed; boundary=batch_abc', body)).toBeNull();
      expect(await parseBatchAnswer('multipart/mixed; boundary=batch_abc', body)).toEqual(
        await parseWithPostalMime('multipart/mixed; boundary=batch_abc', body),
      );
    });

  it('the base64 part is still read (through postal-mime)', async () => {
    expect((await parseBatchAnswer('multipart/mixed; boundary=batch_abc', b64)).get('1')?.status).toBe(404);
  });

  it('refuses an answer that is not multipart', async () => {
    await expect(parseBatchAnswer('application/json', '{}')).rejects.toThrow(/not multipart/);
  });
});
