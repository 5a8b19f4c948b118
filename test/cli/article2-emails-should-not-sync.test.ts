// Article 2: "I can see emails which should not have been synced?" — internal ↔ end-user
// mail, deleting end users (and the recreation warning / suppression), the blocklist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, eml, failedCodes, messageIds, refs, Workspace, type ChangeJson, type ImportReport } from '../support/cli.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';
const CRM = [
  'account_id,email,name,external_id',
  'acme,jane@acme.com,Jane Doe,SF-1',
  'acme,john@acme.com,John Smith,SF-2',
  'acme,pat@partnerco.com,Pat Partner,SF-3',
  'acme,sam@eu.partnerco.com,Sam Partner,SF-4',
  'acme,ops@ourco.com,Our own ops mailbox,SF-5',
].join('\n');

const w = new Workspace(NOW);
let crmFile: string;

beforeAll(async () => {
  await w.init('cs-team', ['ourco.com']);
  await w.teammate('alice@ourco.com');
  await w.teammate('dan@ourco.com');
  await w.account('acme', 'Acme Corp');
  crmFile = w.write('crm/users.csv', CRM);
  const r = await w.json<ImportReport>(['users', 'import', crmFile, '--source', 'crm:salesforce']);
  expect(r.counts).toMatchObject({ created: 5, error: 0 });

  const put = (name: string, s: Parameters<typeof eml>[0]) => w.write(`mail/alice/INBOX/${name}.eml`, eml(s));
  // Alice (the mailbox owner) is only in Cc; Dan, another teammate, writes to Jane.
  put('01', {
    from: 'dan@ourco.com',
    to: 'jane@acme.com',
    cc: 'alice@ourco.com',
    date: '2026-03-05T09:00:00Z',
    messageId: 'cc-1@ourco.com',
    subject: 'Intro',
  });
  // An internal-domain address that is no teammate writes to Jane.
  put('02', {
    from: 'support@ourco.com',
    to: 'jane@acme.com',
    cc: 'alice@ourco.com',
    date: '2026-03-05T10:00:00Z',
    messageId: 'support-1@ourco.com',
    subject: 'Your ticket',
  });
  // Internal people only.
  put('03', {
    from: 'dan@ourco.com',
    to: 'alice@ourco.com',
    date: '2026-03-05T11:00:00Z',
    messageId: 'internal-1@ourco.com',
    subject: 'Lunch?',
  });
  // Internal people only, though ops@ourco.com was (wrongly) made an end user.
  put('04', {
    from: 'dan@ourco.com',
    to: 'ops@ourco.com',
    cc: 'alice@ourco.com',
    date: '2026-03-05T12:00:00Z',
    messageId: 'internal-2@ourco.com',
    subject: 'Ops',
  });
  put('05', {
    from: 'pat@partnerco.com',
    to: 'alice@ourco.com',
    date: '2026-03-06T09:00:00Z',
    messageId: 'partner-1@partnerco.com',
    subject: 'Partner deal',
  });
  put('06', {
    from: 'sam@eu.partnerco.com',
    to: 'alice@ourco.com',
    date: '2026-03-06T10:00:00Z',
    messageId: 'partner-2@eu.partnerco.com',
    subject: 'Partner EU',
  });
  put('07', {
    from: 'john@acme.com',
    to: 'alice@ourco.com',
    date: '2026-03-07T09:00:00Z',
    messageId: 'john-1@acme.com',
    subject: 'From John',
  });
  await w.connect('alice@ourco.com', { mail: 'mail/alice' }, AUTH);
  await w.sync();
});

afterAll(() => w.cleanup());

describe.concurrent('2.1 mail between an internal person and an end user is synced', () => {
  it('links internal ↔ end-user mail even when the mailbox owner is only in Cc, or the sender is an internal address that is no teammate', async () => {
    const t = await w.timeline('acme');
    expect(messageIds(t)).toEqual([
      'cc-1@ourco.com',
      'john-1@acme.com',
      'partner-1@partnerco.com',
      'partner-2@eu.partnerco.com',
      'support-1@ourco.com',
    ]);
    const e = await w.explainEmail('cc-1@ourco.com');
    expect(e.outcome).toBe('linked');
    expect(e.accounts).toEqual([
      { id: 'acme', via: [expect.objectContaining({ email: 'jane@acme.com', field: 'to', source: 'crm:salesforce' })] },
    ]);
    expect(check(e, 'E6')).toMatchObject({ status: 'pass', code: 'E6_HAS_EXTERNAL' });
    expect(check(e, 'E1').detail).toContain('alice@ourco.com');
    // "Why here?": what the user can do about it.
    expect(e.remedyCodes).toEqual(['DELETE_END_USER', 'DELETE_AND_SUPPRESS', 'BLOCKLIST_DOMAIN']);
    expect(e.remedies.join(' ')).toContain('Salesforce Contact SF-1');
  });

  it('never links mail between internal people only', async () => {
    const e = await w.explainEmail('internal-1@ourco.com');
    expect(e.outcome).toBe('not_linked');
    expect(check(e, 'E6')).toMatchObject({ status: 'fail', code: 'E6_INTERNAL_ONLY' });
    expect(e.remedyCodes).toContain('INTERNAL_ONLY');
    expect(e.remedyCodes).not.toContain('ADD_END_USER');
  });

  it('never links internal-only mail even when an internal address is an end user', async () => {
    const e = await w.explainEmail('internal-2@ourco.com');
    expect(e.outcome).toBe('not_linked');
    expect(check(e, 'E3').status).toBe('pass');
    expect(failedCodes(e)).toEqual(['E6_INTERNAL_ONLY']);
    expect(e.accounts).toEqual([]);
  });
});

describe('2.2 / 2.3 deleting the end user; users from a source come back unless suppressed', () => {
  let plain: ChangeJson;
  let suppressed: ChangeJson;
  let reimport: ImportReport;

  beforeAll(async () => {
    plain = await w.json<ChangeJson>(['user', 'delete', '--account', 'acme', '--email', 'jane@acme.com']);
    suppressed = await w.json<ChangeJson>(['user', 'delete', '--account', 'acme', '--email', 'JOHN@acme.com', '--suppress']);
  });

  it('a delete unlinks the past mail it caused; its result is the audit entry: who, when, what it removed', () => {
    expect(refs(plain.unlinked)).toEqual(['email:cc-1@ourco.com→acme', 'email:support-1@ourco.com→acme']);
    expect(plain.linked).toEqual([]);
    expect(plain.audit).toEqual({ at: '2026-03-20T12:00:00.000Z', actor: 'cli', action: 'end_user.delete', target: 'acme/jane@acme.com' });
    expect(refs(suppressed.unlinked)).toEqual(['email:john-1@acme.com→acme']);
    expect(suppressed.audit).toMatchObject({ action: 'end_user.delete_and_suppress', target: 'acme/john@acme.com' });
  });

  it('deleting a CRM user warns that its next import recreates it; delete-and-suppress does not', () => {
    expect(plain.warning).toMatch(/crm:salesforce/);
    expect(plain.warning).toMatch(/recreate/);
    expect(plain.warning).toMatch(/--suppress/);
    expect(suppressed.warning).toBeUndefined();
  });

  it('the timeline and explain follow the delete', async () => {
    expect(messageIds(await w.timeline('acme'))).toEqual(['partner-1@partnerco.com', 'partner-2@eu.partnerco.com']);
    const e = await w.explainEmail('john-1@acme.com');
    expect(e.outcome).toBe('not_linked');
    expect(failedCodes(e)).toEqual(['E3_NO_END_USER']);
  });

  it('re-importing the same CSV from the same source recreates the plain-deleted user and skips the suppressed one', async () => {
    reimport = await w.json<ImportReport>(['users', 'import', crmFile, '--source', 'crm:salesforce']);
    expect(reimport.counts).toEqual({ created: 1, unchanged: 3, skipped_suppressed: 1, error: 0 });
    expect(reimport.rows).toContainEqual(expect.objectContaining({ line: 2, email: 'jane@acme.com', outcome: 'created' }));
    const skipped = reimport.rows.find((r) => r.outcome === 'skipped_suppressed')!;
    expect(skipped).toMatchObject({ line: 3, email: 'john@acme.com', accountId: 'acme' });
    expect(skipped.reason).toMatch(/suppress/);
    // The recreated user links its past mail again; the suppressed one stays gone.
    expect(refs(reimport.linked)).toEqual(['email:cc-1@ourco.com→acme', 'email:support-1@ourco.com→acme']);
    expect(messageIds(await w.timeline('acme'))).toEqual([
      'cc-1@ourco.com',
      'partner-1@partnerco.com',
      'partner-2@eu.partnerco.com',
      'support-1@ourco.com',
    ]);
  });

  it('the human form of delete prints the warning on stderr', async () => {
    const r = await w.run(['user', 'delete', '--account', 'acme', '--email', 'ops@ourco.com']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Deleted ops@ourco.com from acme');
    expect(r.stderr).toMatch(/^warning: .*crm:salesforce.*\n$/);
  });
});

describe('2.2 blocklisting a domain', () => {
  let add: ChangeJson;
  let remove: ChangeJson;

  it('removes the links its addresses caused (a domain covers its subdomains)', async () => {
    add = await w.json<ChangeJson>(['blocklist', 'add', 'PartnerCo.com']);
    expect(add.audit).toMatchObject({ action: 'blocklist.add', target: 'partnerco.com', actor: 'cli' });
    expect(refs(add.unlinked)).toEqual(['email:partner-1@partnerco.com→acme', 'email:partner-2@eu.partnerco.com→acme']);
    expect(messageIds(await w.timeline('acme'))).toEqual(['cc-1@ourco.com', 'support-1@ourco.com']);
    const e = await w.explainEmail('partner-2@eu.partnerco.com');
    expect(e.outcome).toBe('not_linked');
    expect(failedCodes(e)).toEqual(['E4_ALL_BLOCKLISTED']);
    expect(check(e, 'E4').detail).toContain('partnerco.com');
    expect(e.remedyCodes).toEqual(['REMOVE_FROM_BLOCKLIST']);
  });

  it('puts them back when the domain is removed from the blocklist', async () => {
    remove = await w.json<ChangeJson>(['blocklist', 'remove', 'partnerco.com']);
    expect(refs(remove.linked)).toEqual(['email:partner-1@partnerco.com→acme', 'email:partner-2@eu.partnerco.com→acme']);
    expect(remove.unavailable).toBe(0);
    expect(messageIds(await w.timeline('acme'))).toEqual([
      'cc-1@ourco.com',
      'partner-1@partnerco.com',
      'partner-2@eu.partnerco.com',
      'support-1@ourco.com',
    ]);
  });

  it('a blocklisted domain also stops new mail at sync time', async () => {
    await w.ok(['blocklist', 'add', 'partnerco.com']);
    w.write(
      'mail/alice/INBOX/08.eml',
      eml({ from: 'pat@partnerco.com', to: 'alice@ourco.com', date: '2026-03-20T12:20:00Z', messageId: 'partner-3@partnerco.com' }),
    );
    const s = await w.sync({ now: '2026-03-20T12:30:00Z' });
    expect(s.connections[0]!.mail).toEqual({ seen: 1, linked: 0, notLinked: 1 });
    const e = await w.explainEmail('partner-3@partnerco.com', { now: '2026-03-20T12:30:00Z' });
    expect(failedCodes(e)).toEqual(['E4_ALL_BLOCKLISTED']);
  });
});
