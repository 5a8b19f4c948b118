// Article 3: "I can see the same email synced under multiple accounts?" — plus the other
// side of "same email": one message seen in several folders and mailboxes is ONE activity,
// and Bcc (shown only on the sender's sent copy) links.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  check,
  eml,
  messageIds,
  refs,
  Workspace,
  type ChangeJson,
  type ExplanationJson,
  type StatusJson,
  type SyncJson,
} from '../support/cli.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';

const w = new Workspace(NOW);
let danFirst: SyncJson;
let all: SyncJson;
let status: StatusJson;
let alice: string;
let dan: string;

beforeAll(async () => {
  await w.init('cs-team', ['ourco.com']);
  await w.teammate('alice@ourco.com');
  await w.teammate('dan@ourco.com');
  await w.account('acme', 'Acme Corp');
  await w.account('globex', 'Globex');
  await w.users(
    [
      'account_id,email,name,external_id',
      'acme,jane@acme.com,Jane Doe,A-1',
      'globex,Jane@Acme.com,Jane Doe (advisor),G-7',
      'globex,bob@globex.com,Bob,G-1',
    ].join('\n'),
    'crm:hubspot',
  );

  const shared = eml({
    from: 'Alice <alice@ourco.com>',
    to: 'Jane <jane@acme.com>',
    cc: 'dan@ourco.com',
    date: '2026-03-05T10:00:00Z',
    messageId: 'shared-1@ourco.com',
    subject: 'Renewal plan',
  });
  // The same message in Alice's Sent and (a copy to herself) INBOX, and in Dan's INBOX (Cc).
  w.write('mail/alice/Sent/shared.eml', shared);
  w.write('mail/alice/INBOX/shared-copy.eml', shared);
  w.write('mail/dan/INBOX/shared.eml', shared);
  // No Message-ID: deduplicated by fingerprint (Alice's Sent + Dan's INBOX).
  const noId = eml({
    from: 'alice@ourco.com',
    to: 'jane@acme.com',
    cc: 'dan@ourco.com',
    date: '2026-03-06T10:00:00Z',
    subject: 'No message id',
  });
  w.write('mail/alice/Sent/no-id.eml', noId);
  w.write('mail/dan/INBOX/no-id.eml', noId);
  // Bob is only in Bcc: the sent copy shows it, Dan's received copy does not.
  const bcc = {
    from: 'alice@ourco.com',
    to: 'dan@ourco.com',
    date: '2026-03-07T10:00:00Z',
    messageId: 'bcc-1@ourco.com',
    subject: 'Deck (Bob in Bcc)',
  };
  w.write('mail/alice/Sent/bcc.eml', eml({ ...bcc, bcc: 'bob@globex.com' }));
  w.write('mail/dan/INBOX/bcc.eml', eml(bcc));

  alice = await w.connect('alice@ourco.com', { mail: 'mail/alice' }, AUTH);
  dan = await w.connect('dan@ourco.com', { mail: 'mail/dan' }, AUTH);
  // Dan's mailbox syncs first, so his copies are the first sightings of each message.
  danFirst = await w.json<SyncJson>(['sync', '--connection', dan], { now: '2026-03-20T11:00:00Z' });
  all = await w.sync();
  status = await w.status();
});

afterAll(() => w.cleanup());

describe.concurrent('3. the same email under multiple accounts', () => {
  let e: ExplanationJson;
  beforeAll(async () => {
    e = await w.explainEmail('shared-1@ourco.com');
  });

  it('is linked to every account where the address is an end user', async () => {
    expect(e.outcome).toBe('linked');
    expect(e.accounts.map((a) => a.id)).toEqual(['acme', 'globex']);
    expect(messageIds(await w.timeline('acme'))).toContain('shared-1@ourco.com');
    expect(messageIds(await w.timeline('globex'))).toContain('shared-1@ourco.com');
  });

  it('explain names, per account, the end user that caused the link', () => {
    const [acme, globex] = e.accounts;
    expect(acme!.via).toEqual([expect.objectContaining({ email: 'jane@acme.com', field: 'to', externalId: 'A-1', source: 'crm:hubspot' })]);
    expect(globex!.via).toEqual([
      expect.objectContaining({ email: 'Jane@Acme.com', field: 'to', externalId: 'G-7', source: 'crm:hubspot' }),
    ]);
    expect(acme!.via[0]!.endUserId).not.toBe(globex!.via[0]!.endUserId);
    expect(check(e, 'E5').detail).toMatch(/2 account\(s\).*Acme Corp \[acme\].*Globex \[globex\]/);
    expect(e.remedyCodes).toContain('DELETE_END_USER');
    expect(e.remedies.join(' ')).toMatch(/from account globex/);
  });

  it('global search of the address (or a part of it) lists every account it is an end user of', async () => {
    const s = await w.json(['search', 'JANE@acme.com']);
    expect(s.accounts.map((a: { id: string }) => a.id)).toEqual(['acme', 'globex']);
    expect(s.accounts[1]).toMatchObject({
      id: 'globex',
      name: 'Globex',
      endUser: { email: 'Jane@Acme.com', source: 'crm:hubspot', externalId: 'G-7' },
    });
    const shared = s.activities.filter((a: { messageId?: string }) => a.messageId === 'shared-1@ourco.com');
    expect(shared.map((a: { accountId: string }) => a.accountId).sort()).toEqual(['acme', 'globex']);
    const part = await w.json(['search', 'acme.com']);
    expect(part.accounts.map((a: { id: string }) => a.id)).toEqual(['acme', 'globex']);
    const mate = await w.json(['search', 'dan@our']);
    expect(mate.accounts).toEqual([]);
    expect(mate.teammates).toEqual([expect.objectContaining({ email: 'dan@ourco.com' })]);
  });
});

describe('3. the remedy: remove the end user from that account', () => {
  it('removing the end user from one account removes only that link', async () => {
    const r = await w.json<ChangeJson>(['user', 'delete', '--account', 'globex', '--email', 'jane@acme.com']);
    // Jane's two emails (one without a Message-ID, named by its fingerprint) leave Globex only.
    expect(r.unlinked).toHaveLength(2);
    expect(r.unlinked.map((c) => c.accountId)).toEqual(['globex', 'globex']);
    expect(r.unlinked.map((c) => c.ref)).toContain('shared-1@ourco.com');
    const after = await w.explainEmail('shared-1@ourco.com');
    expect(after.accounts.map((a) => a.id)).toEqual(['acme']);
    const s = await w.json(['search', 'jane@acme.com']);
    expect(s.accounts.map((a: { id: string }) => a.id)).toEqual(['acme']);
  });
});

describe.concurrent('one message seen in several folders and mailboxes is one activity', () => {
  it('each sync reports the sightings it read', () => {
    expect(danFirst.connections.map((c) => [c.connectionId, c.mail.seen])).toEqual([[dan, 3]]);
    expect(all.connections.find((c) => c.connectionId === alice)!.mail.seen).toBe(4);
    expect(all.connections.find((c) => c.connectionId === dan)!.mail.seen).toBe(0);
  });

  it('the timeline holds each message once, with or without a Message-ID', async () => {
    const t = await w.timeline('acme');
    expect(t.items.filter((i) => i.messageId === 'shared-1@ourco.com')).toHaveLength(1);
    const noId = t.items.filter((i) => i.subject === 'No message id');
    expect(noId).toHaveLength(1);
    expect(t.items).toHaveLength(2);
  });

  it("explain keeps every sighting: both of Alice's folders and Dan's inbox", async () => {
    const e = await w.explainEmail('shared-1@ourco.com');
    const seen = check(e, 'E1').detail;
    expect(seen).toContain('alice@ourco.com (INBOX)');
    expect(seen).toContain('alice@ourco.com (Sent)');
    expect(seen).toContain('dan@ourco.com (INBOX)');
  });

  it('status counts each message once per mailbox', () => {
    const a = status.connections.find((c) => c.id === alice)!;
    const d = status.connections.find((c) => c.id === dan)!;
    expect(a.counts.email).toMatchObject({ seen: 3, linked: 3 });
    expect(d.counts.email).toMatchObject({ seen: 3, linked: 3 });
  });
});

describe('Bcc on sent mail', () => {
  it('links the Bcc recipient, although the received copy does not show it', async () => {
    const e = await w.explainEmail('bcc-1@ourco.com');
    expect(e.outcome).toBe('linked');
    expect(e.accounts).toEqual([{ id: 'globex', via: [expect.objectContaining({ email: 'bob@globex.com', field: 'bcc' })] }]);
    expect(messageIds(await w.timeline('globex'))).toEqual(['bcc-1@ourco.com']);
  });

  it('keeps the Bcc when the past is re-decided from the mailboxes (blocklist and back)', async () => {
    const block = await w.json<ChangeJson>(['blocklist', 'add', 'globex.com']);
    expect(refs(block.unlinked)).toEqual(['email:bcc-1@ourco.com→globex']);
    const unblock = await w.json<ChangeJson>(['blocklist', 'remove', 'globex.com']);
    expect(refs(unblock.linked)).toEqual(['email:bcc-1@ourco.com→globex']);
    expect(messageIds(await w.timeline('globex'))).toEqual(['bcc-1@ourco.com']);
  });
});
