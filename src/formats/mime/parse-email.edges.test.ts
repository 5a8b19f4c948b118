// parseEmail at its edges, each expected value written by hand: what counts as an email at
// all, the header block read when only headers are wanted (CRLF and LF-only files), and what
// the fingerprint of a mail without Message-ID ignores. Added after the mutation run on
// src/formats/mime showed these paths could change without any test failing.
import { describe, expect, it } from 'vitest';
import { cleanMessageId, MalformedItemError, parseEmail } from './parse-email.js';

const FALLBACK = new Date('2030-01-01T00:00:00Z');
const parse = (raw: string | Buffer, headersOnly = false) => parseEmail(raw, { fallbackReceivedAt: FALLBACK, headersOnly });
const reasonOf = (raw: string | Buffer) =>
  parse(raw).then(
    () => 'parsed',
    (e: unknown) => (e instanceof MalformedItemError ? e.reason : `not a MalformedItemError: ${String(e)}`),
  );

describe('what counts as an email', () => {
  it('an empty or blank file is "the file is empty"', async () => {
    expect(await reasonOf('')).toBe('the file is empty');
    expect(await reasonOf(' \r\n\t\n')).toBe('the file is empty');
    expect(await reasonOf(Buffer.alloc(0))).toBe('the file is empty');
  });

  it('text without any of From, To, Date, Message-ID is not an email; a header that is present but empty does not count', async () => {
    const none = 'it has none of the From, To, Date or Message-ID headers';
    expect(await reasonOf('Subject: a note\r\nX-Mailer: notes\r\n\r\njust a note\r\n')).toBe(none);
    expect(await reasonOf('From: \r\nTo:  \r\nSubject: empty headers\r\n\r\nbody\r\n')).toBe(none);
  });

  it('a message the MIME parser refuses (multipart nested 300 deep) is a per-item error saying so', async () => {
    // postal-mime stops at 256 levels of nesting: the sync must report the one mail, not crash.
    let nested = 'From: a@acme.com\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n';
    for (let i = 1; i < 300; i++) nested += `--b${i - 1}\r\nContent-Type: multipart/mixed; boundary="b${i}"\r\n\r\n`;
    expect(await reasonOf(nested)).toMatch(/^the MIME parser gave up \(.*nesting/);
  });

  it('any one of From, To, Date or Message-ID is enough', async () => {
    for (const header of ['From: a@acme.com', 'To: b@acme.com', 'Date: Tue, 2 Jan 2024 10:00:00 +0000', 'Message-ID: <1@acme.com>']) {
      expect(await reasonOf(`${header}\r\nSubject: s\r\n\r\nbody\r\n`), header).toBe('parsed');
    }
  });
});

describe('headersOnly reads the whole header block and nothing after it', () => {
  const lfOnly = 'From: a@acme.com\nTo: b@ourco.com\nSubject: the last header\n\nbody line\r\n\r\nFrom: later@evil.example\n';
  const crlf = 'From: a@acme.com\r\nTo: b@ourco.com\r\nSubject: the last header\r\n\r\nbody line\n\nFrom: later@evil.example\r\n';

  it.each([
    ['LF-only, as a string', lfOnly],
    ['LF-only, as bytes', Buffer.from(lfOnly)],
    ['CRLF, as a string', crlf],
    ['CRLF, as bytes', Buffer.from(crlf)],
  ])('%s', async (_what, raw) => {
    const item = await parse(raw, true);
    expect(item.subject).toBe('the last header');
    expect(item.from.map((a) => a.address)).toEqual(['a@acme.com']);
    expect(item.to.map((a) => a.address)).toEqual(['b@ourco.com']);
    expect(item.text).toBeUndefined();
  });

  it('cuts raw UTF-8 bytes at the byte where the empty line is, not at its character index', async () => {
    // RFC 6532 lets headers carry raw UTF-8; each "ü" is two bytes but one character, so a
    // cut by character index would end 20 bytes early, inside the last header (the To).
    const raw = Buffer.from(`From: a@acme.com\r\nSubject: ${'ü'.repeat(20)}\r\nTo: renewals@customer.example\r\n\r\nbody\r\n`);
    const item = await parse(raw, true);
    expect(item.subject).toBe('ü'.repeat(20));
    expect(item.to.map((a) => a.address)).toEqual(['renewals@customer.example']);
  });

  it('a file with no empty line is all header', async () => {
    const item = await parse(Buffer.from('From: a@acme.com\r\nSubject: no body'), true);
    expect(item.subject).toBe('no body');
  });
});

describe('body and subject as read', () => {
  it('keeps the HTML part of an HTML-only mail, and the subject trimmed but otherwise as written', async () => {
    const raw =
      'From: a@acme.com\r\nSubject:   Hello   world  \r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hi <b>there</b></p>\r\n';
    const item = await parse(raw);
    expect(item.subject).toBe('Hello   world');
    expect(item.html).toContain('<p>Hi <b>there</b></p>');
  });

  it('Message-ID keeps what is inside the brackets, trimmed', () => {
    expect(cleanMessageId('<  a@b  >')).toBe('a@b');
    expect(cleanMessageId('   ')).toBeNull();
    expect(cleanMessageId(undefined)).toBeNull();
  });
});

describe('the fingerprint of a mail without Message-ID', () => {
  const mail = (over: { date?: string; from?: string; to?: string; subject?: string } = {}) =>
    parse(
      `From: ${over.from ?? 'a@acme.com'}\r\nTo: ${over.to ?? 'b@ourco.com'}\r\nDate: ${over.date ?? 'Tue, 2 Jan 2024 10:00:00 +0000'}\r\n` +
        `Subject: ${over.subject ?? 'Renewal'}\r\n\r\nbody\r\n`,
    ).then((i) => i.fingerprint);

  it('ignores runs of spaces in the subject and the case of addresses', async () => {
    const base = await mail();
    expect(await mail({ subject: 'Renewal ' })).toBe(base);
    expect(await mail({ subject: 'Q3  renewal' })).toBe(await mail({ subject: 'Q3 renewal' }));
    expect(await mail({ from: 'A@ACME.COM', to: 'B@OurCo.com' })).toBe(base);
  });

  it('changes with the date, the sender, the recipients or the subject words', async () => {
    const base = await mail();
    for (const other of [
      { date: 'Tue, 2 Jan 2024 10:00:01 +0000' },
      { from: 'c@acme.com' },
      { to: 'b@ourco.com, d@ourco.com' },
      { subject: 'Renewals' },
    ]) {
      expect(await mail(other), JSON.stringify(other)).not.toBe(base);
    }
  });
});
