// Linked IMAP mail's body is read from its text parts alone (BODYSTRUCTURE, then n.MIME + n of
// its text/plain and text/html parts), not from the whole message. What is stored and shown must
// not change: for each shape of mail below the text and HTML equal the whole message's parse
// (the path re-decision and the folder source take). Real Dovecot.
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import type { EmailItem } from '../../src/domain/items.js';
import { parseEmail } from '../../src/formats/mime/parse-email.js';
import { readImapConfig } from '../../src/providers/imap/config.js';
import { ImapMailSource } from '../../src/providers/imap/imap-mail-source.js';
import { ImapSession } from '../../src/providers/imap/session.js';
import { TEST_OUTBOUND } from '../support/config.js';
import { mailClient, startMailServer, type Dovecot } from '../support/imap.js';

const AUTH = new Date('2026-03-01T00:00:00Z');
const AT = new Date('2026-03-05T10:00:00Z');
let d: Dovecot;

const head = (id: string, contentType: string, extra: string[] = []) =>
  [
    'From: John Smith <john@acme.com>',
    'To: Alice <alice@ourco.com>',
    `Subject: ${id}`,
    'Date: Thu, 05 Mar 2026 09:58:00 +0000',
    `Message-ID: <${id}@acme.com>`,
    'MIME-Version: 1.0',
    `Content-Type: ${contentType}`,
    ...extra,
  ].join('\r\n');

const alternative = (b: string) =>
  [
    `--${b}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Gr=C3=BC=C3=9Fe from Acme, about the renewal =E2=80=94 a long line that is wr=',
    'apped softly.',
    '',
    '-- ',
    'John',
    `--${b}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    '<p>Gr=C3=BC=C3=9Fe from <b>Acme</b></p><img src=3D"cid:logo@acme">',
    `--${b}--`,
  ].join('\r\n');

/** Each message as the bytes APPENDed (a Buffer where the charset is not UTF-8). */
const MESSAGES: Record<string, Buffer> = {
  alternative: Buffer.from(`${head('alternative', 'multipart/alternative; boundary="alt-1"')}\r\n\r\n${alternative('alt-1')}\r\n`),
  quotedPrintable: Buffer.from(
    `${head('qp', 'text/plain; charset=iso-8859-1', ['Content-Transfer-Encoding: quoted-printable'])}\r\n\r\n` +
      'Caf=E9 cr=E8me, soft=\r\nbreak and =3D signs.\r\n\r\n',
  ),
  base64: Buffer.from(
    `${head('base64', 'text/html; charset=utf-8', ['Content-Transfer-Encoding: base64'])}\r\n\r\n` +
      `${Buffer.from('<html><body><p>Ünïcödé in base64</p>\r\n<p>two lines</p></body></html>')
        .toString('base64')
        .replace(/(.{60})/g, '$1\r\n')}\r\n`,
  ),
  latin1: Buffer.from(
    `${head('latin1', 'text/plain; charset=ISO-8859-1', ['Content-Transfer-Encoding: 8bit'])}\r\n\r\nR\xe9sum\xe9 du contrat, ann\xe9e 2026.\r\n\r\n\r\nMerci.\r\n`,
    'latin1',
  ),
  shiftJis: Buffer.concat([
    Buffer.from(`${head('sjis', 'text/plain; charset=Shift_JIS')}\r\n\r\n`),
    Buffer.from([0x82, 0xa0, 0x82, 0xa2, 0x82, 0xa4, 0x0d, 0x0a]), // あいう
  ]),
  attachments: Buffer.from(
    `${head('attachments', 'multipart/mixed; boundary="mix-1"')}\r\n\r\n` +
      [
        'This is a multi-part message in MIME format.',
        '--mix-1',
        'Content-Type: multipart/related; boundary="rel-1"',
        '',
        '--rel-1',
        'Content-Type: multipart/alternative; boundary="alt-2"',
        '',
        alternative('alt-2'),
        '--rel-1',
        'Content-Type: image/png',
        'Content-Transfer-Encoding: base64',
        'Content-ID: <logo@acme>',
        '',
        Buffer.from('not really a png').toString('base64'),
        '--rel-1--',
        '--mix-1',
        'Content-Type: application/pdf; name="contract.pdf"',
        'Content-Disposition: attachment; filename="contract.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.alloc(3000, 7)
          .toString('base64')
          .replace(/(.{76})/g, '$1\r\n'),
        '--mix-1',
        'Content-Type: text/plain; name="notes.txt"',
        'Content-Disposition: attachment; filename="notes.txt"',
        '',
        'an attached text file is not the body',
        '--mix-1--',
        '',
      ].join('\r\n'),
  ),
  // Text and HTML side by side (not alternatives): each is also converted to the other type.
  mixedText: Buffer.from(
    `${head('mixed-text', 'multipart/mixed; boundary="mix-2"')}\r\n\r\n` +
      [
        '--mix-2',
        'Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes',
        '',
        'A flowed para ',
        'graph here.',
        '',
        '',
        '--mix-2',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>Then HTML</p>',
        '--mix-2',
        'Content-Type: text/plain',
        '',
        '',
        '--mix-2--',
        '',
      ].join('\r\n'),
  ),
  // A forwarded message inline: its header block joins the body, so it is read whole.
  forwarded: Buffer.from(
    `${head('forwarded', 'multipart/mixed; boundary="mix-3"')}\r\n\r\n` +
      [
        '--mix-3',
        'Content-Type: text/plain',
        '',
        'See below.',
        '--mix-3',
        'Content-Type: message/rfc822',
        '',
        'From: kate@acme.com',
        'Subject: Original',
        '',
        'The original text.',
        '--mix-3--',
        '',
      ].join('\r\n'),
  ),
  attachmentOnly: Buffer.from(
    `${head('attachment-only', 'application/pdf', ['Content-Transfer-Encoding: base64', 'Content-Disposition: attachment'])}\r\n\r\n${Buffer.from('%PDF').toString('base64')}\r\n`,
  ),
};

beforeAll(async () => {
  d = await startMailServer({ users: { alice: 'pw-alice' } });
  const c = await mailClient(d, 'alice', 'pw-alice');
  try {
    for (const raw of Object.values(MESSAGES)) await c.append('INBOX', raw, [], AT);
  } finally {
    await c.logout();
  }
}, 300_000);

afterAll(async () => {
  await d?.stop();
});

afterEach(() => {
  vi.restoreAllMocks();
});

const source = () =>
  new ImapMailSource({
    config: readImapConfig({ host: d.host, port: d.port, security: 'plain', user: 'alice', auth: 'password', folders: ['INBOX'] }),
    secret: 'pw-alice',
    authorizedAt: AUTH,
    outbound: TEST_OUTBOUND,
  });

/** Every message's body as the sync reads it: asked for during its page, as ingest does. */
async function bodiesBySync(): Promise<Map<string, EmailItem | null>> {
  const src = source();
  const out = new Map<string, EmailItem | null>();
  for await (const p of src.changes(null)) {
    expect(p.errors).toEqual([]);
    const bodies = await Promise.all(p.sightings.map((s) => src.fetchBody(s.ref)));
    for (const [i, s] of p.sightings.entries()) out.set(s.item.subject, bodies[i]!);
  }
  return out;
}

const body = (e: EmailItem | null | undefined) => ({ text: e?.text, html: e?.html });

it('stores the same text and HTML as the whole message parse: alternative, quoted-printable, base64, other charsets, attachments', async () => {
  const parts = vi.spyOn(ImapSession.prototype, 'fetchTextParts');
  const whole = vi.spyOn(ImapSession.prototype, 'fetchSources');
  const got = await bodiesBySync();
  expect(got.size).toBe(Object.keys(MESSAGES).length);
  for (const raw of Object.values(MESSAGES)) {
    const expected = await parseEmail(raw, { fallbackReceivedAt: AT });
    expect(body(got.get(expected.subject)), expected.subject).toEqual(body(expected));
  }
  // Read by parts, except the forwarded message (its inline message needs the whole source).
  expect(parts).toHaveBeenCalled();
  expect(whole).toHaveBeenCalledTimes(1);
  expect(whole.mock.calls[0]![0]).toHaveLength(1);
});

it('keeps the sighting fields and decodes what the shapes carry', async () => {
  const got = await bodiesBySync();
  const alt = got.get('alternative')!;
  expect(alt.from).toEqual([{ address: 'john@acme.com', name: 'John Smith' }]);
  expect(alt.receivedAt.toISOString()).toBe(AT.toISOString());
  expect(alt.text).toContain('Grüße from Acme, about the renewal — a long line that is wrapped softly.');
  expect(alt.html).toContain('<b>Acme</b>');
  expect(got.get('latin1')!.text).toContain('Résumé du contrat, année 2026.');
  expect(got.get('sjis')!.text).toBe('あいう\n');
  expect(got.get('attachments')!.text).not.toContain('an attached text file');
  expect(got.get('attachment-only')!.text).toBeUndefined();
});

it('a message that is no longer there gives no body, as before', async () => {
  const src = source();
  for await (const p of src.changes(null)) {
    if (p.sightings.length === 0) continue;
    const c = await mailClient(d, 'alice', 'pw-alice');
    await c.mailboxOpen('INBOX');
    const [ref] = p.sightings.map((s) => s.ref);
    const uid = Number(/UID=(\d+)$/.exec(ref!)![1]);
    await c.messageDelete(String(uid), { uid: true });
    await c.logout();
    expect(await src.fetchBody(ref!)).toBeNull();
  }
});
