// Issue 20 in Chromium: a one-time sign-in link signs one tab in (the code leaves the address
// bar, the tab gets a session token), the same link refuses a second browser in words; the
// sign-in page names the exact commands; the app loads its favicon and the Sync page no
// longer downloads the API's whole OpenAPI document.
import { rmSync } from 'node:fs';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { expectNoAxeViolations } from './axe.js';
import { launchBrowser, serveDemo, userDataDir, type Served } from './browser.js';

let served: Served;
let browser: BrowserContext;
let profile: string;

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

async function newLink(): Promise<string> {
  const r = await runCli(['--db', served.db, ...served.cliClock(), 'sign-in-link', '--url', served.url, '--name', 'Ann']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('signing in', () => {
  it('a one-time link signs this tab in once, leaves no code in the address bar, and refuses a second use in words', async () => {
    const link = await newLink();
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(link);
    await page.getByRole('heading', { name: /Sync email & calendar/ }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/sync');
    expect(await page.evaluate(() => sessionStorage.getItem('touchpoint.token')?.startsWith('tp_'))).toBe(true);
    await page.goBack(); // replaced, not pushed: Back never lands on the link again
    expect(page.url()).not.toContain('signin=');
    // What the first load fetched: the favicon, and never the 172 KB OpenAPI document.
    expect(requests).not.toContain('/openapi.json');
    expect(requests.some((p) => p.startsWith('/favicon'))).toBe(true);
    await page.close();

    const other = await browser.newPage();
    await other.goto(link);
    await expect.poll(() => other.getByRole('alert').textContent()).toMatch(/this sign-in link was already used/);
    expect(await other.evaluate(() => sessionStorage.getItem('touchpoint.token'))).toBeNull();
    await expectNoAxeViolations(other, 'the sign-in page refusing a used link');
    await other.close();
  });

  it('the sign-in page names the exact commands a newcomer runs', async () => {
    const page = await browser.newPage();
    await page.goto(served.url);
    const hint = await page.getByRole('form', { name: 'Sign in' }).textContent();
    expect(hint).toContain('bin/touchpoint token create --role admin --name me');
    expect(hint).toContain('bin/touchpoint sign-in-link');
    expect(hint).toContain('bin/touchpoint init --workspace cs-team');
    await page.close();
  });
});
