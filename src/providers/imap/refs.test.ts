import { describe, expect, it } from 'vitest';
import { gmailRef, parseRef, uidRef, uidSet } from './refs.js';

describe('IMAP refs', () => {
  it('round-trips mailbox, UIDVALIDITY and UID, with odd mailbox names', () => {
    for (const path of ['INBOX', 'Sent Items', 'Clients/Acme;Co', 'Écrits/été', '[Gmail]/All Mail']) {
      expect(parseRef(uidRef(path, '1700000000', 42))).toEqual({ kind: 'uid', path, uidValidity: '1700000000', uid: 42 });
    }
    expect(parseRef(gmailRef('1786543210987654321'))).toEqual({ kind: 'gmail', msgId: '1786543210987654321' });
  });

  it('rejects what it did not make (folder-connector paths, junk)', () => {
    for (const junk of ['INBOX/cur/1', 'gm:abc', '', 'INBOX;UIDVALIDITY=1/;UID=x']) expect(parseRef(junk)).toBeNull();
  });

  it('compresses UID sets into ranges (RFC 3501 sequence-set)', () => {
    expect(uidSet([7, 1, 2, 3, 9, 10, 12])).toBe('1:3,7,9:10,12');
    expect(uidSet([5])).toBe('5');
    expect(uidSet([])).toBe('');
  });
});
