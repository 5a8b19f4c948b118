import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotEmulator } from '../emulators/hubspot.js';
import { servedApi, serveDemo, signIn, type Served, openBrowser } from './browser.js';

let served: Served;
let hubspot: HubSpotEmulator;
let page: Page;
let closeBrowser: (() => Promise<void>) | undefined;

const api = <T>(method: string, url: string): Promise<T> => servedApi(served, method, url).then((r) => r.body as T);
const endUsersOf = (account: string) =>
  api<{ email: string; source: string }[] | { error: string }>('GET', `/v1/accounts/${account}/end-users`).then((r) =>
    Array.isArray(r) ? r.map((u) => `${u.email} ${u.source}`).sort() : [],
  );

beforeAll(async () => {
  hubspot = await HubSpotEmulator.start();
  hubspot.seed(
    [{ id: '7', name: 'Umbrella', domain: 'umbrella.example' }],
    [
      { id: '71', email: 'ann@umbrella.example', companyIds: ['7'] },
      { id: '72', email: 'ben@umbrella.example', companyIds: ['7'] },
    ],
  );
  served = await serveDemo();
  ({ page, close: closeBrowser } = await openBrowser());
  await signIn(page, served);
}, 240_000);

afterAll(async () => {
  await closeBrowser?.();
  await served?.close();
  await hubspot?.close();
});

describe('directory sources in the web app', () => {
  it('connects HubSpot from the Sync page with a mapping; its first sync brings the company and its two contacts in (3 records added)', async () => {
    const form = page.getByRole('form', { name: 'Connect a directory source' });
    await form.getByLabel('Source').selectOption('hubspot');
    await form.getByLabel('API address').fill(hubspot.url);
    await form.getByLabel('Private-app token').fill(hubspot.secret);
    await form.getByLabel('When a company is deleted there').selectOption('remove');
    await form.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toMatch(/^Connected crm:hubspot/);
    expect(await form.getByLabel('Private-app token').inputValue()).toBe(''); // not kept in the page
    await expect
      .poll(() => endUsersOf('hubspot-7'), { timeout: 30_000 })
      .toEqual(['ann@umbrella.example crm:hubspot', 'ben@umbrella.example crm:hubspot']);
    const card = page.getByRole('region', { name: 'Directory source crm:hubspot' });
    await expect
      .poll(() => card.textContent(), { timeout: 15_000 })
      .toMatch(/Syncing on schedule[\s\S]*Last sync: 3 added, 0 updated, 0 removed, 0 skipped/);
    // The mapping chosen in the form is the source's.
    expect(await card.textContent()).toContain(
      'Mapping: the primary email; each company its own account; a deleted company removes its end users',
    );
  });

  it('disconnects it and removes its end users, after saying what that does', async () => {
    const card = page.getByRole('region', { name: 'Directory source crm:hubspot' });
    await card.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = card.getByRole('alertdialog', { name: 'Disconnect crm:hubspot' });
    expect(await dialog.textContent()).toMatch(/removing them unlinks their past mail and meetings/);
    await dialog.getByRole('button', { name: 'Disconnect and remove end users' }).click();
    await expect.poll(() => endUsersOf('hubspot-7')).toEqual([]);
    await expect.poll(() => api<unknown[]>('GET', '/v1/sources')).toEqual([]);
  });
});
