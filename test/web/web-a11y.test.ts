// Accessibility and the docs' screenshots: every page and state of the web app — signed out,
// each page with data and empty, the explanation panel open, the find results, the 404 — is
// checked by axe-core with every WCAG 2.x rule up to AAA (contrast 7:1 included) and the best
// practices, at desktop (1280×800) and phone (390×844) width, and photographed at both.
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations } from './axe.js';
import { servedApi, screenshotDir, serveDemo, serveEmpty, signIn, type Served, openBrowser } from './browser.js';

const SHOTS = screenshotDir();
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
let demo: Served;
let empty: Served;
let page: Page;
let closeBrowser: (() => Promise<void>) | undefined;

const api = (served: Served, method: string, url: string, body?: unknown) => servedApi(served, method, url, body);

/** After a resize: each table frame is a tab stop exactly when it scrolls (TableWrap re-measures). */
const framesSettled = () =>
  page.waitForFunction(() =>
    [...document.querySelectorAll('.table-wrap')].every((el) => el.scrollWidth > el.clientWidth === el.hasAttribute('tabindex')),
  );

/** The page as it is now: no axe violation at either width; a screenshot of each (name, name-phone), scrolled to `at`. */
async function check(name: string, at?: Locator) {
  await page.waitForLoadState('networkidle');
  await framesSettled();
  await expectNoAxeViolations(page, `${name} at desktop width`);
  await at?.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  await page.setViewportSize(PHONE);
  try {
    await framesSettled();
    await expectNoAxeViolations(page, `${name} at phone width`);
    await at?.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, `${name}-phone.png`) });
  } finally {
    await page.setViewportSize(DESKTOP);
    await framesSettled();
  }
}

async function open(served: Served, hash: string, heading: RegExp) {
  await page.goto(`${served.url}/${hash}`);
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
}

beforeAll(async () => {
  [demo, empty] = await Promise.all([serveDemo(), serveEmpty()]);
  const conn = await api(demo, 'POST', '/v1/connections/folder', {
    teammate: 'alice@ourco.com',
    mail: path.join(demo.demo, 'mail/alice'),
    calendar: path.join(demo.demo, 'calendar/alice'),
    authorizedAt: '2026-03-01T00:00:00Z',
  });
  if (conn.status !== 201) throw new Error(`connect: ${JSON.stringify(conn.body)}`);
  // The service syncs the new connection in the background: wait until the store has its mail.
  const synced = async () =>
    ((await api(demo, 'GET', '/v1/find/email?from=john%2Bbilling@acme.com')).body.candidates as unknown[]).length === 1;
  for (const deadline = Date.now() + 60_000; !(await synced()); ) {
    if (Date.now() > deadline) throw new Error("Alice's folder was not synced within a minute");
    await new Promise((r) => setTimeout(r, 250));
  }
  ({ page, close: closeBrowser } = await openBrowser());
}, 240_000);

afterAll(async () => {
  await closeBrowser?.();
  await Promise.all([demo?.close(), empty?.close()]);
});

describe('accessibility of every page (axe-core, WCAG 2.x A–AAA and best practices)', () => {
  it('signed out: the sign-in form, and its error', async () => {
    await page.goto(demo.url);
    await page.getByLabel('API token').waitFor();
    await check('signin');
    await page.getByLabel('API token').fill('tp_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await expectNoAxeViolations(page, 'sign-in error');
  });

  it('Sync with connections', async () => {
    await signIn(page, demo);
    await page.getByRole('region', { name: /Connection alice@ourco.com/ }).waitFor();
    await check('sync');
    // A skip count opens those items, each with why it was not logged.
    const alice = page.getByRole('region', { name: /Connection alice@ourco.com/ });
    await alice
      .getByRole('button', { name: /no end user on it/ })
      .first()
      .click();
    const skipped = alice.getByRole('list', { name: 'Skipped: no end user on it' });
    await expect.poll(() => skipped.textContent()).toContain('plus-6@mail.acme.com');
    expect(await alice.textContent()).toMatch(/No participant (is|was) an end user/);
    await check('sync-skipped', skipped);
  });

  it('Accounts: the list with counts, then a timeline with "Why is this here?" open', async () => {
    await open(demo, '#/accounts', /Accounts/);
    await page.getByRole('table', { name: 'Accounts' }).waitFor();
    await check('accounts');
    await page.getByLabel('Find an account').fill('glob');
    await expect
      .poll(() => page.getByRole('table', { name: 'Accounts' }).locator('tbody tr').allInnerTexts())
      .toEqual([expect.stringMatching(/^Globex\s+2\s+\d+\s+\d+\s+/)]);
    await open(demo, '#/accounts/acme', /Acme Corp/);
    const item = page.getByRole('list', { name: 'Timeline' }).locator('li[data-kind="email"]').first();
    await item.getByRole('button', { name: 'Why is this here?' }).click();
    await item.getByRole('region', { name: 'Why is this here?' }).getByRole('table', { name: 'Checks' }).waitFor();
    await check('timeline-why', item);
  });

  it('Troubleshooter: the find form, its results, and an explanation by Message-ID', async () => {
    await open(demo, '#/troubleshoot', /Troubleshooter/);
    await check('troubleshooter');
    const form = page.getByRole('form', { name: 'Find an email' });
    await form.getByLabel('Sender').fill('john+billing@acme.com');
    await form.getByLabel('Day').fill('2026-03-06');
    await form.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('article').first().waitFor();
    await page.getByRole('article').first().getByText('Every check').click();
    await check('troubleshooter-find', page.getByRole('article').first());

    await page.getByRole('radio', { name: 'Message-ID (advanced)' }).check();
    await page.getByRole('textbox', { name: 'Message-ID' }).fill('historic-4@mail.acme.com');
    await page.getByRole('button', { name: 'Explain' }).click();
    await page.getByRole('region', { name: 'Explanation' }).waitFor();
    await check('troubleshooter-email', page.getByRole('region', { name: 'Explanation' }));
  });

  it('Search with results', async () => {
    await open(demo, '#/search', /Search/);
    await page.getByLabel('Address or part of one').fill('acme.com');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('region', { name: 'Accounts found' }).waitFor();
    await check('search', page.getByRole('region', { name: 'Accounts found' }));
    await page.getByLabel('Address or part of one').fill('nobody.example');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('Nothing matches “nobody.example”').waitFor();
    await expectNoAxeViolations(page, 'search without results');
  });

  it('Admin with end users, the blocklist and the audit log', async () => {
    await open(demo, '#/admin', /Admin/);
    await page.getByRole('table', { name: 'End users' }).locator('tbody tr').first().waitFor();
    await check('admin');
    await check('admin-audit', page.getByRole('table', { name: 'Audit log' }));
    // Filtered by action, then by a day after everything: the table follows, then says why it is empty.
    const audit = page.getByRole('region', { name: 'Audit log' });
    const rows = audit.getByRole('table', { name: 'Audit log' }).locator('tbody tr');
    await audit.getByLabel('Action').selectOption({ label: 'Blocklisted' });
    await expect.poll(() => rows.allInnerTexts()).toEqual([expect.stringMatching(/Blocklisted partnerco\.com/)]);
    expect(await audit.getByRole('status').textContent()).toMatch(/^1 of \d+ entries/);
    await audit.getByLabel('From day').fill('2099-01-01');
    await audit.getByText('No entry matches these filters').waitFor();
    await audit.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => rows.count()).toBeGreaterThan(1);
  });

  it('the check itself fails on grey hint text below 7:1 (the AAA contrast the pages meet)', async () => {
    await open(demo, '#/search', /Search/);
    await page.evaluate(() => {
      const p = document.createElement('p');
      p.style.color = '#5a6475'; // the app's old hint grey: 5.98:1 on white
      p.textContent = 'A grey hint';
      p.id = 'grey-hint';
      document.getElementById('main')?.append(p);
    });
    await expect(expectNoAxeViolations(page, 'grey hint')).rejects.toThrow(/color-contrast-enhanced/);
    await page.evaluate(() => document.getElementById('grey-hint')?.remove());
  });

  it('an unknown address: a real 404 page that offers the pages there are', async () => {
    await open(demo, '#/nowhere', /Page not found/);
    expect(await page.getByRole('list', { name: 'Pages' }).getByRole('link').count()).toBe(5);
    await check('not-found');
  });

  it('an empty workspace: every page says what to do next', async () => {
    await signIn(page, empty);
    await page.getByText('No connections yet').waitFor();
    await check('sync-empty');
    await open(empty, '#/accounts', /Accounts/);
    await page.getByText('No accounts yet').waitFor();
    await check('accounts-empty');
    await open(empty, '#/troubleshoot', /Troubleshooter/);
    await expectNoAxeViolations(page, 'troubleshooter, empty workspace');
    await open(empty, '#/search', /Search/);
    await expectNoAxeViolations(page, 'search, empty workspace');
    await open(empty, '#/admin', /Admin/);
    await page.getByText('No accounts yet').first().waitFor();
    await check('admin-empty');
  });
});
