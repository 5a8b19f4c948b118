// Issue 13 in a real browser: the Troubleshooter's default form finds the demo's not-logged
// "Invoice question" mail from john+billing@acme.com by sender + day — no Message-ID — and
// shows why it was not logged (the +tag near miss) and what to do.
import Database from 'better-sqlite3';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedApi, serveDemo, signIn, type Served, openBrowser } from './browser.js';

let served: Served;
let page: Page;
let closeBrowser: (() => Promise<void>) | undefined;

const api = (method: string, url: string, body?: unknown) => servedApi(served, method, url, body);

beforeAll(async () => {
  served = await serveDemo();
  // Alice's mailbox holds the mail; connected over the API (the connect form has its own test).
  const conn = await api('POST', '/v1/connections/folder', {
    teammate: 'alice@ourco.com',
    mail: path.join(served.demo, 'mail/alice'),
    authorizedAt: '2026-03-01T00:00:00Z',
  });
  if (conn.status !== 201) throw new Error(`connect: ${JSON.stringify(conn.body)}`);
  ({ page, close: closeBrowser } = await openBrowser());
  await signIn(page, served);
}, 240_000);

afterAll(async () => {
  await closeBrowser?.();
  await served?.close();
});

describe('Troubleshooter: find', () => {
  it('finds a not-logged email by sender + day and shows the reason and the remedy', async () => {
    // The service syncs the new connection in the background: wait until the store has the mail.
    await expect
      .poll(async () => ((await api('GET', '/v1/find/email?from=john%2Bbilling@acme.com')).body.candidates as unknown[]).length, {
        timeout: 60_000,
      })
      .toBe(1);
    await page.getByRole('link', { name: 'Troubleshooter' }).click();
    const form = page.getByRole('form', { name: 'Find an email' });
    await form.getByLabel('Sender').fill('john+billing@acme.com');
    await form.getByLabel('Day').fill('2026-03-06');
    await form.getByRole('button', { name: 'Find' }).click();
    const card = page.getByRole('article', { name: 'Candidate plus-6@mail.acme.com' });
    await expect.poll(() => card.textContent()).toMatch(/6 Mar 2026, 16:45 UTC — Not logged — alice@ourco.com · INBOX/);
    // The time reads in the viewer's zone (UTC in this browser), the exact UTC time on hover.
    expect(await card.locator('time').first().getAttribute('title')).toBe('Fri, 6 Mar 2026, 16:45:00 UTC');
    // Synced by the service on the demo's clock (as `npm start` serves it): two weeks after it
    // arrived, the connection having been made on 20 March, not months later on the real date.
    expect(await card.textContent()).toMatch(/Synced 20 Mar 2026, 12:\d\d UTC, 14 days after it arrived/);
    // The failing check in words, its rule id beside it.
    expect(await card.getByRole('list', { name: 'Why not logged' }).textContent()).toMatch(/No participant (is|was) an end user.* E3$/);
    expect(await card.getByRole('list', { name: 'Near misses' }).textContent()).toMatch(/john\+billing@acme\.com .*\+tag/);
    expect(await card.getByRole('list', { name: 'What you can do' }).textContent()).toMatch(/Add the end user .*john\+billing@acme\.com/);
    // "Not the one I mean": the store answered alone, so the mailboxes can be searched too.
    await page.getByRole('button', { name: 'Search the connected mailboxes too' }).click();
    await expect.poll(() => form.textContent()).toMatch(/1 found \(the mailboxes were asked too\)/);
    expect(await page.getByRole('button', { name: 'Search the connected mailboxes too' }).count()).toBe(0);
    expect(await card.textContent()).toMatch(/Not logged — alice@ourco.com · INBOX/);
  });

  it('a card says once that its email waits for a re-read, though its full explanation is inside it', async () => {
    // A directory change could not re-read this email yet (Gmail's quota refused it).
    const db = new Database(served.db);
    const { id, workspace_id: ws } = db.prepare('SELECT id, workspace_id FROM emails WHERE message_id = ?').get('plus-6@mail.acme.com') as {
      id: string;
      workspace_id: string;
    };
    const refusedAt = new Date(served.now().getTime() - 40 * 60_000).toISOString();
    db.prepare('INSERT INTO deferred_redecisions VALUES (?, ?, 2, ?, ?, ?, ?)').run(ws, id, refusedAt, refusedAt, 'THROTTLED', 'gmail');
    try {
      const form = page.getByRole('form', { name: 'Find an email' });
      await form.getByLabel('Day').fill('2026-03-06');
      await form.getByRole('button', { name: 'Find' }).click();
      const card = page.getByRole('article', { name: 'Candidate plus-6@mail.acme.com' });
      await expect.poll(() => card.textContent()).toMatch(/Waiting for a re-read after a directory change.*Gmail.*2 attempts/);
      // Once at the top of the card; the collapsed "Every check" below does not say it again.
      expect((await card.textContent())?.match(/Waiting for a re-read/g)).toHaveLength(1);
      // …and opened, it still shows the checks the email stands on.
      await card.getByText('Every check').click();
      expect(await card.getByRole('table', { name: 'Checks' }).isVisible()).toBe(true);
    } finally {
      db.prepare('DELETE FROM deferred_redecisions WHERE workspace_id = ? AND email_id = ?').run(ws, id);
      db.close();
    }
  });

  it('a day with nothing from that sender says so', async () => {
    const form = page.getByRole('form', { name: 'Find an email' });
    await form.getByLabel('Day').fill('2026-03-07');
    await form.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => form.textContent()).toMatch(/Nothing sent or received like that/);
    expect(await page.getByRole('article').count()).toBe(0);
  });
});
