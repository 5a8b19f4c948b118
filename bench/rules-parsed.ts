// The pools' participant addresses as a sync sees them. In a sync every address is a string a
// parser has just produced (postal-mime, imapflow's envelope, Gmail's headers, Graph's JSON,
// ical.js), never the very string object the DirectoryIndex holds as a key (loaded from the
// store), and V8 has not hashed it yet. The pools are built from the directory's own strings,
// so deciding them as built, a look-up finds its key by pointer with the hash already cached:
// cheaper than any real look-up, and more so for the floor, which does nothing else.
import type { EmailCase } from '../src/rules/decide-email.js';
import type { MeetingCase } from '../src/rules/decide-meeting.js';
import type { Address } from '../src/domain/items.js';

const codes: number[] = [];

/**
 * A new flat string with the same content and no hash computed, as a parser's output: built
 * from its char codes (no Buffer, whose external memory would set off extra collections).
 */
export function asParsed(s: string): string {
  codes.length = s.length;
  for (let i = 0; i < s.length; i++) codes[i] = s.charCodeAt(i);
  return String.fromCharCode.apply(null, codes);
}

/** Appends an item's participant addresses (the objects whose `address` a decision reads) to `out`. */
export type AddressesOf<T> = (c: T, out: Address[]) => void;

export const emailAddresses: AddressesOf<EmailCase> = ({ item }, out) => {
  for (const list of [item.from, item.to, item.cc, item.bcc]) for (const a of list) out.push(a);
};

export const meetingAddresses: AddressesOf<MeetingCase> = ({ occurrence }, out) => {
  if (occurrence.organizer) out.push(occurrence.organizer);
  for (const a of occurrence.attendees) out.push(a);
};

/**
 * One page of the pool with freshly parsed addresses, then the pool's own strings back. Page
 * by page, as a sync parses and decides 500 at a time: the parsed copies die young, where
 * copies kept in the pool would pile up in the old generation and inflate peak RSS. Only the
 * strings change; the items stay the pool's objects.
 */
export class ParsedPage<T> {
  private readonly slots: Address[] = [];
  private readonly originals: string[] = [];

  /**
   * `copy` makes each page's strings; `(s) => s` keeps the directory's own strings with the
   * same page-by-page steps, so the two differ in the strings alone.
   */
  constructor(
    private readonly addressesOf: AddressesOf<T>,
    private readonly copy: (s: string) => string = asParsed,
  ) {}

  /** Gives items [first, first + count) of the pool (wrapping round) freshly parsed addresses. */
  parse(pool: readonly T[], first: number, count: number): void {
    this.slots.length = 0;
    for (let k = first; k < first + count; k++) this.addressesOf(pool[k % pool.length]!, this.slots);
    this.originals.length = this.slots.length;
    for (let i = 0; i < this.slots.length; i++) {
      const a = this.slots[i]!;
      this.originals[i] = a.address;
      a.address = this.copy(a.address);
    }
  }

  /** Puts the pool's own strings back (the page's parsed copies become garbage). */
  restore(): void {
    for (let i = 0; i < this.slots.length; i++) this.slots[i]!.address = this.originals[i]!;
    this.slots.length = 0;
  }
}
