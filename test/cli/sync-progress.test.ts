// `touchpoint sync` tells how far a long sync is, on stderr: "mail: 200 / 450 messages (44 %)",
// a new line in a pipe only every tenth of the way (or few seconds), and nothing when there is
// nothing new or with --quiet. stdout stays the report (or --json's one document).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eml, Workspace } from '../support/cli.js';

const AUTH = '2026-03-01T00:00:00Z';
const w = new Workspace('2026-03-20T12:00:00Z');
/** The folder source reads 200 files a page: 450 messages are three pages. */
const MESSAGES = 450;

beforeAll(async () => {
  await w.init();
  await w.teammate('alice@ourco.com');
  await w.teammate('dan@ourco.com');
  for (let i = 0; i < MESSAGES; i++) {
    w.write(
      `mail/alice/INBOX/${i}.eml`,
      eml({
        from: 'john@acme.com',
        to: 'alice@ourco.com',
        date: '2026-03-05T10:00:00Z',
        messageId: `bulk-${i}@acme.com`,
        subject: `Note ${i}`,
      }),
    );
  }
  w.write(
    'mail/dan/INBOX/1.eml',
    eml({ from: 'john@acme.com', to: 'dan@ourco.com', date: '2026-03-06T10:00:00Z', messageId: 'dan-1@acme.com' }),
  );
  await w.connect('alice@ourco.com', { mail: 'mail/alice' }, AUTH);
  await w.connect('dan@ourco.com', { mail: 'mail/dan' }, AUTH);
});
afterAll(() => w.cleanup());

const lines = (stderr: string) => stderr.split('\n').filter((l) => l.trim() !== '');

describe('touchpoint sync progress lines', () => {
  it('in a pipe: one line per page that moved a tenth further, each teammate named; stdout stays one JSON document', async () => {
    const r = await w.run(['sync', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).connections).toHaveLength(2);
    // The time left shows once there is a rate (a few seconds in): not on a sync this short, maybe on a slow machine.
    const left = '(, less than a minute left|, about \\d+ min left|, done)?';
    const got = lines(r.stderr);
    expect(got).toHaveLength(4);
    expect(got[0]).toMatch(new RegExp(`^alice@ourco\\.com mail: 200 / 450 messages \\(44 %\\)${left}$`));
    expect(got[1]).toMatch(new RegExp(`^alice@ourco\\.com mail: 400 / 450 messages \\(88 %\\)${left}$`));
    expect(got[2]).toMatch(new RegExp(`^alice@ourco\\.com mail: 450 / 450 messages \\(100 %\\)${left}$`));
    expect(got[3]).toMatch(new RegExp(`^dan@ourco\\.com mail: 1 / 1 messages \\(100 %\\)${left}$`));
    expect(r.stderr).not.toContain('\r'); // a log, not a terminal: no in-place redraws
  });

  it('says nothing when there is nothing new, and nothing with --quiet', async () => {
    const again = await w.run(['sync']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('');
    w.write(
      'mail/dan/INBOX/2.eml',
      eml({ from: 'john@acme.com', to: 'dan@ourco.com', date: '2026-03-07T10:00:00Z', messageId: 'dan-2@acme.com' }),
    );
    const quiet = await w.run(['sync', '--quiet']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toContain('dan@ourco.com');
  });

  it('once synced, the connection carries no progress any more (status shows none)', async () => {
    const status = await w.status();
    expect(status.connections.map((c) => c.progress)).toEqual([null, null]);
  });
});
