// The per-email count of what a run of directory changes (a source's sync, a change per page)
// left over: each email once, in its last state; a page counts only once it is committed; only
// the left-over emails are kept.
import { describe, expect, it } from 'vitest';
import { LeftoverTally } from './leftover-tally.js';
import type { WaitReason } from './reload-emails.js';

const gmailBusy: WaitReason = { provider: 'gmail', code: 'THROTTLED' };
const graphBusy: WaitReason = { provider: 'microsoft', code: 'THROTTLED' };
const offline: WaitReason = { provider: 'gmail', code: 'NETWORK' };

/** One committed page: what its change read, left waiting and found gone. */
function page(sync: LeftoverTally, p: { read?: string[]; waiting?: [string, WaitReason][]; gone?: string[] }): void {
  const t = sync.page();
  t.read(p.read ?? []);
  t.gone(p.gone ?? []);
  t.waiting((p.waiting ?? []).map(([id, reason]) => ({ id, reason })));
  t.commit();
}

describe('LeftoverTally', () => {
  it('counts an email waiting on two pages once, under its latest refusal', () => {
    const sync = new LeftoverTally();
    page(sync, {
      waiting: [
        ['e1', gmailBusy],
        ['e2', gmailBusy],
      ],
    });
    page(sync, {
      waiting: [
        ['e1', offline],
        ['e3', graphBusy],
      ],
    });
    expect(sync.leftovers()).toEqual({
      unavailable: 0,
      deferred: 3,
      deferredBecause: [
        { provider: 'gmail', code: 'THROTTLED', emails: 1 },
        { provider: 'gmail', code: 'NETWORK', emails: 1 },
        { provider: 'microsoft', code: 'THROTTLED', emails: 1 },
      ],
    });
  });

  it('does not count an email read on a later page, and counts one found gone later as unavailable only', () => {
    const sync = new LeftoverTally();
    page(sync, {
      waiting: [
        ['e1', gmailBusy],
        ['e2', gmailBusy],
      ],
      gone: ['e3'],
    });
    page(sync, { read: ['e1', 'e4'], gone: ['e2', 'e3'] });
    expect(sync.leftovers()).toEqual({ unavailable: 2, deferred: 0, deferredBecause: [] });
    page(sync, { read: ['e2'] });
    expect(sync.leftovers()).toEqual({ unavailable: 1, deferred: 0, deferredBecause: [] });
  });

  it('counts an email read on one page and refused on a later one', () => {
    const sync = new LeftoverTally();
    page(sync, { read: ['e1'] });
    page(sync, { waiting: [['e1', gmailBusy]] });
    expect(sync.leftovers()).toMatchObject({ deferred: 1, unavailable: 0 });
  });

  it('leaves out a page that is not committed (its transaction failed)', () => {
    const sync = new LeftoverTally();
    page(sync, { waiting: [['e1', gmailBusy]] });
    const failed = sync.page();
    failed.read(['e1']);
    failed.waiting([{ id: 'e2', reason: gmailBusy }]);
    expect(sync.leftovers()).toEqual({
      unavailable: 0,
      deferred: 1,
      deferredBecause: [{ provider: 'gmail', code: 'THROTTLED', emails: 1 }],
    });
  });

  it('keeps only the left-over emails: a page forgets the reads of emails nothing left over', () => {
    const sync = new LeftoverTally();
    page(sync, { waiting: [['e1', gmailBusy]] });
    const t = sync.page();
    t.read(Array.from({ length: 1000 }, (_, k) => `read-${k}`));
    t.read(['e1']);
    expect(t.size).toBe(1); // e1, read again: it leaves the sync's count at commit
    t.commit();
    expect(sync.size).toBe(0);
    expect(t.size).toBe(0);
  });
});
