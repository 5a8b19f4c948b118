// The scan window from ESEARCH's COUNT + ALL, or from a plain SEARCH (uid-window.ts).
import { describe, expect, it } from 'vitest';
import { survey } from './imap-mail-source.js';
import { listWindow, setWindow } from './uid-window.js';

describe('setWindow', () => {
  it('expands only the UIDs above the cursor from a compact set', () => {
    const w = setWindow('1:10000,10002,10005:10007', 10_004)!;
    expect(w.count).toBe(10_004);
    expect(w.above(10_000)).toEqual([10_002, 10_005, 10_006, 10_007]);
    expect(w.above(10_007)).toEqual([]);
    expect(w.above(0)).toHaveLength(10_004);
  });

  it('reads reversed ranges and an empty answer (ALL is left out when nothing matched)', () => {
    expect(setWindow('9:7', 3)?.above(7)).toEqual([8, 9]);
    expect(setWindow(undefined, 0)?.above(0)).toEqual([]);
  });

  it('refuses a set that does not hold exactly COUNT UIDs, or is malformed (the caller asks plainly)', () => {
    expect(setWindow('1:5', 4)).toBeNull();
    expect(setWindow(undefined, 2)).toBeNull();
    expect(setWindow('1:*', 1)).toBeNull();
    expect(setWindow('0:3', 4)).toBeNull();
    expect(setWindow('1,,2', 2)).toBeNull();
  });
});

describe('listWindow', () => {
  it('counts every UID and gives those above the cursor, ascending', () => {
    const w = listWindow([12, 3, 15, 11]);
    expect(w.count).toBe(4);
    expect(w.above(11)).toEqual([12, 15]);
  });
});

describe('survey with an ESEARCH window', () => {
  const mb = { uidValidity: '7', uidNext: 10_003, highestModseq: '950' };
  it('the same work as from the plain list of the same UIDs', () => {
    const prev = { uidValidity: '7', highestUid: 10_000, highestModseq: '900' };
    const plain = Array.from({ length: 10_002 }, (_, i) => i + 1);
    expect(survey('INBOX', mb, setWindow('1:10002', 10_002)!, prev)).toEqual(survey('INBOX', mb, plain, prev));
    expect(survey('INBOX', mb, setWindow('1:10002', 10_002)!, prev)?.uids).toEqual([10_001, 10_002]);
  });
  it('a new UIDVALIDITY takes the whole window', () => {
    const prev = { uidValidity: '6', highestUid: 10_000, highestModseq: '900' };
    expect(survey('INBOX', mb, setWindow('5:7', 3)!, prev)?.uids).toEqual([5, 6, 7]);
  });
});
