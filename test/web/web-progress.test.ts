import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConnections, updateConnection } from '../../src/store/connections.js';
import type { Store } from '../../src/store/db.js';
import { openStore } from '../../src/store/open.js';
import { findWorkspace } from '../../src/store/workspaces.js';
import { expectNoAxeViolations } from './axe.js';
import { screenshotDir, serveDemo, signIn, type Served, openBrowser } from './browser.js';

let served: Served;
let store: Store;
let page: Page;
let closeBrowser: (() => Promise<void>) | undefined;
const dan = { ws: '', id: '' };

/** As run-sync stores it: the stream's start is a minute ago, so the rate is known. */
const running = (done: number) => ({
  done,
  total: 10_000,
  stream: 'mail' as const,
  startedAt: new Date(served.now().getTime() - 60_000).toISOString(), // a minute ago on the served clock (the demo's date, running on)
});

beforeAll(async () => {
  served = await serveDemo();
  store = await openStore(served.db);
  dan.ws = (await findWorkspace(store, 'demo'))!.id;
  dan.id = (await listConnections(store, dan.ws)).find((c) => c.ownerAddresses.includes('dan@ourco.com'))!.id;
  await updateConnection(store, dan.ws, dan.id, { progress: running(4_200) });
  ({ page, close: closeBrowser } = await openBrowser());
  await signIn(page, served);
}, 240_000);

afterAll(async () => {
  await closeBrowser?.();
  await store?.destroy();
  await served?.close();
});

describe('sync progress on the Sync page', () => {
  it('shows done of total and the time left in words, with a progress bar that says the same', async () => {
    const card = page.locator(`[data-connection="${dan.id}"]`);
    // 4,200 in a minute: 5,800 more take about 83 s at that rate.
    await expect
      .poll(() => card.getByRole('status').first().textContent())
      .toMatch(/^Mail: 4,200 of 10,000 messages · about \d+ min left$/);
    const bar = card.getByRole('progressbar', { name: 'Mail sync progress' });
    expect(await bar.getAttribute('aria-valuenow')).toBe('4200');
    expect(await bar.getAttribute('aria-valuemax')).toBe('10000');
    expect(await bar.getAttribute('aria-valuetext')).toMatch(/^4,200 of 10,000 messages · about \d+ min left$/);
    // Checked and photographed for the docs at desktop and phone width.
    const shots = screenshotDir();
    await expectNoAxeViolations(page, 'Sync page with a sync in progress');
    await page.screenshot({ path: path.join(shots, 'sync-progress.png') });
    const desktop = page.viewportSize();
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await expectNoAxeViolations(page, 'Sync page with a sync in progress, phone width');
      await page.screenshot({ path: path.join(shots, 'sync-progress-phone.png') });
    } finally {
      if (desktop) await page.setViewportSize(desktop);
    }
  });

  it('moves while the sync runs (the page refreshes itself), and is gone when it is over', async () => {
    const card = page.locator(`[data-connection="${dan.id}"]`);
    await updateConnection(store, dan.ws, dan.id, { progress: running(9_000) });
    const bar = card.getByRole('progressbar', { name: 'Mail sync progress' });
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 20_000 }).toBe('9000');
    expect(await card.getByRole('status').first().textContent()).toMatch(/^Mail: 9,000 of 10,000 messages · less than a minute left$/);

    await updateConnection(store, dan.ws, dan.id, { progress: null });
    await expect.poll(() => card.getByRole('progressbar').count(), { timeout: 20_000 }).toBe(0);
  });
});
