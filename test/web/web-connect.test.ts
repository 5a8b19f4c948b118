import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, mailClient, startMailServer, type Dovecot } from '../support/imap.js';
import { GoogleEmulator } from '../emulators/google.js';
import { expectNoAxeViolations } from './axe.js';
import { servedApi, screenshotDir, serveDemo, signIn, type Served, openBrowser } from './browser.js';

const SHOTS = screenshotDir();
let served: Served;
let dovecot: Dovecot;
const google = new GoogleEmulator();
let page: Page;
let closeBrowser: (() => Promise<void>) | undefined;

const mail = (id: string, subject: string) => ({
  at: served.now(),
  raw: [
    'From: Bob Stone <bob@globex.com>',
    'To: Alice Chen <alice@ourco.com>',
    `Subject: ${subject}`,
    `Message-ID: <${id}@globex.com>`,
    `Date: ${served.now().toUTCString()}`,
    '',
    'Sent to the IMAP mailbox.',
    '',
  ].join('\r\n'),
});
/** The served clock's now for a datetime-local field (the browser runs in UTC). */
const servedNowLocal = () => served.now().toISOString().slice(0, 16);
const card = () => page.getByRole('region', { name: /Connection alice@ourco.com \(imap/ });

async function globexTimeline(): Promise<string> {
  await page.getByRole('link', { name: 'Accounts', exact: true }).click();
  await page.getByRole('table', { name: 'Accounts' }).getByRole('link', { name: 'Globex' }).click();
  await page.getByRole('button', { name: 'Refresh' }).click();
  return (await page.getByRole('list', { name: 'Timeline' }).textContent()) ?? '';
}

beforeAll(async () => {
  await google.start();
  google.accountEmail = 'alice@ourco.com';
  [served, dovecot] = await Promise.all([
    serveDemo({
      TOUCHPOINT_GOOGLE_CLIENT_ID: 'web-test.apps.googleusercontent.com',
      TOUCHPOINT_GOOGLE_CLIENT_SECRET: 'web-test-client-secret',
      TOUCHPOINT_GOOGLE_TOKEN_URL: google.tokenUrl,
      TOUCHPOINT_GOOGLE_AUTH_URL: google.authUrl,
      TOUCHPOINT_GOOGLE_ROOT_URL: google.rootUrl,
    }),
    startMailServer({ users: { alice: 'first-password' } }),
  ]);
  ({ page, close: closeBrowser } = await openBrowser());
  await signIn(page, served);
}, 240_000);

afterAll(async () => {
  await closeBrowser?.();
  await served?.close();
  await dovecot?.stop();
  await google.stop();
});

describe('IMAP in the web app', () => {
  it('refuses a wrong password in the connect form and saves nothing', async () => {
    const form = page.getByRole('form', { name: 'Connect IMAP' });
    await form.getByLabel('Teammate').selectOption('alice@ourco.com');
    await form.getByLabel('IMAP server').fill(dovecot.host);
    await form.getByLabel('Security').selectOption('plain');
    await form.getByLabel('Port').fill(String(dovecot.port));
    await form.getByLabel('User name').fill('alice');
    // Authorized now on the served clock (the demo's date) by default, not the browser's real
    // date: after that, the mail delivered below (dated on the served clock) would be historic.
    const since = Date.parse(`${await form.getByLabel('Authorized since').inputValue()}Z`);
    expect(Math.abs(since - Date.parse(`${servedNowLocal()}Z`))).toBeLessThanOrEqual(5 * 60_000);
    await form.getByLabel('Password').fill('not-the-password');
    await form.getByRole('button', { name: 'Connect IMAP' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/rejected the user name or password.*nothing was saved/);
    expect(await card().count()).toBe(0);
    await shot('connect-imap-refused', form);
    await page.getByRole('heading', { name: 'Connect', exact: true }).evaluate((h) => h.scrollIntoView({ block: 'start' }));
    await shot('connect');
  });

  it('connects with the right password; Sync now brings the new email onto the account timeline', async () => {
    const form = page.getByRole('form', { name: 'Connect IMAP' });
    await form.getByLabel('Password').fill('first-password');
    await form.getByRole('button', { name: 'Connect IMAP' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toMatch(/accepted the sign-in/);
    expect(await form.getByLabel('Password').inputValue()).toBe(''); // not kept in the page
    await expect
      .poll(() => card().textContent(), { timeout: 30_000 })
      .toMatch(/Connected — syncing on schedule[\s\S]*Last successful sync(just now|\d+ min ago|\d)/);

    await deliver(dovecot, 'alice', 'first-password', [mail('imap-web-1', 'Arrived over IMAP')]);
    await card().getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => card().getByRole('status').last().textContent()).toMatch(/Sync started|already waiting/);
    await expect.poll(globexTimeline, { timeout: 30_000 }).toContain('Arrived over IMAP');
  });

  it('finds mail in a folder the connection does not sync, and "Include folder" on its card makes it sync that folder', async () => {
    const api = (method: string, url: string, body?: unknown) => servedApi(served, method, url, body).then((r) => r.body);
    const { connections } = (await api('GET', '/v1/connections')) as { connections: { id: string; provider: string }[] };
    const imap = connections.find((c) => c.provider === 'imap')!;
    // A folder the CSM filed the customer's mail in, excluded from this connection.
    const c = await mailClient(dovecot, 'alice', 'first-password');
    await c.mailboxCreate(['Customers', 'Globex']);
    const folder = (await c.list()).find((f) => f.name === 'Globex')!.path;
    await c.logout();
    await api('PATCH', `/v1/connections/${imap.id}/folders`, { include: [], exclude: [folder] });
    await deliver(dovecot, 'alice', 'first-password', [{ ...mail('imap-web-filed', 'Filed away'), folder }]);

    await page.getByRole('link', { name: 'Troubleshooter' }).click();
    const form = page.getByRole('form', { name: 'Find an email' });
    await form.getByLabel('Sender').fill('bob@globex.com');
    // The subject too: the store has another email from Bob today, and answers only from itself when it has one.
    await form.getByLabel('Subject words').fill('Filed away');
    await form.getByLabel('Day').fill(served.now().toISOString().slice(0, 10));
    await form.getByRole('button', { name: 'Find' }).click();
    const found = page.getByRole('article', { name: 'Candidate imap-web-filed@globex.com' });
    const include = found.locator('[data-action="include_folder"]');
    await include.getByRole('button', { name: `Include folder ${folder}` }).click();
    await expect.poll(() => include.getByRole('status').textContent()).toMatch(/./);
    const after = (await api('GET', `/v1/connections/${imap.id}`)) as { folders?: { include: string[]; exclude: string[] } };
    expect(after.folders).toEqual({ include: [folder], exclude: [] });
  });

  it('re-authorizes: a wrong new password is refused, the right one is accepted', async () => {
    await dovecot.setPassword('alice', 'second-password');
    await page.getByRole('link', { name: 'Sync email & calendar' }).click();
    await card().getByRole('button', { name: 'Re-authorize' }).click();
    const form = page.getByRole('form', { name: /Re-authorize alice@ourco.com/ });
    await form.getByLabel('New password').fill('first-password');
    await form.getByRole('button', { name: 'Save and resume syncing' }).click();
    await expect.poll(() => card().getByRole('alert').textContent()).toMatch(/rejected the user name or password.*; nothing was saved/);
    await form.getByLabel('New password').fill('second-password');
    await form.getByRole('button', { name: 'Save and resume syncing' }).click();
    await expect.poll(() => card().getByRole('status').last().textContent()).toMatch(/^Re-authorized/);
    expect(await form.count()).toBe(0);
  });

  it("blocklisting the sender's domain takes the email off the timeline", async () => {
    await page.getByRole('link', { name: 'Admin' }).click();
    const block = page.getByRole('region', { name: 'Blocklist' });
    await block.getByLabel('Domain or address to blocklist').fill('globex.com');
    await block.getByRole('button', { name: 'Add' }).click();
    // globex.com is the domain of Globex's end users: the preview asks for it typed before it blocklists.
    const dialog = block.getByRole('alertdialog', { name: 'Confirm: Blocklist globex.com' });
    await dialog.getByLabel('Type globex.com to confirm').fill('globex.com');
    await dialog.getByRole('button', { name: 'Blocklist globex.com' }).click();
    await expect.poll(() => block.getByRole('status').textContent()).toMatch(/^Blocklisted: [1-9]\d* item\(s\) unlinked/);
    await expect.poll(globexTimeline).not.toContain('Arrived over IMAP');
  });

  it('disconnects: nothing syncs any more, Sync now is refused', async () => {
    await page.getByRole('link', { name: 'Sync email & calendar' }).click();
    await card().getByRole('button', { name: 'Disconnect' }).click();
    const confirm = card().getByRole('alertdialog', { name: 'Confirm disconnect' });
    // What it changes first, counted by the server: what this connection saw stays logged.
    await expect
      .poll(() => confirm.locator('[data-preview]').textContent())
      .toMatch(/^Stops syncing alice@ourco\.com's imap connection from now .*; the [1-9]\d* emails? and \d+ meetings? it has seen stay/);
    await confirm.getByRole('button', { name: 'Yes, disconnect' }).click();
    await expect.poll(() => card().textContent()).toMatch(/Disconnected — nothing syncs[\s\S]*Next sync\s*none/);
    expect(await card().getByRole('button', { name: 'Disconnect' }).isDisabled()).toBe(true);
    await card().getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => card().getByRole('alert').textContent()).toMatch(/disconnected: nothing syncs until it is re-authorized/);
  });
});

describe('Google in the web app', () => {
  it('Connect Google: consent at Google, back on the Sync page, Gmail synced; Sync now brings new mail to the timeline', async () => {
    await page.getByRole('link', { name: 'Sync email & calendar' }).click();
    const form = page.getByRole('form', { name: 'Connect Google' });
    await form.getByLabel('Teammate').selectOption('alice@ourco.com');
    await form.getByRole('checkbox', { name: 'Google Calendar' }).uncheck();
    await form.getByRole('button', { name: 'Connect Google' }).click();
    // The emulator's consent page sends the browser straight back to the server's callback.
    await page.waitForURL(/#\/sync\?connected=/);
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toMatch(/^Connected 1 connection\(s\); the first sync has started/);
    const gmail = page.getByRole('region', { name: /Connection alice@ourco.com \(gmail, mail\)/ });
    await expect
      .poll(() => gmail.textContent(), { timeout: 30_000 })
      .toMatch(/Connected — syncing on schedule[\s\S]*Last successful sync(just now|\d+ min ago|\d)/);
    expect(google.lastConsentScopes).toEqual(['https://www.googleapis.com/auth/gmail.readonly']);

    google.addMessage(
      'g-web-1',
      [
        'From: John Smith <john@acme.com>',
        'To: alice@ourco.com',
        'Subject: Arrived over Gmail',
        'Message-ID: <g-web-1@acme.com>',
        `Date: ${served.now().toUTCString()}`,
        '',
        'Hello from Gmail.',
        '',
      ].join('\r\n'),
      served.now().toISOString(),
    );
    await gmail.getByRole('button', { name: 'Sync now' }).click();
    await page.getByRole('link', { name: 'Accounts', exact: true }).click();
    await page.getByRole('table', { name: 'Accounts' }).getByRole('link', { name: 'Acme Corp' }).click();
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return page.getByRole('list', { name: 'Timeline' }).textContent();
        },
        { timeout: 30_000 },
      )
      .toContain('Arrived over Gmail');
  });

  it('a revoked Google grant shows "Needs re-authorization"; Re-authorize signs in again and the same connection resumes', async () => {
    google.revokeAll();
    await page.getByRole('link', { name: 'Sync email & calendar' }).click();
    const gmail = page.getByRole('region', { name: /Connection alice@ourco.com \(gmail, mail\)/ });
    const id = await gmail.getAttribute('data-connection');
    await gmail.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => gmail.textContent(), { timeout: 30_000 }).toMatch(/Needs re-authorization/);
    await gmail.getByRole('button', { name: 'Re-authorize' }).click();
    await page.waitForURL(/#\/sync\?connected=/);
    await expect.poll(() => gmail.textContent(), { timeout: 30_000 }).toMatch(/Connected — syncing on schedule/);
    expect(await gmail.getAttribute('data-connection')).toBe(id);
    expect(await page.getByRole('region', { name: /\(gmail, mail\)/ }).count()).toBe(1);
  });
});

/** A state worth showing in the docs: checked by axe first, then photographed. */
async function shot(name: string, target?: ReturnType<Page['getByRole']>): Promise<void> {
  await expectNoAxeViolations(page, name);
  if (target) await target.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  else await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}
