// What the web app says after a directory change (add, edit or delete an end user, blocklist,
// undo): what it linked and unlinked, and what it could not re-decide yet or at all — an admin
// must not read "no past item changed" when the provider refused the re-reads for now.
import { describe, expect, it } from 'vitest';
import type { LinkChange } from '../../web/src/api.js';
import { changeWords, leftoverWords } from '../../web/src/change-words.js';

const email = (id: string): LinkChange => ({ kind: 'email', id, ref: `${id}@acme.com`, accountId: 'acme' });
const meeting = (id: string): LinkChange => ({ kind: 'meeting', id, ref: `${id}@2026-03-05T10:00:00.000Z`, accountId: 'acme' });

describe('a change in words', () => {
  it('counts linked and unlinked emails and meetings', () => {
    expect(changeWords({ linked: [email('a'), email('b'), meeting('m')], unlinked: [email('c')] })).toBe(
      'linked 2 past emails and 1 past meeting, unlinked 1 past email',
    );
    expect(changeWords({ linked: [], unlinked: [] })).toBe('no past item changed');
  });

  it('says how many emails wait for a re-read, and how many could not be re-read at all', () => {
    expect(changeWords({ linked: [email('a')], unlinked: [], deferred: 12, unavailable: 0 })).toBe(
      'linked 1 past email; 12 emails could not be re-read yet (their provider refused for now) and will be re-read after a later sync of a mailbox holding them',
    );
    expect(changeWords({ linked: [], unlinked: [], deferred: 1, unavailable: 2 })).toBe(
      'no past item changed; 1 email could not be re-read yet (their provider refused for now) and will be re-read after a later sync of a mailbox holding them; ' +
        '2 items could not be re-read from their source and stayed as they were',
    );
  });

  it("a directory source's disconnect says the same of what it could not re-read", () => {
    expect(leftoverWords({ deferred: 3, unavailable: 0 })).toEqual([
      '3 emails could not be re-read yet (their provider refused for now) and will be re-read after a later sync of a mailbox holding them',
    ]);
    expect(leftoverWords({})).toEqual([]);
  });
});
