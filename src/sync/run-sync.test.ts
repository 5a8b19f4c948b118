// The sync loop in process, on an in-memory SQLite store, with fake connectors injected in
// place of providers/registry.ts: what commits with a page, and what a page that fails or a
// cancelled sync leaves behind.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EmailItem } from '../domain/items.js';
import type { ConnectionConfig, Cursor, MailPage, MailSource } from '../providers/types.js';
import { SourceError } from '../providers/types.js';
import {
  createConnection,
  getConnection,
  getCursor,
  listConnections,
  listItemErrors,
  saveCursor,
  updateConnection,
} from '../store/connections.js';
import { loadDirectoryIndex } from '../store/context.js';
import { planMailPage, writeMailPage } from './email-ingest.js';
import type { Ctx } from '../store/context.js';
import type { Store } from '../store/db.js';
import { openSqlite } from '../store/dialects/sqlite.js';
import { addAccount, addTeammate, insertEndUser } from '../store/directory.js';
import { createWorkspace } from '../store/workspaces.js';
import { pageTurns } from './page-turns.js';
import { type SourceFactory, syncAll } from './run-sync.js';

const NOW = new Date('2026-03-20T12:00:00Z');
const CUSTOMER = 'carol@acme.example';

function mail(n: number, opts: { withBody?: boolean } = {}): EmailItem {
  const receivedAt = new Date(Date.UTC(2026, 2, 10, 9, n));
  return {
    messageId: `m${n}@acme.example`,
    fingerprint: `fp-${n}`,
    sentAt: receivedAt,
    receivedAt,
    from: [{ address: CUSTOMER, name: 'Carol' }],
    to: [{ address: 'alice@ourco.com', name: 'Alice' }],
    cc: [],
    bcc: [],
    subject: `Message ${n}`,
    ...(opts.withBody === false ? {} : { text: `Body ${n}` }),
  };
}

function page(refs: number[], cursor: Cursor, errors: MailPage['errors'] = [], withBody = true): MailPage {
  return { sightings: refs.map((n) => ({ ref: `ref-${n}`, folder: 'INBOX', item: mail(n, { withBody }) })), errors, cursor };
}

/** A mail source that replays fixed pages, noting which cursor each sync started from. */
class FakeMailSource implements MailSource {
  startedFrom: Cursor[] = [];
  constructor(
    private readonly pages: MailPage[],
    private readonly hooks: { afterPage?: (i: number) => void; fetchBody?: (ref: string) => Promise<EmailItem | null> } = {},
  ) {
    if (hooks.fetchBody) this.fetchBody = hooks.fetchBody;
  }
  fetchBody?: (ref: string) => Promise<EmailItem | null>;
  async *changes(cursor: Cursor | null): AsyncIterable<MailPage> {
    this.startedFrom.push(cursor);
    const from = typeof cursor === 'number' ? cursor : 0;
    for (let i = from; i < this.pages.length; i++) {
      yield this.pages[i]!;
      this.hooks.afterPage?.(i);
    }
  }
  async fetch(): Promise<EmailItem | null> {
    return null;
  }
}

function factory(source: MailSource): SourceFactory & { configs: ConnectionConfig[] } {
  const configs: ConnectionConfig[] = [];
  return {
    configs,
    mail: async (c) => {
      configs.push(c);
      return source;
    },
    calendar: async () => null,
    maintainPush: async () => null,
  };
}

let db: Store;
let ctx: Ctx;
let connId: string;

beforeEach(async () => {
  db = await openSqlite(':memory:');
  const ws = await createWorkspace(db, 'test', ['ourco.com'], NOW);
  ctx = { db, ws, now: NOW, actor: 'test' };
  const t = await addTeammate(db, ws.id, { email: 'alice@ourco.com', aliases: [] }, NOW);
  await addAccount(db, ws.id, { id: 'acme', name: 'Acme' }, NOW);
  await insertEndUser(db, ws.id, { accountId: 'acme', email: CUSTOMER, source: 'manual' }, NOW);
  connId = await createConnection(
    db,
    ws.id,
    { teammateId: t.id, provider: 'folder', config: {}, hasMail: true, hasCalendar: false, authorizedAt: new Date('2026-03-01T00:00:00Z') },
    NOW,
  );
});

afterEach(async () => {
  await db.destroy();
});

async function storedRefs(): Promise<string[]> {
  const rows = await db.selectFrom('email_sightings').select('ref').where('connection_id', '=', connId).orderBy('ref').execute();
  return rows.map((r) => r.ref);
}

describe('syncAll with an injected source factory', () => {
  it('stores every page and advances the cursor; the next sync starts from it', async () => {
    const source = new FakeMailSource([page([1, 2], 1), page([3], 2)]);
    const sources = factory(source);
    const [r] = await syncAll(ctx, undefined, { sources });
    expect(r).toMatchObject({ status: 'active', mail: { seen: 3, linked: 3, notLinked: 0 }, errors: [] });
    expect(r?.failure).toBeUndefined();
    expect(await storedRefs()).toEqual(['ref-1', 'ref-2', 'ref-3']);
    expect(await getCursor(db, connId, 'mail')).toBe(2);
    expect(sources.configs[0]).toMatchObject({ id: connId, provider: 'folder', now: NOW });

    await syncAll({ ...ctx, now: new Date(NOW.getTime() + 300_000) }, undefined, { sources });
    expect(source.startedFrom).toEqual([null, 2]);
    expect(await storedRefs()).toEqual(['ref-1', 'ref-2', 'ref-3']);
  });

  it('push upkeep sees what the push endpoint flagged while the sync ran (a lifecycle notification mid-sync)', async () => {
    const source: MailSource = {
      async *changes() {
        yield page([1], 1);
        // Mid-sync, a Graph subscriptionRemoved: the endpoint flags it in the connection's config.
        await updateConnection(db, ctx.ws.id, connId, { config: { push: { flagged: 'sub-1' } } });
        yield page([2], 2);
      },
      async fetch() {
        return null;
      },
    };
    const given: unknown[] = [];
    const sources: SourceFactory = {
      ...factory(source),
      maintainPush: async (c) => {
        given.push(c.config);
        return null;
      },
    };
    await syncAll(ctx, undefined, { sources });
    // Read at the start of the sync, the flag would be missed and the subscription never recreated.
    expect(given).toEqual([{ push: { flagged: 'sub-1' } }]);
  });

  it('skips and reports an item the connector could not read, and stores the rest of its page', async () => {
    const broken = { where: 'ref-bad', reason: 'not a readable message' };
    const source = new FakeMailSource([page([1, 2], 1, [broken])]);
    const [r] = await syncAll(ctx, undefined, { sources: factory(source) });
    expect(r).toMatchObject({ status: 'active', mail: { seen: 2, linked: 2 }, errors: [broken] });
    expect(await storedRefs()).toEqual(['ref-1', 'ref-2']);
    expect(await listItemErrors(db, ctx.ws.id, connId)).toEqual([expect.objectContaining(broken)]);
    expect(await getCursor(db, connId, 'mail')).toBe(1);
  });

  it('stops between pages when cancelled, keeping the cursor of the last stored page', async () => {
    const abort = new AbortController();
    const source = new FakeMailSource([page([1], 1), page([2], 2), page([3], 3)], { afterPage: (i) => i === 0 && abort.abort() });
    const [r] = await syncAll(ctx, undefined, { sources: factory(source), signal: abort.signal });
    expect(r?.failure).toMatch(/^cancelled/);
    expect(r?.mail.seen).toBe(1);
    expect(await storedRefs()).toEqual(['ref-1']);
    expect(await getCursor(db, connId, 'mail')).toBe(1);
    // Cancelling is not a failure of the connection.
    expect((await getConnection(db, ctx.ws.id, connId))?.status).not.toBe('error');

    await syncAll({ ...ctx, now: new Date(NOW.getTime() + 300_000) }, undefined, { sources: factory(source) });
    expect(source.startedFrom).toEqual([null, 1]);
    expect(await storedRefs()).toEqual(['ref-1', 'ref-2', 'ref-3']);
  });

  it('commits nothing of a page that fails while being stored: no items, cursor unchanged', async () => {
    // Page 2 carries headers only; fetching the body of its second linked message fails,
    // after its first message was written in the same transaction.
    const fetchBody = async (ref: string): Promise<EmailItem | null> => {
      if (ref === 'ref-3') throw new SourceError('NETWORK', 'connection reset');
      return mail(Number(ref.slice(4)));
    };
    const source = new FakeMailSource([page([1], 1), page([2, 3], 2, [], false)], { fetchBody });
    const [r] = await syncAll(ctx, undefined, { sources: factory(source) });
    // A network error is transient: the connection stays active and the next sync retries the page.
    expect(r?.failure).toBeDefined();
    expect((await getConnection(db, ctx.ws.id, connId))?.lastError).toBe(r?.failure);
    expect(await storedRefs()).toEqual(['ref-1']);
    expect(await getCursor(db, connId, 'mail')).toBe(1);
  });

  it("reads linked mail's bodies before the page's transaction: the store stays free for other syncs meanwhile", async () => {
    // The body read waits until another query on the same store has answered. Were the bodies
    // read inside the page's transaction (which holds SQLite's one connection), that query would
    // wait for the transaction, the transaction for the body, and the sync would never end.
    let bodyAsked!: () => void;
    const asked = new Promise<void>((r) => (bodyAsked = r));
    let storeAnswered!: () => void;
    const answered = new Promise<void>((r) => (storeAnswered = r));
    const fetchBody = async (ref: string): Promise<EmailItem | null> => {
      bodyAsked();
      await answered;
      return mail(Number(ref.slice(4)));
    };
    const source = new FakeMailSource([page([1, 2], 1, [], false)], { fetchBody });
    const syncing = syncAll(ctx, undefined, { sources: factory(source) });
    await asked;
    await getConnection(db, ctx.ws.id, connId); // another sync's query, while the bodies are being read
    storeAnswered();
    const [r] = await syncing;
    expect(r?.mail).toEqual({ seen: 2, linked: 2, notLinked: 0 });
    const bodies = await db.selectFrom('emails').select(['message_id', 'body_text']).orderBy('message_id').execute();
    expect(bodies).toEqual([
      { message_id: 'm1@acme.example', body_text: 'Body 1' },
      { message_id: 'm2@acme.example', body_text: 'Body 2' },
    ]);
  });

  it('a page that fails to come while the one before is stored: that page and its cursor commit, then the sync fails', async () => {
    const source: MailSource = {
      async *changes() {
        yield page([1, 2], 1);
        throw new SourceError('NETWORK', 'connection reset');
      },
      async fetch() {
        return null;
      },
    };
    const [r] = await syncAll(ctx, undefined, { sources: factory(source) });
    expect(r?.failure).toBeDefined();
    expect(r?.mail.seen).toBe(2);
    expect(await storedRefs()).toEqual(['ref-1', 'ref-2']);
    expect(await getCursor(db, connId, 'mail')).toBe(1);
  });

  it('a message in two consecutive pages (the second planned while the first is stored) is one email with both sightings', async () => {
    const copy = (ref: string, n: number) => ({ ref, folder: 'Archive', item: mail(n, { withBody: false }) });
    const fetchBody = async (ref: string) => {
      return mail(Number(ref.replace(/\D/g, '')));
    };
    const pages: MailPage[] = [
      page([1, 2], 1, [], false),
      { sightings: [copy('b-1', 1), ...page([3], 2, [], false).sightings, copy('b-2', 2)], errors: [], cursor: 2 },
    ];
    const [r] = await syncAll(ctx, undefined, { sources: factory(new FakeMailSource(pages, { fetchBody })) });
    expect(r?.mail).toEqual({ seen: 5, linked: 5, notLinked: 0 });
    const emails = await db.selectFrom('emails').select(['message_id', 'body_text']).orderBy('message_id').execute();
    expect(emails).toEqual([
      { message_id: 'm1@acme.example', body_text: 'Body 1' },
      { message_id: 'm2@acme.example', body_text: 'Body 2' },
      { message_id: 'm3@acme.example', body_text: 'Body 3' },
    ]);
    const sightings = await db.selectFrom('email_sightings').select(['ref', 'folder']).orderBy('ref').execute();
    expect(sightings).toEqual([
      { ref: 'b-1', folder: 'Archive' },
      { ref: 'b-2', folder: 'Archive' },
      { ref: 'ref-1', folder: 'INBOX' },
      { ref: 'ref-2', folder: 'INBOX' },
      { ref: 'ref-3', folder: 'INBOX' },
    ]);
    expect(await getCursor(db, connId, 'mail')).toBe(2);
  });

  it('a page planned before another sync stored the same message merges into it, not a second copy', async () => {
    // Two mailboxes' syncs in one process (serve runs two at once): both plan the same new
    // message outside their transactions, then write one after the other.
    const dan = await addTeammate(db, ctx.ws.id, { email: 'dan@ourco.com', aliases: [] }, NOW);
    const danConn = await createConnection(
      db,
      ctx.ws.id,
      {
        teammateId: dan.id,
        provider: 'folder',
        config: {},
        hasMail: true,
        hasCalendar: false,
        authorizedAt: new Date('2026-03-01T00:00:00Z'),
      },
      NOW,
    );
    const conns = new Map((await listConnections(db, ctx.ws.id)).map((c) => [c.id, c]));
    const dir = await loadDirectoryIndex(ctx);
    const sighting = (ref: string) => ({ ref, folder: 'INBOX', item: mail(7) });
    const alicePlan = await planMailPage(ctx, dir, conns.get(connId)!, conns, [sighting('a-7')]);
    const danPlan = await planMailPage(ctx, dir, conns.get(danConn)!, conns, [sighting('d-7')]);
    await db.transaction().execute((trx) => writeMailPage({ ...ctx, db: trx }, dir, conns.get(connId)!, conns, alicePlan));
    await db.transaction().execute((trx) => writeMailPage({ ...ctx, db: trx }, dir, conns.get(danConn)!, conns, danPlan));
    expect(await db.selectFrom('emails').select('message_id').execute()).toEqual([{ message_id: 'm7@acme.example' }]);
    const seenBy = await db.selectFrom('email_sightings').select('ref').orderBy('ref').execute();
    expect(seenBy.map((r) => r.ref)).toEqual(['a-7', 'd-7']);
  });

  it("initial syncs started together do not wait for each other: one still logging in holds no other's pages back", async () => {
    // Another mailbox's initial sync, stuck before its first page (logging in, fetching), for as
    // long as this test runs. The give-way's MAX_WAIT_MS timer never fires here (fake
    // setTimeout): had this sync waited for that one, it would never end (the test's timeout).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const dan = await addTeammate(db, ctx.ws.id, { email: 'dan@ourco.com', aliases: [] }, NOW);
    const danConn = await createConnection(
      db,
      ctx.ws.id,
      { teammateId: dan.id, provider: 'folder', config: {}, hasMail: true, hasCalendar: false, authorizedAt: NOW },
      NOW,
    );
    let release!: () => void;
    const loggingIn = new Promise<void>((r) => (release = r));
    let fetching!: () => void;
    const fetchStarted = new Promise<void>((r) => (fetching = r));
    const stuck: MailSource = {
      async *changes() {
        fetching();
        await loggingIn;
        yield { sightings: [], errors: [], cursor: 1 };
      },
      fetch: async () => null,
    };
    const other = syncAll(ctx, danConn, { sources: factory(stuck) });
    try {
      await fetchStarted;
      const [r] = await syncAll(ctx, connId, { sources: factory(new FakeMailSource([page([1, 2], 1), page([3, 4], 2)])) });
      expect(r).toMatchObject({ status: 'active', mail: { seen: 4, linked: 4 } });
      expect(await getCursor(db, connId, 'mail')).toBe(2);
    } finally {
      release();
      await other;
      vi.useRealTimers();
    }
  }, 10_000);

  it("a one-page sync's closing page (cursor only, as IMAP ends every sync) does not wait for the process's other syncs", async () => {
    // Another sync of this process on its first page, for as long as this test runs. The
    // give-way's MAX_WAIT_MS timer never fires here (fake setTimeout): a wait would never end.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // A poll, not an initial sync (that one is long from its start and gives way): it has a cursor.
    await saveCursor(db, connId, 'mail', 0, NOW);
    const other = pageTurns.begin();
    try {
      const closing: MailPage = { sightings: [], errors: [], cursor: 2, folderCounts: [] };
      const [r] = await syncAll(ctx, undefined, { sources: factory(new FakeMailSource([page([1, 2], 1), closing])) });
      expect(r).toMatchObject({ status: 'active', mail: { seen: 2, linked: 2 } });
      expect(await getCursor(db, connId, 'mail')).toBe(2);
    } finally {
      other.end();
      vi.useRealTimers();
    }
  });
});
