// What a directory change did, in words, for the message after the button: the past emails and
// meetings it linked and unlinked, and the emails it could not re-decide yet (the provider asked
// to slow down: they wait for a later sync) or at all (no copy left to read).
import type { ChangeResult } from './api.js';

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "linked 3 past emails" / "unlinked 2 emails and 1 meeting; 4 emails wait for a re-read…". */
export function changeWords(
  r: Pick<ChangeResult, 'linked' | 'unlinked'> & Partial<Pick<ChangeResult, 'unavailable' | 'deferred'>>,
): string {
  const words = (list: ChangeResult['linked']) => {
    const emails = list.filter((c) => c.kind === 'email').length;
    const meetings = list.length - emails;
    return [emails ? count(emails, 'past email') : '', meetings ? count(meetings, 'past meeting') : ''].filter(Boolean).join(' and ');
  };
  const parts = [r.linked.length ? `linked ${words(r.linked)}` : '', r.unlinked.length ? `unlinked ${words(r.unlinked)}` : ''];
  const done = parts.filter(Boolean).join(', ') || 'no past item changed';
  return [done, ...leftoverWords(r)].join('; ');
}

/** What a change (manual, or a directory source's disconnect) could not re-read: waiting, or gone. */
export function leftoverWords(r: Partial<Pick<ChangeResult, 'unavailable' | 'deferred'>>): string[] {
  return [
    r.deferred
      ? `${count(r.deferred, 'email')} could not be re-read yet (their provider refused for now) and will be re-read after a later sync of a mailbox holding them`
      : '',
    r.unavailable ? `${count(r.unavailable, 'item')} could not be re-read from their source and stayed as they were` : '',
  ].filter(Boolean);
}
