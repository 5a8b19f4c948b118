// Issue 17's alert banner in Chromium: a teammate whose mailbox needs re-authorization sees,
// on every page, which mailbox stopped syncing and where to fix it; a colleague whose own
// connections are fine sees nothing; once the connection works again the banner goes away.
// The breakage is written the way a sync records it (status needs_reauth with the provider's
// reason); the banner is read from the page.
import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listConnections, updateConnection } from '../../src/store/connections.js';
import { openStore } from '../../src/store/open.js';
import { runCli } from '../support/cli.js';
import { expectNoAxeViolations } from './axe.js';
import { launchBrowser, serveDemo, userDataDir, type Served } from './browser.js';

let served: Served;
let browser: BrowserContext;
let profile: string;
const REASON = 'the mail server refused the password';

/** A CSM token of this teammate (their own connections' alerts only). */
async function csmToken(teammate: string): Promise<string> {
  const r = await runCli([
    '--db',
    served.db,
    ...served.cliClock(),
    'token',
    'create',
    '--role',
    'csm',
    '--name',
    teammate,
    '--teammate',
    teammate,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** Dan's folder connection (serveDemo connects it) set to a status, as a sync would record it. */
async function setDansConnection(status: 'needs_reauth' | 'active'): Promise<void> {
  const db = await openStore(served.db);
  try {
    const ws = await db.selectFrom('workspaces').select('id').executeTakeFirstOrThrow();
    const [dan] = (await listConnections(db, ws.id)).filter((c) => c.ownerAddresses.includes('dan@ourco.com'));
    await updateConnection(db, ws.id, dan!.id, status === 'active' ? { status, statusReason: null } : { status, statusReason: REASON });
  } finally {
    await db.destroy();
  }
}

async function signInAs(token: string): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(served.url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /Sync email & calendar/ }).waitFor();
  return page;
}

beforeAll(async () => {
  served = await serveDemo();
  profile = userDataDir();
  browser = await launchBrowser(profile);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

it('Dan sees a banner naming his mailbox and the fix; Alice, whose connections are fine, sees none; it goes once Dan is re-authorized', async () => {
  await setDansConnection('needs_reauth');
  const dan = await signInAs(await csmToken('dan@ourco.com'));
  const banner = dan.getByRole('alert', { name: 'Connections that need attention' });
  await expect.poll(() => banner.textContent()).toContain('dan@ourco.com stopped syncing and needs re-authorization');
  expect(await banner.textContent()).toContain(REASON);
  const fix = banner.getByRole('link', { name: /Re-authorize/ });
  expect(await fix.getAttribute('href')).toBe('#/sync');
  // On every page, not only the Sync page.
  await dan.goto(`${served.url}/#/accounts`);
  await expect.poll(() => banner.isVisible()).toBe(true);
  await expectNoAxeViolations(dan, 'the alert banner over the Accounts page');

  const alice = await signInAs(await csmToken('alice@ourco.com'));
  // The page has asked for its alerts once it shows the Sync page's connections; none for Alice.
  await alice.getByRole('heading', { name: /Sync email & calendar/ }).waitFor();
  await alice.waitForLoadState('networkidle');
  expect(await alice.getByRole('alert', { name: 'Connections that need attention' }).count()).toBe(0);

  // Re-authorized (the connection works again): the banner looks again when the page changes.
  await setDansConnection('active');
  await fix.click();
  await expect.poll(() => banner.count()).toBe(0);
}, 120_000);
