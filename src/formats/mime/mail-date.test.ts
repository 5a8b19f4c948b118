// Mail dates beyond the common shape, with expected instants written by hand from RFC 5322
// (§3.3 date-time, §3.2.2 comments, §4.3 obsolete zones) and RFC 5321 §4.4 (Received:).
// Added after the mutation run on src/formats/mime found these paths unexercised.
import { describe, expect, it } from 'vitest';
import { parseMailDate, parseReceivedDate, stripComments } from './mail-date.js';

const iso = (s: string | null | undefined) => parseMailDate(s)?.toISOString() ?? null;

describe('parseMailDate, the less common shapes', () => {
  it('reads every month by its RFC 5322 name, also spelled out or with a period', () => {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    months.forEach((m, i) => {
      expect(iso(`3 ${m} 2021 08:30:00 +0000`), m).toBe(`2021-${String(i + 1).padStart(2, '0')}-03T08:30:00.000Z`);
    });
    expect(iso('Fri, 3 September 2021 08:30:00 +0000')).toBe('2021-09-03T08:30:00.000Z');
    expect(iso('3 Sept. 2021 08:30:00 +0000')).toBe('2021-09-03T08:30:00.000Z');
  });

  it('applies a numeric zone, and the obsolete North American and universal zones (§4.3)', () => {
    expect(iso('Tue, 2 Jan 2024 10:00:00 +0230')).toBe('2024-01-02T07:30:00.000Z');
    expect(iso('Tue, 2 Jan 2024 10:00:00 -0800')).toBe('2024-01-02T18:00:00.000Z');
    expect(iso('Tue, 2 Jan 2024 10:00:00 PDT')).toBe('2024-01-02T17:00:00.000Z');
    expect(iso('Tue, 2 Jan 2024 10:00:00 CST')).toBe('2024-01-02T16:00:00.000Z');
    expect(iso('Tue, 2 Jan 2024 10:00:00 MDT')).toBe('2024-01-02T16:00:00.000Z');
    expect(iso('Tue, 2 Jan 2024 10:00:00 GMT')).toBe('2024-01-02T10:00:00.000Z');
    expect(iso('Tue, 2 Jan 2024 10:00:00 UT')).toBe('2024-01-02T10:00:00.000Z');
    // An unknown alphabetic zone is -0000, whatever letters it has.
    expect(iso('Tue, 2 Jan 2024 10:00:00 XYZ')).toBe('2024-01-02T10:00:00.000Z');
  });

  it('reads a folded header (line breaks and tabs inside the value)', () => {
    expect(iso('Tue,\r\n  2\tJan 2024\r\n 10:00:00 +0100')).toBe('2024-01-02T09:00:00.000Z');
  });

  it('reads ISO 8601 stamps some tools write; without a zone they are UTC', () => {
    expect(iso('2024-01-02T10:00:00')).toBe('2024-01-02T10:00:00.000Z');
    expect(iso('2024-01-02 10:00:00')).toBe('2024-01-02T10:00:00.000Z');
    expect(iso('2024-01-02T10:00:00+02:00')).toBe('2024-01-02T08:00:00.000Z');
    expect(iso('2024-01-02T10:00:00-0130')).toBe('2024-01-02T11:30:00.000Z');
    expect(iso('2024-01-02T10:00:00Z')).toBe('2024-01-02T10:00:00.000Z');
    expect(iso('2024-13-45T10:00:00')).toBeNull();
  });
});

describe('parseReceivedDate (RFC 5321 §4.4: the stamp after the last ";")', () => {
  it('reads the stamp after the last semicolon, and nothing without one', () => {
    const received = 'from mx.acme.com (mx.acme.com [192.0.2.1]) by mail.ourco.com; with ESMTP id 42; Tue, 2 Jan 2024 10:00:00 +0000';
    expect(parseReceivedDate(received)?.toISOString()).toBe('2024-01-02T10:00:00.000Z');
    expect(parseReceivedDate('from mx.acme.com by mail.ourco.com Tue, 2 Jan 2024 10:00:00 +0000')).toBeNull();
  });
});

describe('stripComments (RFC 5322 §3.2.2)', () => {
  it('removes nested comments and keeps the rest as written', () => {
    expect(stripComments('a (b (c) d) e')).toBe('a  e');
    expect(stripComments('10:00 +0000 (Pacific (Daylight) Time)')).toBe('10:00 +0000 ');
  });

  it('keeps a quoted string whole, parentheses included', () => {
    expect(stripComments('"x (y)" z (gone)')).toBe('"x (y)" z ');
  });

  it('honours backslash escapes: an escaped parenthesis neither opens nor closes a comment', () => {
    expect(stripComments('a \\( b')).toBe('a \\( b');
    expect(stripComments('a (b \\) c) d')).toBe('a  d');
    expect(stripComments('a \\"(b)" c')).toBe('a \\"" c');
  });

  it('ignores a closing parenthesis with no comment open', () => {
    expect(stripComments('a ) b')).toBe('a ) b');
  });
});
