import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanMessageId, MalformedItemError, parseEmail } from './parse-email.js';
import { emailManifest } from '../../../test/fixtures/manifest.js';
import { parseMailDate } from './mail-date.js';

const EML_DIR = path.resolve(import.meta.dirname, '../../../test/fixtures/real/eml');
const FALLBACK = new Date('2030-01-01T00:00:00Z');
const read = (name: string) => readFileSync(path.join(EML_DIR, name));
const parse = (name: string, headersOnly = false) => parseEmail(read(name), { fallbackReceivedAt: FALLBACK, headersOnly });

describe('parseEmail on every real-world fixture', () => {
  const files = readdirSync(EML_DIR).filter((f) => f.endsWith('.eml'));
  const manifest = emailManifest();

  it('has the fixtures, each with its expected outcome in the manifest', () => {
    expect(files.length).toBeGreaterThanOrEqual(60);
    expect(Object.keys(manifest).sort()).toEqual([...files].sort());
  });

  it.each(files)('%s has the outcome its manifest entry says', async (file) => {
    const expected = manifest[file]!;
    const outcome = await parse(file).then(
      (item) => ({ item }),
      (error: unknown) => ({ error }),
    );
    if (expected.outcome === 'malformed') {
      expect('error' in outcome ? outcome.error : outcome.item).toBeInstanceOf(MalformedItemError);
      expect((outcome as { error: MalformedItemError }).error.reason).toContain(expected.reason);
      return;
    }
    if ('error' in outcome) throw outcome.error;
    const { item } = outcome;
    const addresses = (list: { address: string }[]) => list.map((a) => a.address);
    expect({
      from: addresses(item.from),
      to: addresses(item.to),
      cc: addresses(item.cc),
      date: item.sentAt?.toISOString() ?? null,
      subject: item.subject !== '',
    }).toEqual({ from: expected.from, to: expected.to, cc: expected.cc, date: expected.date, subject: expected.subject });
    expect(item.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(Number.isNaN(item.receivedAt.getTime())).toBe(false);
  });
});

describe('fixture provenance', () => {
  it('lists every real-world .eml and .ics in SOURCES.tsv under a permissive license', () => {
    const root = path.dirname(EML_DIR);
    const rows = readFileSync(path.join(root, 'SOURCES.tsv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'));
    const listed = new Map(rows.map((r) => [r[0], r[4]]));
    for (const dir of ['eml', 'ics']) {
      for (const f of readdirSync(path.join(root, dir))) {
        expect(listed.get(`${dir}/${f}`), `${dir}/${f}`).toMatch(/^(MIT|Apache-2\.0|BSD-[23]-Clause|MPL-2\.0|Apache-2\.0 OR MIT)$/);
      }
    }
  });
});

describe('parseEmail on damaged real-world files (fast-check)', () => {
  const files = readdirSync(EML_DIR)
    .filter((f) => f.endsWith('.eml'))
    .map((name) => ({ name, bytes: read(name) }));

  it('parses or throws MalformedItemError, never anything else; an undamaged file keeps its manifest outcome', async () => {
    const manifest = emailManifest();
    const flips = fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 20 });
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: files.length - 1 }), flips, fc.option(fc.nat()), async (fi, edits, cut) => {
        const original = files[fi]!;
        const buf = Buffer.from(original.bytes);
        for (const [pos, byte] of edits) buf[pos % buf.length] = byte;
        const input = cut === null ? buf : buf.subarray(0, cut % (buf.length + 1));
        const err = await parseEmail(input, { fallbackReceivedAt: FALLBACK }).then(
          () => null,
          (e: unknown) => e,
        );
        if (err !== null && !(err instanceof MalformedItemError)) throw err;
        if (input.equals(original.bytes) && manifest[original.name]?.outcome === 'parses') expect(err).toBeNull();
      }),
      { numRuns: 100 },
    );
  });
});

describe('parseEmail facts', () => {
  it('decodes RFC 2047 display names (UTF-8 Q and ISO-2022-JP)', async () => {
    const qp = await parse('enmime__qp-utf8-header.eml');
    expect(qp.from).toContainEqual({ address: 'PIRARD@vm1.ulg.ac.be', name: 'André Pirard' });
    expect(qp.to).toEqual([{ address: 'marczak@inbucket.com', name: 'Mirosław Marczak' }]);
    const jp = await parse('mikel-mail__japanese_iso_2022.eml');
    expect(jp.to[0]?.name).toBe('みける');
    expect(jp.subject).toBe('まみむめも');
  });

  it('keeps a quoted comma inside a display name', async () => {
    const item = await parse('php-mime-mail-parser__issue230.eml');
    expect(item.from).toEqual([{ address: 'science@news-s.info', name: 'Science and Education Foundation, Bulgaria' }]);
  });

  it('flattens group syntax and drops empty groups and comments (RFC 5322 A.5)', async () => {
    const item = await parse('mikel-mail__example10.eml');
    expect(item.to.map((a) => a.address)).toEqual(['c@public.example', 'joe@example.org', 'jdoe@one.test']);
    expect(item.from.map((a) => a.address)).toEqual(['pete@silly.test']);
    expect(item.cc).toEqual([]); // "Undisclosed recipients:;"
    expect((await parse('mikel-mail__empty_group_lists.eml')).to).toEqual([]);
    // <Undisclosed-Recipient:@mailman.enron.com;> is not an address
    expect((await parse('mikel-mail__missing_body.eml')).to).toEqual([]);
  });

  it('keeps every From mailbox', async () => {
    const item = await parse('mikel-mail__raw_email_with_at_display_name.eml');
    expect(item.from.map((a) => a.address)).toEqual(['test@lindsaar.net', 'jack@lindsar.com']);
  });

  it('gives null messageId and a stable fingerprint when Message-ID is missing', async () => {
    const a = await parse('mikel-mail__japanese_iso_2022.eml');
    const b = await parse('mikel-mail__japanese_iso_2022.eml');
    expect(a.messageId).toBeNull();
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe((await parse('talon__outlook.eml')).fingerprint);
  });

  it('strips the angle brackets of Message-ID', async () => {
    expect((await parse('talon__gmail.eml')).messageId).toBe('CAKsfaBW4hj0Gek6TwbR3erng4P1y0CZzJ0d=pXtCNnYnbe7PLg@mail.gmail.com');
    expect(cleanMessageId('  <a@b>  ')).toBe('a@b');
    expect(cleanMessageId('<>')).toBeNull();
    expect(cleanMessageId('bare@id')).toBe('bare@id');
  });

  it('sets sentAt null for an unparseable Date and takes receivedAt from the topmost Received', async () => {
    const bad = await parse('mikel-mail__raw_email_with_bad_date.eml'); // "Pn, 29 paX 2007"
    expect(bad.sentAt).toBeNull();
    expect(bad.receivedAt.toISOString()).toBe('2007-11-05T09:17:37.000Z');
    const empty = await parse('mikel-mail__bad_date_header.eml');
    expect(empty.sentAt).toBeNull();
    expect(empty.receivedAt.toISOString()).toBe('2010-12-11T03:20:19.000Z');
    const hops = await parse('flanker__multi-received-headers.eml');
    expect(hops.receivedAt.toISOString()).toBe('2011-02-09T08:55:38.000Z');
  });

  it('falls back to sentAt, then to fallbackReceivedAt', async () => {
    const noReceived = await parse('talon__gmail.eml');
    expect(noReceived.receivedAt).toEqual(noReceived.sentAt);
    expect((await parse('talon__outlook.eml')).receivedAt).toEqual(FALLBACK); // no Date, no Received
  });

  it('keeps Bcc', async () => {
    const raw =
      'From: Me <me@ours.com>\r\nTo: a@customer.com\r\nBcc: Boss <boss@ours.com>, "Secret, Agent" <x@customer.com>\r\n' +
      'Date: Tue, 2 Jan 2024 10:00:00 +0100\r\nSubject: hi\r\nMessage-ID: <1@ours.com>\r\n\r\nbody\r\n';
    const item = await parseEmail(raw, { fallbackReceivedAt: FALLBACK });
    expect(item.bcc).toEqual([
      { address: 'boss@ours.com', name: 'Boss' },
      { address: 'x@customer.com', name: 'Secret, Agent' },
    ]);
    expect(item.sentAt?.toISOString()).toBe('2024-01-02T09:00:00.000Z');
    expect(item.text).toContain('body');
  });

  it('skips the body when headersOnly', async () => {
    const item = await parse('talon__outlook.eml', true);
    expect(item.text).toBeUndefined();
    expect(item.html).toBeUndefined();
    expect(item.subject).toBe('Test');
  });

  it('parses broken MIME as far as it goes', async () => {
    const item = await parse('flanker__missing-final-boundary.eml');
    expect(item.to.map((a) => a.address)).toEqual(['bob@example.com', 'hithere@example.com']);
  });

  it('rejects input that is not an email, in plain words', async () => {
    for (const raw of ['', '   \n', 'hello world\nthis is just a note\n', Buffer.from([0, 1, 2, 3, 255, 254, 10, 10, 65])]) {
      const err = await parseEmail(raw, { fallbackReceivedAt: FALLBACK }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MalformedItemError);
      expect((err as MalformedItemError).reason.length).toBeGreaterThan(5);
    }
  });

  it('fingerprint ignores address case and order', async () => {
    const mk = (to: string) => parseEmail(`From: A@X.com\r\nTo: ${to}\r\nSubject: s\r\n\r\n`, { fallbackReceivedAt: FALLBACK });
    expect((await mk('b@y.com, C@z.com')).fingerprint).toBe((await mk('c@z.com, B@Y.com')).fingerprint);
  });
});

describe('parseMailDate', () => {
  it('reads RFC 5322 dates, with comments and obsolete zones', () => {
    expect(parseMailDate('Sat, 30 Jun 2012 06:06:01 -0700 (PDT)')?.toISOString()).toBe('2012-06-30T13:06:01.000Z');
    expect(parseMailDate('14 Oct 2010 23:25:06 -0400')?.toISOString()).toBe('2010-10-15T03:25:06.000Z');
    expect(parseMailDate('Mon, 1 Jul 1996 14:55:48 EST')?.toISOString()).toBe('1996-07-01T19:55:48.000Z');
  });

  it('reads a date without zone, or with an unknown one, as UTC (RFC 5322 §4.3)', () => {
    expect(parseMailDate('Tue, 2 Jan 2024 10:00:00')?.toISOString()).toBe('2024-01-02T10:00:00.000Z');
    expect(parseMailDate('Tue, 2 Jan 2024 10:00:00 CEST')?.toISOString()).toBe('2024-01-02T10:00:00.000Z');
  });

  it('refuses what V8 would guess at', () => {
    for (const s of ['<HR>', 'hello 12', '1', 'Pn, 29 paX 2007 21:13:00 +0100', '', undefined]) expect(parseMailDate(s)).toBeNull();
  });
});
