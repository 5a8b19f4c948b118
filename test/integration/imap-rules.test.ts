// Every email rule (E1–E7) through a real IMAP server: mail is APPENDed to Dovecot with its
// INTERNALDATE, synced with `touchpoint sync` over IMAP, and judged by `explain`.
// Also: INBOX + Sent copies are one activity, bodies are kept only for linked mail, a
// directory change re-reads not-linked mail from IMAP, and the password never leaks.
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { check, eml, failedCodes, messageIds, Workspace, type CliResult, type StatusJson, type SyncJson } from '../support/cli.js';
import { connectImap, deliver, startMailServer, TEST_SECRET_KEY, type Dovecot } from '../support/imap.js';

// Each step spawns the CLI or a server; on a loaded 2-core machine a test can take minutes.
vi.setConfig({ testTimeout: 240_000 });

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-10T12:00:00Z';
const PASSWORD = 'Pw-Alice-9f3b1c77e2';

let d: Dovecot;
const w = new Workspace(NOW, 'tp-imap-rules-');
const outputs: CliResult[] = [];
let first: SyncJson;
let second: SyncJson;
let status: StatusJson;

const msg = (id: string, over: Partial<Parameters<typeof eml>[0]> & { at: string; folder?: string }) => ({
  raw: eml({
    from: 'john@acme.com',
    to: 'alice@ourco.com',
    date: over.at,
    messageId: id,
    subject: `Subject of ${id}`,
    body: `Body of ${id}`,
    ...over,
  }),
  at: over.at,
  ...(over.folder ? { folder: over.folder } : {}),
});

beforeAll(async () => {
  d = await startMailServer({ users: { alice: PASSWORD } });
  w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
  w.env.ALICE_IMAP_PASSWORD = PASSWORD;
  // Record every CLI call's output for the "no secret in output" check.
  const run = w.run.bind(w);
  w.run = async (args, opts) => {
    const r = await run(args, opts);
    outputs.push(r);
    return r;
  };
  await w.init('cs-team', ['ourco.com']);
  await w.teammate('alice@ourco.com', ['alice.smith@ourco.com']);
  await w.account('acme', 'Acme');
  await w.account('globex', 'Globex');
  await w.account('partner', 'Partner Co');
  await w.users(
    [
      'account_id,email,name,external_id',
      'acme,john@acme.com,John,A1',
      'globex,john@acme.com,John (advisor),G1',
      'acme,kate@acme.com,Kate,A2',
      'partner,pat@partner.io,Pat,P1',
      'globex,late@globex.com,Late,G2',
    ].join('\n'),
  );
  await w.ok(['blocklist', 'add', 'partner.io']);

  await deliver(d, 'alice', PASSWORD, [
    msg('e2-historic@acme.com', { at: '2026-02-28T20:00:00Z' }), // received before authorization
    msg('e2-old-date@acme.com', { at: '2026-03-02T08:00:00Z', date: '2026-01-15T08:00:00Z' }), // old Date:, received after
    msg('e3-plus@acme.com', { at: '2026-03-03T09:00:00Z', from: 'john+billing@acme.com' }),
    msg('e3-kate@acme.com', { at: '2026-03-03T10:00:00Z', from: 'Kate <KATE@acme.com>' }),
    msg('e4-partner@partner.io', { at: '2026-03-04T09:00:00Z', from: 'pat@partner.io' }),
    msg('e5-both@acme.com', { at: '2026-03-04T10:00:00Z' }),
    msg('e6-internal@ourco.com', { at: '2026-03-05T09:00:00Z', from: 'bob@ourco.com' }),
    msg('e6-mixed@ourco.com', { at: '2026-03-05T10:00:00Z', from: 'bob@ourco.com', cc: 'kate@acme.com' }),
    msg('later-user@globex.com', { at: '2026-03-06T10:00:00Z', from: 'late@globex.com' }),
    // The sent copy shows Bcc; the copy Alice also filed in INBOX does not.
    msg('sent-1@ourco.com', {
      at: '2026-03-07T10:00:00Z',
      folder: 'Sent',
      from: 'alice@ourco.com',
      to: 'bob@ourco.com',
      bcc: 'kate@acme.com',
    }),
    msg('sent-1@ourco.com', { at: '2026-03-07T10:00:05Z', from: 'alice@ourco.com', to: 'bob@ourco.com' }),
  ]);
  await w.ok(['user', 'delete', '--account', 'globex', '--email', 'late@globex.com']);
  await connectImap(w, d, { teammate: 'alice@ourco.com', user: 'alice', passwordEnv: 'ALICE_IMAP_PASSWORD', authorizedAt: AUTH });
  first = await w.sync();
  second = await w.sync();
  status = await w.status();
  // A fresh machine installs Dovecot first (apt-get), which can take a while.
}, 300_000);

afterAll(async () => {
  await d?.stop();
  w.cleanup();
});

describe('email rules over IMAP', () => {
  it('syncs INBOX and Sent: every message once, then nothing new', () => {
    expect(first.connections[0]!.status).toBe('active');
    expect(first.connections[0]!.mail.seen).toBe(11);
    expect(first.connections[0]!.errors).toEqual([]);
    expect(second.connections[0]!.mail.seen).toBe(0);
    expect(status.connections[0]!.provider).toBe('imap');
    expect(status.connections[0]!.counts.email.seen).toBe(10); // 11 sightings, one message twice
  });

  it('E1: seen through the authorized IMAP inbox, naming the folder', async () => {
    const e = await w.explainEmail('e3-kate@acme.com');
    expect(check(e, 'E1')).toMatchObject({ status: 'pass', code: 'E1_AUTHORIZED' });
    expect(check(e, 'E1').detail).toContain('INBOX');
  });

  it('E2: judged on INTERNALDATE, not the Date header', async () => {
    const historic = await w.explainEmail('e2-historic@acme.com');
    expect(historic.outcome).toBe('not_linked');
    expect(failedCodes(historic)).toEqual(['E2_HISTORIC']);
    expect(check(historic, 'E2').detail).toContain('2026-02-28T20:00:00.000Z');
    const oldDate = await w.explainEmail('e2-old-date@acme.com');
    expect(oldDate.outcome).toBe('linked');
    expect(check(oldDate, 'E2').detail).toContain('2026-03-02T08:00:00.000Z');
  });

  it('E3: the same address links (any case); a +tag is a hint, not a match', async () => {
    expect((await w.explainEmail('e3-kate@acme.com')).outcome).toBe('linked');
    const plus = await w.explainEmail('e3-plus@acme.com');
    expect(failedCodes(plus)).toEqual(['E3_NO_END_USER']);
    expect(plus.hints.map((h) => h.endUserEmail)).toContain('john@acme.com');
  });

  it('E4: a blocklisted end user never links', async () => {
    expect(failedCodes(await w.explainEmail('e4-partner@partner.io'))).toEqual(['E4_ALL_BLOCKLISTED']);
  });

  it('E5: linked to every account with a matching end user', async () => {
    const e = await w.explainEmail('e5-both@acme.com');
    expect(e.accounts.map((a) => a.id).sort()).toEqual(['acme', 'globex']);
  });

  it('E6: internal-only mail is not linked; internal + end user is', async () => {
    const internal = await w.explainEmail('e6-internal@ourco.com');
    expect(internal.outcome).toBe('not_linked');
    expect(failedCodes(internal)).toContain('E6_INTERNAL_ONLY');
    expect((await w.explainEmail('e6-mixed@ourco.com')).outcome).toBe('linked');
  });

  it('E7: says when it was synced', async () => {
    const e = await w.explainEmail('e6-mixed@ourco.com');
    expect(check(e, 'E7').status).toBe('pass');
    expect(check(e, 'E7').detail).toContain('2026-03-10T12:00:00.000Z');
  });

  it('a message in INBOX and its copy in Sent are one activity, linked through the Bcc of the sent copy', async () => {
    const e = await w.explainEmail('sent-1@ourco.com');
    expect(e.outcome).toBe('linked');
    expect(e.accounts[0]!.via[0]).toMatchObject({ email: 'kate@acme.com', field: 'bcc' });
    const acme = await w.timeline('acme');
    expect(messageIds(acme).filter((m) => m === 'sent-1@ourco.com')).toHaveLength(1);
    const db = new Database(w.db, { readonly: true });
    const folders = db
      .prepare(
        "SELECT s.folder FROM email_sightings s JOIN emails e ON e.id = s.email_id WHERE e.message_id = 'sent-1@ourco.com' ORDER BY s.folder",
      )
      .all();
    db.close();
    expect(folders).toEqual([{ folder: 'INBOX' }, { folder: 'Sent' }]);
  });

  it('downloads and keeps bodies of linked mail only', () => {
    const db = new Database(w.db, { readonly: true });
    const rows = db.prepare('SELECT message_id, outcome, subject, body_text FROM emails').all() as {
      message_id: string;
      outcome: string;
      subject: string | null;
      body_text: string | null;
    }[];
    db.close();
    for (const r of rows) {
      if (r.outcome === 'linked') {
        expect(r.body_text, r.message_id).toContain(`Body of ${r.message_id}`);
        expect(r.subject).toBe(`Subject of ${r.message_id}`);
      } else {
        expect(r.body_text, r.message_id).toBeNull();
        expect(r.subject, r.message_id).toBeNull();
      }
    }
    expect(rows.filter((r) => r.outcome === 'linked').length).toBe(5);
  });

  it('adding an end user re-reads not-linked mail from IMAP and links it, body included', async () => {
    const change = await w.json(['user', 'add', '--account', 'globex', '--email', 'late@globex.com']);
    expect(change.linked.map((c: { ref: string }) => c.ref)).toEqual(['later-user@globex.com']);
    const db = new Database(w.db, { readonly: true });
    const row = db.prepare("SELECT body_text FROM emails WHERE message_id = 'later-user@globex.com'").get() as { body_text: string };
    db.close();
    expect(row.body_text).toContain('Body of later-user@globex.com');
  });

  it('never shows the password: not in any CLI output, not in the database file', () => {
    expect(outputs.length).toBeGreaterThan(10);
    for (const r of outputs) {
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    }
    const dbBytes = Buffer.concat([
      readFileSync(w.db),
      ...['-wal'].map((s) => {
        try {
          return readFileSync(w.db + s);
        } catch {
          return Buffer.alloc(0);
        }
      }),
    ]);
    expect(dbBytes.includes(Buffer.from(PASSWORD))).toBe(false);
    expect(dbBytes.includes(Buffer.from('v1:'))).toBe(true); // stored, encrypted
  });
});
