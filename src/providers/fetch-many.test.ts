import { describe, expect, it } from 'vitest';
import type { EmailItem } from '../domain/items.js';
import { fetchMany } from './fetch-many.js';
import type { FetchOutcome, MailSource } from './types.js';

const item = (messageId: string): EmailItem =>
  ({
    messageId,
    fingerprint: '',
    sentAt: null,
    receivedAt: new Date(0),
    from: null,
    to: [],
    cc: [],
    bcc: [],
    subject: '',
  }) as unknown as EmailItem;

/** A source of a few messages in memory: "bad" is malformed, anything else unknown is gone. */
function memorySource(withMany: boolean): MailSource & { calls: string[] } {
  const calls: string[] = [];
  const fetch = async (ref: string) => {
    calls.push(`fetch ${ref}`);
    if (ref === 'bad') throw new Error('it has none of the From, To, Date or Message-ID headers');
    return ref.startsWith('m') ? item(ref) : null;
  };
  return {
    calls,
    changes: async function* () {},
    fetch,
    ...(withMany
      ? {
          fetchMany: async (refs: string[]): Promise<FetchOutcome[]> => {
            calls.push(`many ${refs.join(',')}`);
            if (refs.includes('down')) throw new Error('the server closed the connection');
            return Promise.all(refs.map((r) => fetch(r).catch((e: Error) => e)));
          },
        }
      : {}),
  };
}

const shape = (xs: FetchOutcome[]) => xs.map((x) => (x instanceof Error ? `error: ${x.message}` : (x?.messageId ?? null)));

describe('fetchMany', () => {
  it('falls back to fetch one ref at a time, with each outcome in order (a throw becomes that ref’s error)', async () => {
    const source = memorySource(false);
    expect(shape(await fetchMany(source, ['m1', 'gone', 'bad', 'm2'], 2))).toEqual([
      'm1',
      null,
      'error: it has none of the From, To, Date or Message-ID headers',
      'm2',
    ]);
    expect(source.calls.sort()).toEqual(['fetch bad', 'fetch gone', 'fetch m1', 'fetch m2']);
  });

  it('asks a source that has fetchMany once; a batch that fails as a whole fails each of its refs', async () => {
    const source = memorySource(true);
    expect(shape(await fetchMany(source, ['m1', 'gone']))).toEqual(['m1', null]);
    expect(shape(await fetchMany(source, ['m1', 'down']))).toEqual([
      'error: the server closed the connection',
      'error: the server closed the connection',
    ]);
    expect(source.calls.filter((c) => c.startsWith('many'))).toEqual(['many m1,gone', 'many m1,down']);
    expect(await fetchMany(source, [])).toEqual([]);
  });
});
