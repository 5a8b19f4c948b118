// Issue 13, item 4: mail from before authorization is answered "historic (E2)" with its date,
// never "unknown … none has seen it". On a real Dovecot mailbox: a message received 10 days
// before authorization is fetched (headers only) by the first sync and judged historic;
// one from before the bounded look-back stays unseen (the live lookup answers those).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { check, eml, failedCodes, Workspace } from '../support/cli.js';
import { connectImap, deliver, startMailServer, TEST_SECRET_KEY, type Dovecot } from '../support/imap.js';

vi.setConfig({ testTimeout: 240_000 });

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-10T12:00:00Z';
const PASSWORD = 'Pw-Alice-hist-5d1e'; // test-only credential for a throwaway Dovecot

let d: Dovecot;
const w = new Workspace(NOW, 'tp-imap-historic-');

const msg = (id: string, at: string) => ({
  raw: eml({ from: 'john@acme.com', to: 'alice@ourco.com', date: at, messageId: id, subject: `Subject of ${id}`, body: 'Hello' }),
  at,
});

beforeAll(async () => {
  d = await startMailServer({ users: { alice: PASSWORD } });
  w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
  w.env.ALICE_IMAP_PASSWORD = PASSWORD;
  await w.init('cs-team', ['ourco.com']);
  await w.teammate('alice@ourco.com');
  await w.account('acme', 'Acme');
  await w.users(['account_id,email,name,external_id', 'acme,john@acme.com,John,A1'].join('\n'));
  await deliver(d, 'alice', PASSWORD, [
    msg('ten-days-before@acme.com', '2026-02-19T09:30:00Z'),
    msg('long-before@acme.com', '2026-01-05T09:30:00Z'), // 55 days before: outside the look-back
    msg('after@acme.com', '2026-03-03T09:30:00Z'),
  ]);
  await connectImap(w, d, { teammate: 'alice@ourco.com', user: 'alice', passwordEnv: 'ALICE_IMAP_PASSWORD', authorizedAt: AUTH });
  await w.sync();
}, 300_000);

afterAll(async () => {
  await d?.stop();
  w.cleanup();
});

describe('historic mail over IMAP', () => {
  it('a message 10 days before authorization is answered historic (E2) with its date', async () => {
    const e = await w.explainEmail('ten-days-before@acme.com');
    expect(e.outcome).toBe('not_linked');
    expect(failedCodes(e)).toEqual(['E2_HISTORIC']);
    expect(check(e, 'E2').detail).toContain('2026-02-19T09:30:00.000Z');
    expect(check(e, 'E1').detail).toContain('INBOX');
  });

  it('mail after authorization is still linked', async () => {
    expect((await w.explainEmail('after@acme.com')).outcome).toBe('linked');
  });

  it('mail older than the look-back is not read (bounded first sync)', async () => {
    expect((await w.explainEmail('long-before@acme.com')).outcome).toBe('unknown');
  });
});
