// The IMAP sync decides on the server's ENVELOPE (no header block parsed on our side). Mail must
// mean the same thing as when the MIME code reads the same message from a folder or re-reads it
// for re-decision: the same addresses (groups, comments, encoded names), subject, Message-ID,
// Date and so the same fingerprint (the identity of mail without a Message-ID). Real Dovecot.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EmailItem } from '../../src/domain/items.js';
import { parseEmail } from '../../src/formats/mime/parse-email.js';
import { readImapConfig } from '../../src/providers/imap/config.js';
import { ImapMailSource } from '../../src/providers/imap/imap-mail-source.js';
import { TEST_OUTBOUND } from '../support/config.js';
import { deliver, startMailServer, type Dovecot } from '../support/imap.js';

const AUTH = new Date('2026-03-01T00:00:00Z');
const AT = '2026-03-05T10:00:00Z';
let d: Dovecot;

const raw = (headers: string[]) => `${headers.join('\r\n')}\r\n\r\nHello.\r\n`;
const MESSAGES: Record<string, string> = {
  plain: raw([
    'From: John Smith <john@acme.com>',
    'To: Alice <alice@ourco.com>, bob@ourco.com',
    'Cc: "Kate, Ops" <kate@acme.com>',
    'Subject: Renewal',
    'Date: Thu, 05 Mar 2026 09:58:00 +0000',
    'Message-ID: <plain@acme.com>',
  ]),
  encoded: raw([
    'From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <juergen@acme.de>',
    'To: =?ISO-8859-1?Q?Andr=E9?= <andre@ourco.com>',
    'Subject: =?UTF-8?Q?Vertrags=C3=A4nderung?= und\r\n =?UTF-8?Q?Preise?=',
    'Date: Thu, 5 Mar 2026 10:00:00 +0100',
    'Message-ID: <encoded@acme.de>',
  ]),
  groups: raw([
    'From: pete(his account)@silly.test',
    'To: undisclosed-recipients:;',
    'Cc: Team: ann@acme.com, "Bo" <bo@acme.com>;, carl@acme.com',
    'Bcc: kate@acme.com',
    'Subject: A folded\r\n subject line',
    'Date: Thu, 5 Mar 2026 10:01:00 -0500 (EST)',
    'Message-ID: <groups@silly.test>',
  ]),
  // No Message-ID: the fingerprint is this message's identity across sightings and providers.
  noId: raw(['From: john@acme.com', 'To: alice@ourco.com', 'Subject:   Spaces   inside  ', 'Date: Thu, 05 Mar 2026 10:02:00 GMT']),
};

beforeAll(async () => {
  d = await startMailServer({ users: { alice: 'pw-alice' } });
  await deliver(
    d,
    'alice',
    'pw-alice',
    Object.values(MESSAGES).map((m) => ({ raw: m, at: AT })),
  );
}, 300_000);

afterAll(async () => {
  await d?.stop();
});

async function synced(): Promise<EmailItem[]> {
  const src = new ImapMailSource({
    config: readImapConfig({ host: d.host, port: d.port, security: 'plain', user: 'alice', auth: 'password', folders: ['INBOX'] }),
    secret: 'pw-alice',
    authorizedAt: AUTH,
    outbound: TEST_OUTBOUND,
  });
  const items: EmailItem[] = [];
  for await (const p of src.changes(null)) {
    expect(p.errors).toEqual([]);
    items.push(...p.sightings.map((s) => s.item));
  }
  return items;
}

it('a synced message means what the MIME parser reads from the same message: addresses, subject, ids, dates, fingerprint', async () => {
  const items = await synced();
  expect(items).toHaveLength(Object.keys(MESSAGES).length);
  for (const [i, message] of Object.values(MESSAGES).entries()) {
    const mime = await parseEmail(message, { fallbackReceivedAt: new Date(0), headersOnly: true });
    const got = items[i]!;
    // Dovecot's ENVELOPE collapses runs of spaces inside a subject; the fingerprint does the same
    // to both, so the identity is equal, and only the shown subject may differ by spacing.
    const spaced = (e: EmailItem) => ({ ...e, receivedAt: undefined, subject: e.subject.replace(/\s+/g, ' ') });
    expect(spaced(got)).toEqual(spaced(mime));
    expect(got.fingerprint).toBe(mime.fingerprint);
    // E2 judges the time the mailbox received it (INTERNALDATE), not a header.
    expect(got.receivedAt.toISOString()).toBe(new Date(AT).toISOString());
  }
});

it('encoded names and subjects arrive decoded; group syntax gives its members', async () => {
  const [, encoded, groups] = await synced();
  expect(encoded!.from).toEqual([{ address: 'juergen@acme.de', name: 'Jürgen Müller' }]);
  expect(encoded!.to).toEqual([{ address: 'andre@ourco.com', name: 'André' }]);
  expect(groups!.from.map((a) => a.address)).toEqual(['pete@silly.test']);
  expect(groups!.to).toEqual([]);
  expect(groups!.cc.map((a) => a.address)).toEqual(['ann@acme.com', 'bo@acme.com', 'carl@acme.com']);
  expect(groups!.bcc.map((a) => a.address)).toEqual(['kate@acme.com']);
});
