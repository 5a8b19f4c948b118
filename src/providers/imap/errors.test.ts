import { describe, expect, it } from 'vitest';
import { SourceError } from '../types.js';
import { backoffDelay } from './backoff.js';
import { readCursor } from './cursor.js';
import { translateImapError } from './errors.js';

describe('translateImapError', () => {
  it('AUTHENTICATIONFAILED (RFC 5530) → AUTH_FAILED in plain words', () => {
    const e = translateImapError(
      Object.assign(new Error('Command failed'), {
        authenticationFailed: true,
        serverResponseCode: 'AUTHENTICATIONFAILED',
        responseText: 'Authentication failed.',
      }),
      'imap.example.com:993',
    );
    expect(e).toBeInstanceOf(SourceError);
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.message).toBe(
      'the mail server imap.example.com:993 rejected the user name or password (the server said: Authentication failed.)',
    );
  });

  it('socket and connection errors → NETWORK; throttling → THROTTLED with its delay', () => {
    expect(translateImapError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'h:1').code).toBe('NETWORK');
    expect(translateImapError(Object.assign(new Error('Connection not available'), { code: 'NoConnection' }), 'h:1').code).toBe('NETWORK');
    const t = translateImapError(Object.assign(new Error('throttled'), { code: 'ETHROTTLE', throttleReset: 1500 }), 'h:1');
    expect([t.code, t.retryAfterMs]).toEqual(['THROTTLED', 1500]);
  });

  it('anything else is INTERNAL and keeps the message; a SourceError passes through', () => {
    expect(translateImapError(new Error('weird'), 'h:1')).toMatchObject({ code: 'INTERNAL', message: 'IMAP error at h:1: weird' });
    const own = new SourceError('CURSOR_INVALID', 'x');
    expect(translateImapError(own, 'h:1')).toBe(own);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially, is capped, and keeps half of it fixed (jitter on the other half)', () => {
    const o = { baseMs: 1000, capMs: 60_000 };
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, o, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, o, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(20, o, () => 1)).toBe(60_000);
    expect(backoffDelay(20, o, () => 0)).toBe(30_000);
  });
});

describe('readCursor', () => {
  it('keeps valid folder entries and starts over on anything it does not recognise', () => {
    const ok = { v: 1, folders: { INBOX: { uidValidity: '7', highestUid: 12, highestModseq: '99' }, Bad: { highestUid: 'x' } } };
    expect(readCursor(ok)).toEqual({ v: 1, folders: { INBOX: { uidValidity: '7', highestUid: 12, highestModseq: '99' } } });
    for (const junk of [null, 'x', { v: 2, folders: {} }, { 'INBOX/cur/1': 'mtime' }])
      expect(readCursor(junk)).toEqual({ v: 1, folders: {} });
  });
});
