// Issue 13, the demo case: on the demo workspace, the CSM remembers "John, Invoice question,
// 6 March" — not a Message-ID. `touchpoint find email` through the real binary finds the mail
// the store saw but did not log, and says why (the +tag near miss) and what to do.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectUserError, ROOT, runCli } from '../support/cli.js';

const NOW = '2026-03-20T12:00:00Z';
const dir = mkdtempSync(path.join(tmpdir(), 'tp-find-'));
const db = path.join(dir, 'demo.db');
const tp = (...args: string[]) => runCli(['--db', db, '--now', NOW, ...args]);

beforeAll(() => {
  execFileSync('bash', [path.join(ROOT, 'scripts/demo-workspace.sh'), db], {
    cwd: ROOT,
    env: { ...process.env, DEMO_NOW: NOW },
    stdio: 'ignore',
  });
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('touchpoint find', () => {
  it('finds the not-logged +tag mail by sender + day, with the reason and the remedy', async () => {
    const r = await tp('find', 'email', '--from', 'john+billing@acme.com', '--on', '2026-03-06');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('1 email from john+billing@acme.com, on 2026-03-06:');
    expect(lines[1]).toMatch(/^2026-03-06T16:45:00.000Z {2}NOT LINKED {2}alice@ourco.com · INBOX {2}<plus-6@mail.acme.com>$/);
    expect(r.stdout).toMatch(/✗ E3 E3_NO_END_USER/);
    expect(r.stdout).toMatch(/hint: .*john\+billing@acme\.com.*john@acme\.com/);
    expect(r.stdout).toMatch(/→ .*john\+billing@acme\.com/); // the remedy: add the alias as an end user
    // The store answered alone: the way to ask the mailboxes too is named.
    expect(r.stdout).toMatch(/Not the one\? Add --ask-mailboxes/);
    const asked = await tp('find', 'email', '--from', 'john+billing@acme.com', '--on', '2026-03-06', '--ask-mailboxes');
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stdout).toContain('<plus-6@mail.acme.com>');
    expect(asked.stdout).not.toMatch(/Not the one\?/);
  });

  it('--json prints { candidates } with the explain document, where and live', async () => {
    const r = await tp('find', 'email', '--from', 'john+billing@acme.com', '--subject', 'invoice', '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { candidates: Record<string, unknown>[] };
    expect(Object.keys(doc)).toEqual(['candidates']);
    expect(doc.candidates).toEqual([
      expect.objectContaining({
        kind: 'email',
        outcome: 'not_linked',
        messageId: 'plus-6@mail.acme.com',
        date: '2026-03-06T16:45:00.000Z',
        where: [expect.objectContaining({ teammate: 'alice@ourco.com', folder: 'INBOX' })],
        live: false,
        subjectNotKept: true,
      }),
    ]);
    expect(doc.candidates[0]).not.toHaveProperty('subject');
  });

  it('a historic email is answered E2 with its date', async () => {
    const r = await tp(
      'find',
      'email',
      '--from',
      'jane@acme.com',
      '--since',
      '2026-02-01T00:00:00Z',
      '--until',
      '2026-03-01T00:00:00Z',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const [c] = (JSON.parse(r.stdout) as { candidates: { outcome: string; date: string; checks: { code: string; detail: string }[] }[] })
      .candidates;
    expect(c?.outcome).toBe('not_linked');
    const e2 = c!.checks.find((x) => x.code === 'E2_HISTORIC');
    expect(e2?.detail).toContain(c!.date.slice(0, 10));
  });

  it('a meeting by title words and a day', async () => {
    const r = await tp('find', 'meeting', '--title', 'roadmap', '--on', '2026-03-10');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^1 meeting title "roadmap", on 2026-03-10:\n2026-03-10T13:00:00.000Z {2}NOT LINKED .*acme-internal-sync@acme.com/,
    );
    expect(r.stdout).toMatch(/✗ M4 /);
  });

  it('nothing found: one sentence saying what was searched, exit 0', async () => {
    const r = await tp('find', 'email', '--from', 'nobody@acme.com', '--on', '2026-03-06');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('No email from nobody@acme.com, on 2026-03-06 in what Touchpoint has seen.\n');
  });

  it('bad input: one line naming the flag; --on with --since is a usage error (exit 2)', async () => {
    expectUserError(await tp('find', 'email', '--from', 'john'), /--from: "john" is not an email address/);
    expectUserError(await tp('find', 'email', '--from', 'john@acme.com', '--on', '6 March'), /--on: "6 March" is not a day/);
    expectUserError(await tp('find', 'email', '--on', '2026-03-06'), /--from, --to or --subject/);
    const both = await tp('find', 'email', '--from', 'john@acme.com', '--on', '2026-03-06', '--since', '2026-03-01');
    expectUserError(both, /--on.*cannot be used with.*--since/);
    expect(both.code).toBe(2);
  });
});
