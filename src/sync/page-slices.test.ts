// Two syncs in one process on one SQLite store, as `serve` and `watch` run them: one mailbox's
// initial sync has a long page to decide and write, and new mail arrives for another mailbox
// meanwhile. The long page is decided in slices with the event loop turning between
// them, so the pushed message — whose source waits on its server a few times, as IMAP does — is
// stored and linked before that page is, not after it.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EmailItem } from '../domain/items.js';
import type { MailPage, MailSource } from '../providers/types.js';
import { createConnection, getCursor } from '../store/connections.js';
import type { Ctx } from '../store/context.js';
import type { Store } from '../store/db.js';
import { openSqlite } from '../store/dialects/sqlite.js';
import { addAccount, addTeammate, insertEndUser } from '../store/directory.js';
import { createWorkspace } from '../store/workspaces.js';
import { type SourceFactory, syncAll } from './run-sync.js';

const NOW = new Date('2026-03-20T12:00:00Z');
const CUSTOMER = 'carol@acme.example';
/** An initial sync's page (the IMAP sync's is 500): far more than one slice of work. */
const LONG_PAGE = 1_000;

function mail(id: string, minute: number): EmailItem {
  const receivedAt = new Date(Date.UTC(2026, 2, 10, 9, minute));
  return {
    messageId: `${id}@acme.example`,
    fingerprint: `fp-${id}`,
    sentAt: receivedAt,
    receivedAt,
    from: [{ address: CUSTOMER, name: 'Carol' }],
    to: [{ address: 'alice@ourco.com', name: 'Alice' }],
    cc: [],
    bcc: [],
    subject: `Message ${id}`,
    text: `Body ${id}`,
  };
}

function source(pages: () => AsyncIterable<MailPage>): MailSource {
  return { changes: pages, fetch: async () => null };
}

let db: Store;
let ctx: Ctx;
let bulk: string;
let pushed: string;

beforeEach(async () => {
  db = await openSqlite(':memory:');
  const ws = await createWorkspace(db, 'test', ['ourco.com'], NOW);
  ctx = { db, ws, now: NOW, actor: 'test' };
  await addAccount(db, ws.id, { id: 'acme', name: 'Acme' }, NOW);
  await insertEndUser(db, ws.id, { accountId: 'acme', email: CUSTOMER, source: 'manual' }, NOW);
  const connect = async (email: string) => {
    const t = await addTeammate(db, ws.id, { email, aliases: [] }, NOW);
    const authorizedAt = new Date('2026-03-01T00:00:00Z');
    return createConnection(
      db,
      ws.id,
      { teammateId: t.id, provider: 'folder', config: {}, hasMail: true, hasCalendar: false, authorizedAt },
      NOW,
    );
  };
  bulk = await connect('bob@ourco.com');
  pushed = await connect('alice@ourco.com');
});

afterEach(async () => {
  vi.useRealTimers();
  await db.destroy();
});

describe('a pushed message while another mailbox stores a long page', () => {
  it('is stored and linked before that page is, and both end complete', async () => {
    const events: string[] = [];
    let pushedSync: Promise<unknown> | null = null;
    const bulkSource = source(async function* () {
      // The pushed sync starts as the long page is handed over: its work overlaps the page's.
      pushedSync = syncAll(ctx, pushed, { sources }).then(() => events.push('pushed message stored'));
      const sightings = Array.from({ length: LONG_PAGE }, (_, i) => ({
        ref: `bulk-${i}`,
        folder: 'INBOX',
        item: mail(`bulk-${i}`, i % 60),
      }));
      yield { sightings, errors: [], cursor: 'bulk page 1' };
    });
    const pushedSource = source(async function* () {
      // Login, select, search, fetch: each a wait for the server (a turn of the event loop).
      for (let i = 0; i < 4; i++) await nextTurn();
      yield { sightings: [{ ref: 'new-1', folder: 'INBOX', item: mail('new-1', 0) }], errors: [], cursor: 'pushed page 1' };
    });
    const sources: SourceFactory = {
      mail: async (c) => (c.id === bulk ? bulkSource : pushedSource),
      calendar: async () => null,
      maintainPush: async () => null,
    };

    const [bulkReport] = await syncAll(ctx, bulk, { sources }).then((r) => {
      events.push('long page stored');
      return r;
    });
    await pushedSync;

    expect(events).toEqual(['pushed message stored', 'long page stored']);
    expect(bulkReport).toMatchObject({ mail: { seen: LONG_PAGE, linked: LONG_PAGE } });
    expect(await getCursor(db, bulk, 'mail')).toBe('bulk page 1');
    expect(await getCursor(db, pushed, 'mail')).toBe('pushed page 1');
    const linked = await db
      .selectFrom('emails')
      .select(['message_id', 'outcome'])
      .where('workspace_id', '=', ctx.ws.id)
      .where('message_id', '=', 'new-1@acme.example')
      .execute();
    expect(linked).toEqual([{ message_id: 'new-1@acme.example', outcome: 'linked' }]);
    const count = await db
      .selectFrom('emails')
      .select(db.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', ctx.ws.id)
      .executeTakeFirst();
    expect(Number(count?.n)).toBe(LONG_PAGE + 1);
  });
});

describe("a pushed sync's last page while another mailbox's initial sync is on its first, big page", () => {
  it('does not wait for that sync: a big first page makes a sync long as soon as it arrives', async () => {
    // page-turns.ts waits on a timer (MAX_WAIT_MS) when it gives way; faked, it never fires,
    // so a sync that waited for the initial sync would still be waiting below.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const events: string[] = [];
    let pushedSync: Promise<unknown> | null = null;
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const bulkSource = source(async function* () {
      const sightings = Array.from({ length: LONG_PAGE }, (_, i) => ({
        ref: `bulk-${i}`,
        folder: 'INBOX',
        item: mail(`bulk-${i}`, i % 60),
      }));
      yield { sightings, errors: [], cursor: 'bulk page 1' };
      // Asked for its second page (fetched ahead while the first is stored): the server is slow.
      // Meanwhile new mail is pushed for the other mailbox.
      pushedSync = syncAll(ctx, pushed, { sources }).then(() => events.push('pushed sync ended'));
      await held;
      events.push('bulk page 2 came');
      yield { sightings: [], errors: [], cursor: 'bulk page 2' };
    });
    const pushedSource = source(async function* () {
      yield { sightings: [{ ref: 'new-1', folder: 'INBOX', item: mail('new-1', 0) }], errors: [], cursor: 'pushed page 1' };
      // IMAP's last page: no mail, the folder counts and the cursor.
      yield { sightings: [], errors: [], cursor: 'pushed page 2' };
    });
    const sources: SourceFactory = {
      mail: async (c) => (c.id === bulk ? bulkSource : pushedSource),
      calendar: async () => null,
      maintainPush: async () => null,
    };
    const bulkSync = syncAll(ctx, bulk, { sources });
    // The slow server answers after many turns of the event loop (far more than the pushed sync
    // needs), or once the pushed sync ended: whichever comes first is recorded.
    for (let turns = 0; turns < 2_000 && !events.includes('pushed sync ended'); turns++) await nextTurn();
    release();
    await bulkSync;
    await pushedSync;

    expect(events).toEqual(['pushed sync ended', 'bulk page 2 came']);
    expect(await getCursor(db, pushed, 'mail')).toBe('pushed page 2');
    expect(await getCursor(db, bulk, 'mail')).toBe('bulk page 2');
  });
});
