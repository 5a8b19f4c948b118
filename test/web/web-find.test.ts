// Issue 13 in a real browser: the Troubleshooter's default form finds the demo's not-logged
// "Invoice question" mail from john+billing@acme.com by sender + day — no Message-ID — and
// shows why it was not logged (the +tag near miss) and what to do.
import path from 'node:path';
import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, serveDemo, userDataDir, type Served } from './browser.js';

let served: Served;
let browser: BrowserContext;
let page: Page;
let profile: string;

const api = async (method: string, url: string, body?: unknown) => {
  const res = await fetch(`${served.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${served.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  served = await serveDemo();
  // Alice's mailbox holds the mail; connected over the API (the connect form has its own test).
  const conn = await api('POST', '/v1/connections/folder', {
    teammate: 'alice@ourco.com',
    mail: path.join(served.demo, 'mail/alice'),
    authorizedAt: '2026-03-01T00:00:00Z',
  });
  if (conn.status !== 201) throw new Error(`connect: ${JSON.stringify(conn.body)}`);
  profile = userDataDir();
  browser = await launchBrowser(profile);
  page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(served.url);
  await page.getByLabel('API token').fill(served.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /Sync email & calendar/ }).waitFor();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
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
    expect(await card.getByRole('list', { name: 'Why not logged' }).textContent()).toMatch(/E3: No participant is an end user/);
    expect(await card.getByRole('list', { name: 'Near misses' }).textContent()).toMatch(/john\+billing@acme\.com .*\+tag/);
    expect(await card.getByRole('list', { name: 'What you can do' }).textContent()).toMatch(/Add the end user .*john\+billing@acme\.com/);
  });

  it('a day with nothing from that sender says so', async () => {
    const form = page.getByRole('form', { name: 'Find an email' });
    await form.getByLabel('Day').fill('2026-03-07');
    await form.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => form.textContent()).toMatch(/Nothing sent or received like that/);
    expect(await page.getByRole('article').count()).toBe(0);
  });
});
