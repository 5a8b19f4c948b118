// What a folder has for a sync, from one EXAMINE and the UIDs in the scan window (survey()).
import { describe, expect, it } from 'vitest';
import type { FolderCursor } from './cursor.js';
import { survey } from './survey.js';

const cursor: FolderCursor = { uidValidity: '7', highestUid: 120, highestModseq: '900' };
const mb = (o: Partial<{ uidValidity: string; uidNext: number; highestModseq: string | null }> = {}) => ({
  uidValidity: '7',
  uidNext: 121,
  highestModseq: '900',
  ...o,
});

describe('survey', () => {
  it('nothing to do when neither UIDNEXT nor HIGHESTMODSEQ moved', () => {
    expect(survey('INBOX', mb(), [100, 110, 120], cursor)).toBeNull();
  });

  it('the UIDs above the cursor, in order, when new mail came', () => {
    const w = survey('INBOX', mb({ uidNext: 124, highestModseq: '903' }), [123, 100, 121, 120], cursor);
    expect(w?.uids).toEqual([121, 123]);
    expect(w).toMatchObject({ uidNext: 124, highestModseq: '903', prev: cursor });
  });

  it('a changed MODSEQ alone gives no UIDs but still work (the cursor moves)', () => {
    const w = survey('INBOX', mb({ highestModseq: '950' }), [100, 120], cursor);
    expect(w?.uids).toEqual([]);
    expect(w?.highestModseq).toBe('950');
  });

  it('a new UIDVALIDITY re-reads the whole window', () => {
    expect(survey('INBOX', mb({ uidValidity: '8', uidNext: 4 }), [3, 1, 2], cursor)?.uids).toEqual([1, 2, 3]);
  });

  it('a first sync (no cursor) takes every UID in the window; a server without CONDSTORE compares UIDNEXT alone', () => {
    expect(survey('INBOX', mb(), [5, 9], undefined)?.uids).toEqual([5, 9]);
    expect(survey('INBOX', mb({ highestModseq: null }), [120], { ...cursor, highestModseq: null })).toBeNull();
  });
});
