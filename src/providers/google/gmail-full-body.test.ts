// Linked bodies from Gmail's format=full part tree (gmail-full-body.ts) must be what the whole
// message (format=raw) parses to: the real-world fixtures and generated shapes, served by the
// Google emulator (which builds the tree with postal-mime) and read with the official client
// and through the source's batches. Also: the tree's documented shape, and the cases that go
// back to format=raw (a text part too large to be inline, an enclosed message).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gmail, type gmail_v1 } from '@googleapis/gmail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleEmulator } from '../../../test/emulators/google.js';
import { parseEmail } from '../../formats/mime/parse-email.js';
import { GoogleTokens } from './auth.js';
import { bodyFromFullPayload } from './gmail-full-body.js';
import { GmailMailSource } from './gmail-mail-source.js';

const EML_DIR = path.resolve(import.meta.dirname, '../../../test/fixtures/real/eml');
const AT = '2026-03-03T09:00:00.000Z';
const HEAD =
  'From: John <john@acme.com>\r\nTo: alice@ourco.com\r\nSubject: Renewal\r\nDate: Tue, 03 Mar 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n';
const PDF = Buffer.from(Array.from({ length: 30_000 }, (_, i) => (i * 131 + 7) & 255))
  .toString('base64')
  .replace(/(.{76})/g, '$1\r\n');
const alt = (b: string) =>
  `--${b}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9 at 10, a long line that is =\r\nsoft-broken.\r\n` +
  `--${b}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Caf\u00e9</p>\r\n--${b}--`;

/** Generated shapes: the ones real mail has that the fixtures may lack. */
const generated: Record<string, string> = {
  plain: `${HEAD}Message-ID: <plain@acme.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\n\r\nthe renewal \u2014 agreed.\r\n`,
  'plain, LF only': `${HEAD.replace(/\r\n/g, '\n')}Message-ID: <lf@acme.com>\n\nline one\nline two\n`,
  flowed: `${HEAD}Message-ID: <flowed@acme.com>\r\nContent-Type: text/plain; format=flowed; delsp=yes\r\n\r\nOne long \r\nline.\r\n> quoted\r\n`,
  'base64 text': `${HEAD}Message-ID: <b64@acme.com>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('Hello\r\nWorld \u00e9\r\n').toString('base64')}\r\n`,
  alternative: `${HEAD}Message-ID: <alt@acme.com>\r\nContent-Type: multipart/alternative; boundary=a1\r\n\r\n${alt('a1')}\r\n`,
  'mixed > alternative + PDF': `${HEAD}Message-ID: <mixed@acme.com>\r\nContent-Type: multipart/mixed; boundary=m1\r\n\r\n--m1\r\nContent-Type: multipart/alternative; boundary=a1\r\n\r\n${alt('a1')}\r\n--m1\r\nContent-Type: application/pdf; name=offer.pdf\r\nContent-Disposition: attachment; filename=offer.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${PDF}\r\n--m1--\r\n`,
  'related, inline logo': `${HEAD}Message-ID: <rel@acme.com>\r\nContent-Type: multipart/related; boundary=r1\r\n\r\n--r1\r\nContent-Type: multipart/alternative; boundary=a1\r\n\r\n${alt('a1')}\r\n--r1\r\nContent-Type: image/png\r\nContent-ID: <logo>\r\nContent-Transfer-Encoding: base64\r\n\r\n${PDF.slice(0, 4000)}\r\n--r1--\r\n`,
  'mixed, two texts and a text attachment': `${HEAD}Message-ID: <two@acme.com>\r\nContent-Type: multipart/mixed; boundary=m2\r\n\r\n--m2\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--m2\r\nContent-Type: text/plain; name=notes.txt\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\nnot the body\r\n--m2\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe\r\n--m2--\r\n`,
  'attachment only': `${HEAD}Message-ID: <att@acme.com>\r\nContent-Type: multipart/mixed; boundary=m3\r\n\r\n--m3\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${PDF.slice(0, 2000)}\r\n--m3--\r\n`,
  'forwarded message/rfc822': `${HEAD}Message-ID: <fwd@acme.com>\r\nContent-Type: multipart/mixed; boundary=m4\r\n\r\n--m4\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--m4\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@y.com\r\nSubject: inner\r\nContent-Type: text/plain\r\n\r\ninner text\r\n--m4--\r\n`,
};

function corpus(): Map<string, string> {
  const out = new Map(Object.entries(generated));
  for (const f of readdirSync(EML_DIR)
    .filter((n) => n.endsWith('.eml'))
    .sort())
    out.set(f, readFileSync(path.join(EML_DIR, f), 'utf8'));
  // Seeded mixes of line endings in a nested message.
  let seed = 11;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const ends = ['\r\n', '\n', '\r\r\n'];
  for (let k = 0; k < 40; k++) {
    const lines = Array.from({ length: 1 + rnd(6) }, (_, i) => `line ${i}${' '.repeat(rnd(3))}`);
    const text = lines.map((l) => l + ends[rnd(3)]).join('') + (rnd(2) ? '' : 'no end');
    out.set(
      `mix ${k}`,
      `${HEAD}Message-ID: <mix${k}@acme.com>\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/${rnd(2) ? 'plain' : 'html'}\r\n\r\n${text}\r\n--x--\r\n`,
    );
  }
  return out;
}

const messages = corpus();
const ids = [...messages.keys()].map((_, i) => `m${i}`);
const g = new GoogleEmulator();
let tokens: GoogleTokens;
let api: gmail_v1.Gmail;
const source = () => new GmailMailSource({ tokens, authorizedAt: new Date('2026-03-01T00:00:00Z'), rootUrl: g.url });

beforeAll(async () => {
  g.setUserQuota(null);
  await g.start();
  for (const [i, raw] of [...messages.values()].entries()) g.addMessage(ids[i]!, raw, AT);
  tokens = new GoogleTokens({ clientId: 'cid', clientSecret: 'secret', tokenUrl: g.tokenUrl }, g.issueRefreshToken());
  api = gmail({ version: 'v1', auth: tokens.client, rootUrl: g.url });
});
afterAll(() => g.stop());

/** What the body path gave before: the whole message parsed, Gmail's internalDate as receivedAt. */
async function whole(raw: string) {
  const item = await parseEmail(Buffer.from(raw), { fallbackReceivedAt: new Date(AT) }).catch(() => null);
  if (item) item.receivedAt = new Date(AT);
  return item;
}

const full = async (id: string) => (await api.users.messages.get({ userId: 'me', id, format: 'full' })).data;
const names = [...messages.keys()];
const nameOf = (i: number) => names[i]!;
const idOf = (name: string) => ids[names.indexOf(name)]!;

describe('format=full in the Google emulator', () => {
  it('serves the documented part tree: single part in payload.body, nested parts with partIds, attachments by id', async () => {
    const plain = await full(idOf('plain'));
    expect(plain.payload?.parts).toBeUndefined();
    expect(plain.payload?.mimeType).toBe('text/plain');
    expect(Buffer.from(plain.payload!.body!.data!, 'base64url').toString()).toContain('the renewal \u2014 agreed.');
    expect(plain.payload?.headers?.find((h) => h.name === 'Subject')?.value).toBe('Renewal');

    const mixedId = idOf('mixed > alternative + PDF');
    const mixed = (await full(mixedId)).payload!;
    expect(mixed.mimeType).toBe('multipart/mixed');
    expect(mixed.parts?.map((p) => [p.partId, p.mimeType])).toEqual([
      ['0', 'multipart/alternative'],
      ['1', 'application/pdf'],
    ]);
    expect(mixed.parts![0]!.parts?.map((p) => [p.partId, p.mimeType])).toEqual([
      ['0.0', 'text/plain'],
      ['0.1', 'text/html'],
    ]);
    // The QP part's data is after transfer decoding, charset not converted.
    expect(Buffer.from(mixed.parts![0]!.parts![0]!.body!.data!, 'base64url').toString('utf8')).toBe(
      'Caf\u00e9 at 10, a long line that is soft-broken.\n',
    );
    const pdf = mixed.parts![1]!;
    expect(pdf.filename).toBe('offer.pdf');
    expect(pdf.body?.data).toBeUndefined();
    expect(pdf.body?.size).toBe(30_000);
    const att = await api.users.messages.attachments.get({ userId: 'me', messageId: mixedId, id: pdf.body!.attachmentId! });
    expect(Buffer.from(att.data.data!, 'base64url')).toEqual(Buffer.from(PDF.replace(/\r\n/g, ''), 'base64'));

    const fwd = (await full(idOf('forwarded message/rfc822'))).payload!;
    expect(fwd.parts![1]!.mimeType).toBe('message/rfc822');
    expect(fwd.parts![1]!.body?.attachmentId).toBeTruthy();
    expect(fwd.parts![1]!.parts![0]!.headers?.find((h) => h.name === 'Subject')?.value).toBe('inner');
  });

  it('a deleted id added again is served from its new content', async () => {
    const body = (text: string) => `${HEAD}Message-ID: <again@acme.com>\r\n\r\n${text}\r\n`;
    g.addMessage('again', body('first'), AT);
    expect(Buffer.from((await full('again')).payload!.body!.data!, 'base64url').toString()).toBe('first\n');
    g.deleteMessage('again');
    g.addMessage('again', body('second'), AT);
    expect(Buffer.from((await full('again')).payload!.body!.data!, 'base64url').toString()).toBe('second\n');
  });

  it('is read in batches too, as the real service does', async () => {
    g.log.length = 0;
    const got = await Promise.all(ids.slice(0, 3).map((id) => source().fetchBody(id)));
    expect(got.every(Boolean)).toBe(true);
    expect(g.log.filter((l) => l.includes('format=full')).length).toBe(3);
    expect(g.log.filter((l) => l.includes('format=raw'))).toEqual([]);
  });
});

describe('Gmail linked bodies from format=full', () => {
  it('the text parts give the text and HTML of the whole parse, for the fixtures and generated messages', async () => {
    let byParts = 0;
    for (const [i, id] of ids.entries()) {
      const raw = messages.get(nameOf(i))!;
      const body = await bodyFromFullPayload((await full(id)).payload!).catch(() => null);
      const item = await whole(raw);
      if (!body || !item) continue; // read whole (format=raw), below
      byParts++;
      expect({ text: body.text, html: body.html }, nameOf(i)).toEqual({ text: item.text, html: item.html });
    }
    // Most go by parts; the rest (enclosed messages, parser failures) are read whole.
    expect(byParts).toBeGreaterThan(ids.length * 0.75);
  });

  it('fetchBody gives the item format=raw gave (fields, text, HTML), without downloading the attachments', async () => {
    g.log.length = 0;
    g.batches.length = 0;
    const s = source();
    const got = await Promise.all(ids.map((id) => s.fetchBody(id).catch(() => 'failed' as const)));
    for (const [i, id] of ids.entries()) {
      const item = await whole(messages.get(nameOf(i))!);
      expect(got[i], `${nameOf(i)} (${id})`).toEqual(item ?? 'failed');
    }
    // Two batches of format=full (100 + 13), then the messages read whole together in one more.
    const rawReads = g.log.filter((l) => l.includes('format=raw'));
    expect(g.batches).toEqual([100, ids.length - 100, rawReads.length]);
    expect(rawReads.some((l) => l.includes(`/${idOf('mixed > alternative + PDF')}?`))).toBe(false);
    expect(rawReads.some((l) => l.includes(`/${idOf('forwarded message/rfc822')}?`))).toBe(true);
  });

  it('a text part too large to be inline (an attachmentId) makes that message read whole (format=raw)', async () => {
    const limit = g.fullInlineLimit;
    g.fullInlineLimit = 10;
    try {
      g.log.length = 0;
      const id = idOf('alternative');
      expect(await source().fetchBody(id)).toEqual(await whole(generated.alternative!));
      expect(g.log.filter((l) => l.includes(`/${id}?format=`)).map((l) => l.replace(/^.*format=/, ''))).toEqual(['full', 'raw']);
    } finally {
      g.fullInlineLimit = limit;
    }
  });

  it('CRs the service may keep in a 7bit part are read as postal-mime reads the raw body', async () => {
    const raw = `${HEAD}Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nHello\r\nWorld\r\n--a--\r\n`;
    const part = (data: string, mimeType: string, headers: [string, string][]) => ({
      partId: '0',
      mimeType,
      headers: headers.map(([name, value]) => ({ name, value })),
      body: { size: data.length, data: Buffer.from(data).toString('base64url') },
    });
    const payload = {
      partId: '',
      mimeType: 'multipart/alternative',
      headers: [{ name: 'Content-Type', value: 'multipart/alternative; boundary=a' }],
      body: { size: 0 },
      parts: [part('Hello\r\nWorld\r\n', 'text/plain', [['Content-Type', 'text/plain']])],
    };
    const item = await parseEmail(Buffer.from(raw), { fallbackReceivedAt: new Date(AT) });
    expect(await bodyFromFullPayload(payload)).toEqual({ text: item.text });
  });
});
