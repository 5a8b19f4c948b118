// The web app in a real browser (Debian's Chromium via playwright-core) against
// `touchpoint serve`: only the HTTP API behind it, exactly as users get it.
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations } from './axe.js';
import { screenshotDir, serveDemo, signIn, type Served, openBrowser } from './browser.js';

// UPDATE_SCREENSHOTS=1 refreshes the screenshots in docs/screenshots; other runs write them to a temp dir.
const SHOTS = screenshotDir();
let served: Served;
let browser: BrowserContext;
let page: Page;
let closeBrowser: (() => Promise<void>) | undefined;

/** A state worth showing in the docs: checked by axe first, then photographed. */
async function shot(name: string) {
  await expectNoAxeViolations(page, name);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

beforeAll(async () => {
  served = await serveDemo();
  ({ browser, page, close: closeBrowser } = await openBrowser());
  await signIn(page, served);
}, 240_000);

afterAll(async () => {
  await closeBrowser?.();
  await served?.close();
});

describe('web app', () => {
  it('keeps the token in sessionStorage only and rejects a wrong one', async () => {
    expect(
      await page.evaluate(() => [sessionStorage.getItem('touchpoint.token')?.startsWith('tp_') ?? false, localStorage.length]),
    ).toEqual([true, 0]);
    const other = await browser.newPage();
    await other.goto(served.url);
    await other.getByLabel('API token').fill('tp_wrong');
    await other.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => other.getByRole('alert').textContent()).toMatch(/unknown or revoked/);
    await other.close();
  });

  it('signs in from a link with the token in the fragment, then takes it out of the address bar', async () => {
    const other = await browser.newPage();
    await other.goto(`${served.url}/#token=${encodeURIComponent(served.token)}`);
    await other.getByRole('heading', { name: /Sync email & calendar/ }).waitFor();
    expect(new URL(other.url()).hash).toBe('#/sync');
    expect(await other.evaluate(() => sessionStorage.getItem('touchpoint.token'))).toBe(served.token);
    // replaced, not pushed: Back leaves the app rather than landing on the link with the token
    await other.goBack();
    expect(other.url()).not.toContain('token=');
    await other.close();

    const stale = await browser.newPage();
    await stale.goto(`${served.url}/#token=tp_revoked`);
    await expect.poll(() => stale.getByRole('alert').textContent()).toMatch(/sign-in link is no longer valid/);
    expect(new URL(stale.url()).hash).toBe('#/sync');
    expect(await stale.evaluate(() => sessionStorage.getItem('touchpoint.token'))).toBeNull();
    await stale.close();
  });

  it('connects a folder, syncs, and Sync now brings a new email onto the account timeline', async () => {
    const form = page.getByRole('form', { name: 'Connect a folder' });
    await form.getByLabel('Teammate').selectOption('alice@ourco.com');
    await form.getByLabel('Mail folder').fill(path.join(served.demo, 'mail/alice'));
    await form.getByLabel('Calendar folder').fill(path.join(served.demo, 'calendar/alice'));
    await form.getByLabel('Authorized since').fill('2026-03-01T00:00');
    await form.getByRole('button', { name: 'Connect folder' }).click();
    const alice = page.getByRole('region', { name: /Connection alice@ourco.com/ });
    await expect.poll(() => alice.textContent(), { timeout: 30_000 }).toMatch(/Email:\s*\d+ seen, [1-9]\d* linked/);
    await expect.poll(() => alice.textContent()).toContain('Connected');
    await page.evaluate(() => scrollTo(0, 0));

    // A new email arrives in Alice's folder: its HTML carries a script, an onerror handler and a remote image.
    const html =
      '<p>Inert body marker</p><script>window.parent.__pwned = 1; window.__pwned = 1;</script>' +
      '<img src="x" onerror="window.parent.__pwned = 2"><img src="https://tracker.example/pixel.png" alt="pixel">';
    writeFileSync(
      path.join(served.demo, 'mail/alice/INBOX/99-new.eml'),
      [
        'From: "Jane Doe" <jane@acme.com>',
        'To: Alice Chen <alice@ourco.com>',
        `Date: ${served.now().toUTCString()}`,
        'Message-ID: <web-new-1@mail.acme.com>',
        'Subject: Fresh from the browser test',
        'MIME-Version: 1.0',
        'Content-Type: text/html; charset=utf-8',
        '',
        html,
        '',
      ].join('\r\n'),
    );
    await alice.getByRole('button', { name: 'Sync now' }).click();
    // The card's progress line is a status too (a sync may still be reading): look at every one.
    await expect.poll(async () => (await alice.getByRole('status').allTextContents()).join(' | ')).toMatch(/Sync started|already waiting/);

    await page.getByRole('link', { name: 'Accounts', exact: true }).click();
    await page.getByRole('table', { name: 'Accounts' }).getByRole('link', { name: 'Acme Corp' }).click();
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return timeline.locator('li[data-kind]').first().textContent();
        },
        { timeout: 30_000 },
      )
      .toContain('Fresh from the browser test'); // newest first
  });

  it('shows the new email inert: no script runs, no handler fires, no remote image loads', async () => {
    const remote: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('tracker.example')) remote.push(r.url());
    });
    const item = page.getByRole('list', { name: 'Timeline' }).locator('li[data-kind]').filter({ hasText: 'Fresh from the browser test' });
    await item.getByRole('button', { name: 'Show email' }).click();
    const frame = item.locator('iframe.email');
    await frame.waitFor();
    const srcdoc = (await frame.getAttribute('srcdoc')) ?? '';
    expect(srcdoc).toContain('Inert body marker');
    expect(srcdoc).not.toMatch(/<script|onerror|tracker\.example/i);
    expect(await frame.getAttribute('sandbox')).not.toContain('allow-scripts');
    await expect.poll(() => page.frameLocator('iframe.email').locator('body').textContent()).toContain('Inert body marker');
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(remote).toEqual([]);
    await expect.poll(() => item.textContent()).toMatch(/1 remote image\(s\) blocked/);
    await shot('email-sanitized');
  });

  it('opens "Why is this here?" with the participant, its end user source and remedies', async () => {
    const item = page
      .getByRole('list', { name: 'Timeline' })
      .locator('li[data-kind="email"]')
      .filter({ hasText: 'Question about our renewal' })
      .first();
    await item.getByRole('button', { name: 'Why is this here?' }).click();
    const why = item.getByRole('region', { name: 'Why is this here?' });
    await expect.poll(() => why.textContent()).toMatch(/jane@acme\.com \((from|to)\) matched end user from crm:salesforce/);
    expect(await why.getByRole('button', { name: 'Delete and suppress' }).first().isVisible()).toBe(true);
    expect(await why.textContent()).toContain('will be recreated by crm:salesforce');
    await item.scrollIntoViewIfNeeded();
  });

  it('troubleshoots a historic email and a customer-organized meeting: the failing check is shown', async () => {
    await page.getByRole('link', { name: 'Troubleshooter' }).click();
    await page.getByRole('radio', { name: 'Message-ID (advanced)' }).check();
    await page.getByRole('textbox', { name: 'Message-ID' }).fill('historic-4@mail.acme.com');
    await page.getByRole('button', { name: 'Explain' }).click();
    const result = page.getByRole('region', { name: 'Explanation' });
    const failed = result.locator('tr[data-status="fail"]');
    await expect.poll(() => failed.first().textContent()).toMatch(/E2.*Failed.*(historic|before|authorized)/i);
    expect(await result.getByRole('button', { name: 'Download support bundle' }).isVisible()).toBe(true);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      result.getByRole('button', { name: 'Download support bundle' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('touchpoint-support-demo.json');

    // A directory change could not re-read this email yet (Gmail's quota refused it): the
    // Troubleshooter says it waits, since when and why, beside the decision it stands on.
    const db = new Database(served.db);
    const { id, workspace_id: ws } = db
      .prepare('SELECT id, workspace_id FROM emails WHERE message_id = ?')
      .get('historic-4@mail.acme.com') as { id: string; workspace_id: string };
    const refusedAt = new Date(served.now().getTime() - 40 * 60_000).toISOString();
    db.prepare('INSERT INTO deferred_redecisions VALUES (?, ?, 3, ?, ?, ?, ?)').run(ws, id, refusedAt, refusedAt, 'THROTTLED', 'gmail');
    try {
      await page.getByRole('button', { name: 'Explain' }).click();
      await expect
        .poll(() => result.locator('[data-waiting]').textContent())
        .toMatch(/Waiting for a re-read after a directory change.*Gmail.*3 attempts/);
      await shot('troubleshooter-waiting');
    } finally {
      db.prepare('DELETE FROM deferred_redecisions WHERE workspace_id = ? AND email_id = ?').run(ws, id);
    }

    // Every mailbox holding a copy disconnected: nothing can re-read it, and the Troubleshooter says so.
    const holders = db
      .prepare('SELECT DISTINCT c.id, c.status FROM email_sightings s JOIN connections c ON c.id = s.connection_id WHERE s.email_id = ?')
      .all(id) as { id: string; status: string }[];
    const setStatus = db.prepare('UPDATE connections SET status = ? WHERE id = ?');
    for (const c of holders) setStatus.run('disconnected', c.id);
    try {
      await page.getByRole('button', { name: 'Explain' }).click();
      await expect.poll(() => result.locator('[data-unreadable]').textContent()).toMatch(/cannot be re-read.*disconnected or removed/);
      await shot('troubleshooter-unreadable');
    } finally {
      for (const c of holders) setStatus.run(c.status, c.id);
      db.close();
    }

    await page.getByRole('radio', { name: 'Meeting UID' }).check();
    await page.getByRole('textbox', { name: 'Meeting UID' }).fill('acme-internal-sync@acme.com');
    await page.getByRole('button', { name: 'Explain' }).click();
    await expect.poll(() => result.textContent()).toContain('acme-internal-sync@acme.com');
    await expect.poll(() => result.locator('tr[data-status="fail"]').first().textContent()).toMatch(/organiz/i);
    await shot('troubleshooter-meeting');
  });

  it('searches an address that is an end user in two accounts', async () => {
    await page.getByRole('link', { name: 'Search' }).click();
    await page.getByLabel('Address or part of one').fill('jane@acme.com');
    await page.getByRole('button', { name: 'Search' }).click();
    const found = page.getByRole('region', { name: 'Accounts found' });
    await expect.poll(() => found.getByRole('link').allTextContents()).toEqual(expect.arrayContaining(['Acme Corp', 'Globex']));
  });

  it('deletes a CRM-sourced end user with the "will be recreated by" warning', async () => {
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('table', { name: 'End users' }).waitFor(); // the first account's (Acme's)
    // Globex's end users held on their way: meanwhile no rows are shown, not Acme's, whose Delete
    // buttons would delete from Acme (jane@acme.com is an end user of both).
    const globexUsers = '**/v1/accounts/globex/end-users';
    let release = () => {};
    let held = () => {};
    const holding = new Promise<void>((r) => {
      held = r;
    });
    let continued: Promise<void> = Promise.resolve();
    // The first request only (times: 1): a later one, say a reload, goes through as usual.
    await page.route(
      globexUsers,
      (route) => {
        continued = new Promise<void>((r) => {
          release = r;
          held();
        }).then(() => route.continue());
        return continued;
      },
      { times: 1 },
    );
    await page.getByLabel('Account', { exact: true }).selectOption('globex');
    await holding;
    expect(await page.getByRole('table', { name: 'End users' }).count()).toBe(0);
    release();
    await continued;
    await page.getByRole('button', { name: 'Delete jane@acme.com' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Confirm deletion' });
    expect(await dialog.textContent()).toContain('from globex?');
    expect(await dialog.textContent()).toContain('It will be recreated by crm:salesforce');
    await shot('admin-delete'); // the pages themselves: web-a11y.test.ts
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(() => page.locator('.card .ok, .card .error').allTextContents())
      .toEqual([expect.stringMatching(/^Deleted jane@acme.com: \d+ item\(s\) unlinked/)]);
    await expect.poll(() => page.locator('p.warning[role="alert"]').textContent()).toMatch(/recreate/);
    await expect.poll(() => page.getByRole('table', { name: 'End users' }).textContent()).not.toContain('jane@acme.com');
    await page.reload();
    await expect.poll(() => page.getByRole('table', { name: 'Audit log' }).textContent()).toContain('globex');
  });

  it('says in plain words what the admin must configure before "Connect Google" works', async () => {
    await page.getByRole('link', { name: 'Sync email & calendar' }).click();
    const google = page.getByRole('form', { name: 'Connect Google' });
    await google.getByRole('button', { name: 'Connect Google' }).click();
    await expect
      .poll(() => google.getByRole('note').textContent())
      .toMatch(/Not available on this server: TOUCHPOINT_GOOGLE_CLIENT_ID and TOUCHPOINT_GOOGLE_CLIENT_SECRET must be set/);
    expect(await google.getByRole('button', { name: 'Connect Google' }).isDisabled()).toBe(true);
    expect(page.url()).toContain(served.url); // still here, not sent anywhere
  });

  it('imports a CSV with a bad row and shows the row-by-row report', async () => {
    await page.getByRole('link', { name: 'Admin' }).click();
    const form = page.getByRole('form', { name: 'CSV import' });
    await form
      .getByLabel('CSV text')
      .fill('account_id,email,name,external_id\nacme,new.person@acme.com,New Person,X-1\ninitech,not-an-address,Bad Row,X-2\n');
    await form.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toMatch(/1 created, 0 unchanged, 0 skipped \(suppressed\), 1 errors/);
    const rows = await form.getByRole('table', { name: 'Import report' }).locator('tbody tr').allInnerTexts();
    expect(rows[0]).toMatch(/^2\s+new.person@acme.com\s+acme\s+created/);
    expect(rows[1]).toMatch(/^3\s+.*initech\s+error\s+.*not-an-address/);
    await form.getByRole('table', { name: 'Import report' }).scrollIntoViewIfNeeded();
    await shot('admin-import');
  });

  it('adds and removes an internal domain: the timeline is re-decided each time', async () => {
    const acmeSubjects = async () => {
      await page.getByRole('link', { name: 'Accounts', exact: true }).click();
      await page.getByRole('table', { name: 'Accounts' }).getByRole('link', { name: 'Acme Corp' }).click();
      await page.getByRole('button', { name: 'Refresh' }).click();
      return page.getByRole('list', { name: 'Timeline' }).textContent();
    };
    expect(await acmeSubjects()).toContain('Question about our renewal');
    await page.getByRole('link', { name: 'Admin' }).click();
    const card = page.getByRole('region', { name: 'Internal domains' });
    await card.getByLabel('Internal domain to add').fill('acme.com');
    await card.getByRole('button', { name: 'Add domain' }).click();
    await expect.poll(() => card.getByRole('status').textContent()).toMatch(/^Added acme.com: 0 item\(s\) linked, [1-9]\d* unlinked/);
    expect(await card.getByRole('list', { name: 'Internal domains' }).textContent()).toMatch(/ourco.com[\s\S]*acme.com/);
    // No reload needed; the entry reads as words: who, what, from where, not an action code and JSON.
    const auditRow = page.getByRole('table', { name: 'Audit log' }).locator('tbody tr').first();
    await expect
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text separates the cells (textContent runs them together)
      .poll(() => auditRow.innerText())
      .toMatch(/\s+web-test \(API token\)\s+Added internal domain acme\.com\s+127\.0\.0\.1\s+unlinked [1-9]/);
    // Recorded at the served clock's now (the demo's date), and read against that clock too: the
    // browser, on the real date, would have shown "20 Mar 2026, 12:01" instead of "just now".
    const at = Date.parse((await auditRow.locator('time').getAttribute('datetime')) ?? '');
    expect(Math.abs(at - served.now().getTime())).toBeLessThan(10 * 60_000);
    expect(await auditRow.locator('time').textContent()).toMatch(/^(just now|\d+ min ago)$/);
    expect(await auditRow.textContent()).not.toMatch(/[{}"]/);
    await expect.poll(acmeSubjects).not.toContain('Question about our renewal');

    await page.getByRole('link', { name: 'Admin' }).click();
    await card.getByRole('button', { name: 'Remove internal domain acme.com' }).click();
    await expect.poll(() => card.getByRole('status').textContent()).toMatch(/^Removed acme.com: [1-9]\d* item\(s\) linked/);
    await expect.poll(acmeSubjects).toContain('Question about our renewal');
  });

  it('is usable with the keyboard alone: Tab through the main menu, Enter, fill a labelled form', async () => {
    await page.goto(`${served.url}/#/sync`);
    await page.reload(); // focus starts at the top of a freshly loaded page
    await page.getByRole('heading', { name: /Sync email & calendar/ }).waitFor();
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return { text: el?.textContent?.trim() ?? '', tag: el?.tagName ?? '', outline: el ? getComputedStyle(el).outlineStyle : 'none' };
      });
    let found = false;
    const seen: string[] = [];
    for (let i = 0; i < 12 && !found; i++) {
      await page.keyboard.press('Tab');
      const f = await focused();
      seen.push(`${f.tag}:${f.text}`);
      found = f.tag === 'A' && f.text === 'Search';
      if (found) expect(f.outline).not.toBe('none'); // the focus is visible
    }
    expect(seen).toEqual(['A:Skip to content', 'A:Sync email & calendar', 'A:Accounts', 'A:Troubleshooter', 'A:Search']);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Search' }).waitFor();
    for (let i = 0; i < 20 && !(await page.getByLabel('Address or part of one').evaluate((el) => el === document.activeElement)); i++)
      await page.keyboard.press('Tab');
    await page.keyboard.type('bob@globex.com');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('region', { name: 'Accounts found' }).getByRole('link').allTextContents()).toEqual(['Globex']);
  });

  it('is readable at phone width: no sideways scrolling on the main pages', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const [hash, heading] of [
        ['#/accounts', /Accounts/],
        ['#/accounts/acme', /Acme Corp/],
        ['#/troubleshoot', /Troubleshooter/],
        ['#/search', /Search/],
        ['#/admin', /Admin/],
        ['#/sync', /Sync email & calendar/],
      ] as const) {
        await page.goto(`${served.url}/${hash}`);
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await page.waitForLoadState('networkidle');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect({ hash, overflow }).toEqual({ hash, overflow: 0 });
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });
});
