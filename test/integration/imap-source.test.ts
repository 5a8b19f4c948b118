// ImapMailSource against a real Dovecot, in-process: pages, cursors, resumption, the
// UIDVALIDITY re-scan, and a server without CONDSTORE. These are the guarantees the sync
// loop builds on: a page's cursor never passes a UID that page did not carry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailPage } from '../../src/providers/types.js';
import { ImapMailSource } from '../../src/providers/imap/imap-mail-source.js';
import { readImapConfig } from '../../src/providers/imap/config.js';
import { parseRef } from '../../src/providers/imap/refs.js';
import type { ImapCursor } from '../../src/providers/imap/cursor.js';
import { eml } from '../support/cli.js';
import { deliver, mailClient, startMailServer, type Dovecot } from '../support/imap.js';
import { TEST_OUTBOUND } from '../support/config.js';
import { countingProxy } from '../support/tcp-proxy.js';

const AUTH = new Date('2026-03-01T00:00:00Z');
let d: Dovecot;
let plain: Dovecot; // a server that does not offer CONDSTORE/QRESYNC

// An explicit folder list ("only these"), so the empty Archive folder adds no page here.
const source = (server: Dovecot, user: string, pageSize = 2, folders = ['INBOX', 'Sent']) =>
  new ImapMailSource({
    config: readImapConfig({ host: server.host, port: server.port, security: 'plain', user, auth: 'password', folders, pageSize }),
    secret: `pw-${user}`,
    authorizedAt: AUTH,
    outbound: TEST_OUTBOUND,
  });

const mail = (n: number, at: string, folder?: string) => ({
  raw: eml({ from: `sender${n}@acme.com`, to: 'alice@ourco.com', date: at, messageId: `m${n}@acme.com`, body: `body ${n}` }),
  at,
  ...(folder ? { folder } : {}),
});

/** u1's mailbox, delivered once in beforeAll so that each test reading it can run alone. */
const U1_MAIL = [...[1, 2, 3, 4, 5].map((n) => mail(n, `2026-03-0${n + 1}T10:00:00Z`)), mail(6, '2026-03-08T10:00:00Z', 'Sent')];

async function collect(src: ImapMailSource, cursor: unknown, limit = Infinity): Promise<MailPage[]> {
  const pages: MailPage[] = [];
  for await (const p of src.changes(cursor)) {
    pages.push(p);
    if (pages.length >= limit) break; // a crash after this page: the rest is never stored
  }
  return pages;
}

const uidsOf = (p: MailPage) => p.sightings.map((s) => (parseRef(s.ref) as { uid: number }).uid);
const inbox = (p: MailPage) => (p.cursor as ImapCursor).folders.INBOX!;

beforeAll(async () => {
  const users = Object.fromEntries(['u1', 'u2', 'u3', 'u4', 'u5'].map((u) => [u, `pw-${u}`]));
  [d, plain] = await Promise.all([
    startMailServer({ users }),
    startMailServer({
      users,
      capabilities: 'IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UIDPLUS SPECIAL-USE LIST-EXTENDED ESEARCH',
    }),
  ]);
  await deliver(d, 'u1', 'pw-u1', U1_MAIL);
  // A fresh machine installs Dovecot first (apt-get), which can take a while.
}, 300_000);

afterAll(async () => {
  await Promise.all([d?.stop(), plain?.stop()]);
});

describe('ImapMailSource', () => {
  it('pages headers in ascending UID order; each cursor is the page’s highest UID; INTERNALDATE is the time', async () => {
    const pages = await collect(source(d, 'u1'), null);
    // The last page carries no mail: the completeness count per folder (SEARCH SINCE the window start).
    expect(pages.map(uidsOf)).toEqual([[1, 2], [3, 4], [5], [1], []]);
    expect(pages.at(-1)!.folderCounts).toEqual([
      { folder: 'INBOX', since: new Date('2026-01-30T00:00:00Z'), atServer: 5 },
      { folder: 'Sent', since: new Date('2026-01-30T00:00:00Z'), atServer: 1 },
    ]);
    expect(pages.slice(0, 3).map((p) => inbox(p).highestUid)).toEqual([2, 4, 5]);
    expect(pages[3]!.sightings[0]!.folder).toBe('Sent');
    expect(pages.map((p) => p.progress)).toEqual([
      { done: 2, total: 6 },
      { done: 4, total: 6 },
      { done: 5, total: 6 },
      { done: 6, total: 6 },
      undefined,
    ]);
    const first = pages[0]!.sightings[0]!.item;
    expect(first.receivedAt.toISOString()).toBe('2026-03-02T10:00:00.000Z');
    expect(first.messageId).toBe('m1@acme.com');
    // Headers only: the body is fetched later, and only if the mail is linked.
    expect(first.text).toBeUndefined();
    // The modseq is only recorded once the folder is caught up.
    expect(inbox(pages[0]!).highestModseq).toBeNull();
    expect(inbox(pages[2]!).highestModseq).toMatch(/^\d+$/);
  });

  it('resumes after a crash from the last stored page, and finds nothing when nothing changed', async () => {
    await deliver(
      d,
      'u2',
      'pw-u2',
      [1, 2, 3, 4, 5].map((n) => mail(n, `2026-03-0${n + 1}T10:00:00Z`)),
    );
    const crashed = await collect(source(d, 'u2'), null, 1);
    const resumed = await collect(source(d, 'u2'), crashed[0]!.cursor);
    expect(resumed.flatMap(uidsOf)).toEqual([3, 4, 5]);
    const last = resumed[resumed.length - 1]!.cursor;
    expect((await collect(source(d, 'u2'), last)).flatMap(uidsOf)).toEqual([]);
    await deliver(d, 'u2', 'pw-u2', [mail(6, '2026-03-09T10:00:00Z')]);
    expect((await collect(source(d, 'u2'), last)).flatMap(uidsOf)).toEqual([6]);
  });

  it('re-reads one message whole (fetch) and downloads bodies asked for together (fetchBody)', async () => {
    const src = source(d, 'u1');
    const [page] = await collect(src, null, 1);
    const [a, b] = page!.sightings;
    const bodies = await Promise.all([src.fetchBody(a!.ref), src.fetchBody(b!.ref)]);
    expect(bodies.map((x) => x?.text?.trim())).toEqual(['body 1', 'body 2']);
    const again = await source(d, 'u1').fetch(a!.ref);
    expect(again?.messageId).toBe('m1@acme.com');
    expect(again?.receivedAt.toISOString()).toBe('2026-03-02T10:00:00.000Z');
  });

  it('UIDVALIDITY change: re-scans the folder since authorization; stale refs find nothing', async () => {
    const folders = ['INBOX', 'Clients'];
    const c = await mailClient(d, 'u3', 'pw-u3');
    await c.mailboxCreate('Clients');
    await c.logout();
    await deliver(d, 'u3', 'pw-u3', [mail(1, '2026-03-02T10:00:00Z', 'Clients'), mail(2, '2026-03-03T10:00:00Z', 'Clients')]);
    const before = await collect(source(d, 'u3', 10, folders), null);
    const oldRef = before.flatMap((p) => p.sightings)[0]!.ref;
    const oldValidity = (before[before.length - 1]!.cursor as ImapCursor).folders.Clients!.uidValidity;
    // Delete and recreate: the server must give the new mailbox a new UIDVALIDITY.
    const c2 = await mailClient(d, 'u3', 'pw-u3');
    await c2.mailboxDelete('Clients');
    await c2.mailboxCreate('Clients');
    await c2.logout();
    await deliver(d, 'u3', 'pw-u3', [
      mail(1, '2026-03-02T10:00:00Z', 'Clients'),
      mail(2, '2026-03-03T10:00:00Z', 'Clients'),
      mail(3, '2026-03-04T10:00:00Z', 'Clients'),
      mail(9, '2026-01-04T10:00:00Z', 'Clients'),
    ]);
    const after = await collect(source(d, 'u3', 10, folders), before[before.length - 1]!.cursor);
    const clients = (after[after.length - 1]!.cursor as ImapCursor).folders.Clients!;
    expect(clients.uidValidity).not.toBe(oldValidity);
    // Everything since authorization again (the store dedupes by Message-ID); January mail is outside the window.
    expect(after.flatMap((p) => p.sightings.map((s) => s.item.messageId))).toEqual(['m1@acme.com', 'm2@acme.com', 'm3@acme.com']);
    expect(await source(d, 'u3', 10, folders).fetch(oldRef)).toBeNull();
  });

  it('works with UID ranges alone on a server without CONDSTORE', async () => {
    await deliver(
      plain,
      'u4',
      'pw-u4',
      [1, 2, 3].map((n) => mail(n, `2026-03-0${n + 1}T10:00:00Z`)),
    );
    const pages = await collect(source(plain, 'u4'), null);
    expect(pages.flatMap(uidsOf)).toEqual([1, 2, 3]);
    const cur = pages[pages.length - 1]!.cursor;
    expect((cur as ImapCursor).folders.INBOX).toMatchObject({ highestUid: 3, highestModseq: null });
    expect((await collect(source(plain, 'u4'), cur)).flatMap(uidsOf)).toEqual([]);
    await deliver(plain, 'u4', 'pw-u4', [mail(4, '2026-03-09T10:00:00Z')]);
    expect((await collect(source(plain, 'u4'), cur)).flatMap(uidsOf)).toEqual([4]);
  });

  it('a configured folder that does not exist is a per-item error; the others still sync', async () => {
    const pages = await collect(source(d, 'u1', 10, ['INBOX', 'Clients/Gone']), null);
    expect(pages[0]!.errors).toEqual([
      { where: 'Clients/Gone', reason: 'the folder "Clients/Gone" does not exist in this mailbox; it is not synced' },
    ]);
    expect(pages.flatMap((p) => p.sightings).length).toBe(5);
  });

  it('a wrong password is AUTH_FAILED in plain words, with no retry (one connection reached the server)', async () => {
    const proxy = await countingProxy(d);
    try {
      const bad = new ImapMailSource({
        config: readImapConfig({ host: proxy.host, port: proxy.port, security: 'plain', user: 'u5', auth: 'password' }),
        secret: 'not-the-password',
        authorizedAt: AUTH,
        outbound: TEST_OUTBOUND,
        // Were AUTH_FAILED retried, these would be the retries: at once, so the count shows them.
        retries: 3,
        retryBackoff: { baseMs: 1, capMs: 1 },
      });
      await expect(collect(bad, null)).rejects.toMatchObject({
        code: 'AUTH_FAILED',
        message: expect.stringMatching(/rejected the user name or password/),
      });
      expect(proxy.connections()).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('a dropped connection is a network error, retried the configured 3 times: 4 connections in all', async () => {
    const proxy = await countingProxy(d, { hangUp: true });
    try {
      const src = new ImapMailSource({
        config: readImapConfig({ host: proxy.host, port: proxy.port, security: 'plain', user: 'u5', auth: 'password' }),
        secret: 'pw-u5',
        authorizedAt: AUTH,
        outbound: TEST_OUTBOUND,
        retries: 3,
        retryBackoff: { baseMs: 1, capMs: 1 },
      });
      await expect(collect(src, null)).rejects.toMatchObject({ code: 'NETWORK' });
      expect(proxy.connections()).toBe(4);
    } finally {
      await proxy.close();
    }
  });
});
