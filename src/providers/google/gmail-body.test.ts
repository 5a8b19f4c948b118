// A linked message's body read through the Gmail source (format=full in a batch, against the
// Google emulator; gmail-full-body.test.ts covers the fixtures and the format=raw cases) is the
// item the MIME parser gives for the whole message: text, HTML and fields.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleEmulator } from '../../../test/emulators/google.js';
import { parseEmail } from '../../formats/mime/parse-email.js';
import { GoogleTokens } from './auth.js';
import { GmailMailSource } from './gmail-mail-source.js';

const HEAD = 'From: John <john@acme.com>\r\nTo: alice@ourco.com\r\nSubject: Renewal\r\nDate: Tue, 03 Mar 2026 09:00:00 +0000\r\n';
const AT = '2026-03-03T09:00:00.000Z';
const messages: Record<string, string> = {
  plain: `${HEAD}Message-ID: <plain@acme.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\n\r\nthe renewal — agreed.\r\n`,
  flowed: `${HEAD}Message-ID: <flowed@acme.com>\r\nContent-Type: text/plain; format=flowed\r\n\r\nOne long \r\nline.\r\n> quoted\r\n`,
  html: `${HEAD}Message-ID: <html@acme.com>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello</p>\r\n<p>Acme &amp; us</p>\r\n`,
  alternative:
    `${HEAD}Message-ID: <alt@acme.com>\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n` +
    '--b1\r\nContent-Type: text/plain\r\n\r\nHello\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>Hello</p>\r\n--b1--\r\n',
  quoted: `${HEAD}Message-ID: <qp@acme.com>\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9 at 10=\r\n, ok\r\n`,
};

const g = new GoogleEmulator();
let source: GmailMailSource;

beforeAll(async () => {
  await g.start();
  for (const [id, raw] of Object.entries(messages)) g.addMessage(id, raw, AT);
  const tokens = new GoogleTokens({ clientId: 'cid', clientSecret: 'secret', tokenUrl: g.tokenUrl }, g.issueRefreshToken());
  source = new GmailMailSource({ tokens, authorizedAt: new Date('2026-03-01T00:00:00Z'), rootUrl: g.url });
});
afterAll(() => g.stop());

describe('Gmail linked bodies', () => {
  it('each body asked for together is the whole parse of its message (text, HTML and fields)', async () => {
    const ids = Object.keys(messages);
    const got = await Promise.all(ids.map((id) => source.fetchBody(id)));
    for (const [k, id] of ids.entries()) {
      const whole = await parseEmail(Buffer.from(messages[id]!), { fallbackReceivedAt: new Date(AT) });
      whole.receivedAt = new Date(AT); // Gmail's internalDate, as the source sets it
      expect(got[k], id).toEqual(whole);
    }
    expect(got.find((m) => m?.messageId === 'plain@acme.com')?.text).toBe('Hello,\n\nthe renewal — agreed.\n');
  });
});
