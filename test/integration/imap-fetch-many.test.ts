// ImapMailSource.fetchMany against a real Dovecot: a page of a directory change re-reads its
// not-linked mail in one call. Each ref's outcome must be what fetch gives for it alone: the
// message, or null when it is gone, its folder's UIDVALIDITY changed, or it does not parse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapMailSource } from '../../src/providers/imap/imap-mail-source.js';
import { readImapConfig } from '../../src/providers/imap/config.js';
import { parseRef, uidRef } from '../../src/providers/imap/refs.js';
import type { EmailItem } from '../../src/domain/items.js';
import { eml } from '../support/cli.js';
import { deliver, mailClient, startMailServer, type Dovecot } from '../support/imap.js';
import { TEST_OUTBOUND } from '../support/config.js';
import { liveWorkspace } from '../support/live-find.js';
import { addEndUser } from '../../src/app/directory-changes.js';
import { syncAll } from '../../src/sync/run-sync.js';

const AUTH = new Date('2026-03-01T00:00:00Z');
let d: Dovecot;

const source = (user: string) =>
  new ImapMailSource({
    config: readImapConfig({
      host: d.host,
      port: d.port,
      security: 'plain',
      user,
      auth: 'password',
      folders: ['INBOX', 'Sent'],
      pageSize: 50,
    }),
    secret: `pw-${user}`,
    authorizedAt: AUTH,
    outbound: TEST_OUTBOUND,
  });

const mail = (n: number, folder?: string) => ({
  raw: eml({
    from: `sender${n}@acme.com`,
    to: 'alice@ourco.com',
    date: '2026-03-05T10:00:00Z',
    messageId: `m${n}@acme.com`,
    body: `body ${n}`,
  }),
  at: '2026-03-05T10:00:00Z',
  ...(folder ? { folder } : {}),
});
/** None of From, To, Date or Message-ID: the parser refuses it. */
const MALFORMED = { raw: 'X-Note: not a message\r\n\r\nnothing to read here\r\n', at: '2026-03-05T10:00:00Z' };

/** The UIDVALIDITY of a folder, as a ref of one of its messages carries it. */
async function validityOf(user: string, folder: string): Promise<string> {
  const c = await mailClient(d, user, `pw-${user}`);
  try {
    const mb = await c.mailboxOpen(folder, { readOnly: true });
    return String(mb.uidValidity);
  } finally {
    await c.logout();
  }
}

const messageIds = (xs: unknown[]) => xs.map((x) => (x === null ? null : x instanceof Error ? 'error' : (x as EmailItem).messageId));

beforeAll(async () => {
  d = await startMailServer({ users: { u1: 'pw-u1', u2: 'pw-u2', u3: 'pw-u3', u4: 'pw-u4' } });
}, 300_000);

afterAll(async () => {
  await d?.stop();
});

describe('ImapMailSource.fetchMany', () => {
  it('reads many refs across folders in one call, in order: gone, stale and malformed refs are null, as fetch says', async () => {
    const inbox = await deliver(d, 'u1', 'pw-u1', [mail(1), mail(2), MALFORMED, mail(3)]);
    const [sent] = await deliver(d, 'u1', 'pw-u1', [mail(4, 'Sent')]);
    const [inboxValidity, sentValidity] = [await validityOf('u1', 'INBOX'), await validityOf('u1', 'Sent')];
    const ref = (folder: string, validity: string, uid: number) => uidRef(folder, validity, uid);
    // m3 is deleted before the re-read: its ref no longer finds anything.
    const c = await mailClient(d, 'u1', 'pw-u1');
    await c.mailboxOpen('INBOX');
    await c.messageDelete(String(inbox[3]), { uid: true });
    await c.logout();

    const refs = [
      ref('INBOX', inboxValidity, inbox[1]!),
      ref('Sent', sentValidity, sent!),
      ref('INBOX', inboxValidity, inbox[3]!), // gone
      ref('INBOX', inboxValidity, inbox[2]!), // malformed
      ref('INBOX', `${inboxValidity}9`, inbox[0]!), // a UIDVALIDITY the folder no longer has
      ref('INBOX', inboxValidity, inbox[0]!),
    ];
    const many = await source('u1').fetchMany(refs);
    expect(messageIds(many)).toEqual(['m2@acme.com', 'm4@acme.com', null, null, null, 'm1@acme.com']);
    // Each outcome is fetch's own for that ref.
    const one = [];
    for (const r of refs) one.push(await source('u1').fetch(r));
    expect(many).toEqual(one);
    expect((many[0] as EmailItem).text?.trim()).toBe('body 2');
    expect(parseRef(refs[1]!)).toMatchObject({ path: 'Sent' });
  });

  it('reads more refs than one UID FETCH asks for, every one in order', async () => {
    const uids = await deliver(
      d,
      'u2',
      'pw-u2',
      Array.from({ length: 230 }, (_, n) => mail(100 + n)),
    );
    const validity = await validityOf('u2', 'INBOX');
    const refs = [...uids].reverse().map((uid) => uidRef('INBOX', validity, uid));
    const many = await source('u2').fetchMany(refs);
    expect(messageIds(many)).toEqual(Array.from({ length: 230 }, (_, n) => `m${329 - n}@acme.com`));
  });

  it('a folder deleted on the server fails its own refs only: the other folders are still read', async () => {
    const c = await mailClient(d, 'u4', 'pw-u4');
    await c.mailboxCreate('Projects');
    await c.logout();
    const [inbox] = await deliver(d, 'u4', 'pw-u4', [mail(500)]);
    const [project] = await deliver(d, 'u4', 'pw-u4', [mail(501, 'Projects')]);
    const refs = [
      uidRef('Projects', await validityOf('u4', 'Projects'), project!),
      uidRef('INBOX', await validityOf('u4', 'INBOX'), inbox!),
    ];
    const gone = await mailClient(d, 'u4', 'pw-u4');
    await gone.mailboxDelete('Projects');
    await gone.logout();

    const many = await source('u4').fetchMany(refs);
    expect(messageIds(many)).toEqual(['error', 'm500@acme.com']);
  });

  it('a directory change re-links every not-linked email of an IMAP mailbox (each page read on one connection)', async () => {
    // Each page's copies are asked for in one fetchMany on one connection (before: one fetch
    // per copy, 16 at a time, many of them on a connection opened and closed for it).
    await deliver(
      d,
      'u3',
      'pw-u3',
      Array.from({ length: 60 }, (_, n) => ({
        raw: eml({
          from: 'zed@prospect.example',
          to: 'alice@ourco.com',
          date: '2026-03-05T10:00:00Z',
          messageId: `z${n}@prospect.example`,
        }),
        at: '2026-03-05T10:00:00Z',
      })),
    );
    const w = await liveWorkspace('2026-03-10T12:00:00Z');
    try {
      const config = { host: d.host, port: d.port, security: 'plain', user: 'u3', auth: 'password', folders: ['INBOX'] };
      const connId = await w.connect({ provider: 'imap', config, secret: 'pw-u3', authorizedAt: AUTH.toISOString() });
      const [synced] = await syncAll(w.deps, connId);
      expect(synced?.mail).toMatchObject({ seen: 60, notLinked: 60 });
      const added = await addEndUser(w.deps, { accountId: 'acme', email: 'zed@prospect.example', source: 'manual' });
      expect(added.unavailable).toBe(0);
      expect(added.linked).toHaveLength(60);
    } finally {
      await w.close();
    }
  });
});
