// The second session for a sync's later pages (imap-mail-source.ts): opened at the second page
// only, never kept after the sync, while the main session is kept under keepSession.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OutboundPolicy } from '../../net/outbound-policy.js';
import { ImapMailSource } from './imap-mail-source.js';
import { ImapSession } from './session.js';

interface Fake {
  id: number;
  closed: boolean;
  envelopeFetches: number;
}

/** Fake sessions over one INBOX of `count` messages (UIDs 1..count). */
function fakeSessions(count: number): Fake[] {
  const made: Fake[] = [];
  vi.spyOn(ImapSession, 'open').mockImplementation(async () => {
    const f: Fake = { id: made.length, closed: false, envelopeFetches: 0 };
    made.push(f);
    const uids = Array.from({ length: count }, (_, i) => i + 1);
    const session = {
      get usable() {
        return !f.closed;
      },
      capabilities: new Set<string>(),
      list: async () => [{ path: 'INBOX', specialUse: '\\Inbox', flags: new Set<string>(), delimiter: '/' }],
      examine: async () => ({ path: 'INBOX', exists: count, uidNext: count + 1, uidValidity: '7', highestModseq: null }),
      searchSince: async () => uids,
      fetchEnvelopes: async (want: number[]) => {
        f.envelopeFetches++;
        return want.map((uid) => ({
          uid,
          internalDate: new Date('2026-03-05T10:00:00Z'),
          envelope: {
            date: new Date('2026-03-05T10:00:00Z'),
            subject: `m${uid}`,
            messageId: `<m${uid}@x>`,
            from: [{ address: 'a@x.example' }],
          },
        }));
      },
      close: async () => {
        f.closed = true;
      },
    };
    return session as unknown as ImapSession;
  });
  return made;
}

function source(keepSession: boolean) {
  return new ImapMailSource({
    config: {
      host: 'imap.example',
      port: 993,
      security: 'tls',
      user: 'alice',
      auth: 'password',
      folders: { include: [], exclude: [] },
      pageSize: 10,
    },
    secret: 'x',
    authorizedAt: new Date('2026-03-01T00:00:00Z'),
    keepSession,
    outbound: {} as OutboundPolicy,
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the IMAP source’s pages session', () => {
  it('a sync of several pages fetches the later pages’ envelopes on a second session, closed when the sync ends', async () => {
    const sessions = fakeSessions(25);
    const src = source(true);
    let seen = 0;
    for await (const page of src.changes(null)) seen += page.sightings.length;
    expect(seen).toBe(25);
    expect(sessions).toHaveLength(2);
    expect(sessions.map((s) => s.envelopeFetches)).toEqual([1, 2]); // page 1 on the main session, pages 2 and 3 on the other
    expect(sessions.map((s) => s.closed)).toEqual([false, true]); // the main one is kept (keepSession)
    await src.close();
    expect(sessions[0]!.closed).toBe(true);
  });

  it('a one-page sync (a push) opens no second session', async () => {
    const sessions = fakeSessions(5);
    const src = source(false);
    for await (const _ of src.changes(null)) {
      // every page
    }
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.closed).toBe(true);
  });

  it('an abandoned sync closes both sessions', async () => {
    const sessions = fakeSessions(25);
    const src = source(true);
    for await (const page of src.changes(null)) if (page.sightings.length) break;
    // The second page's envelopes were asked for ahead, on the second session; both are closed.
    expect(sessions).toHaveLength(2);
    expect(sessions.every((s) => s.closed)).toBe(true);
  });
});
