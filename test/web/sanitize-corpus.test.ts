// Issue 18, finding 10: the email sanitizer (web/src/sanitize.ts) blocks and counts every
// remote-content form in a corpus of payloads, run in a real browser (DOMPurify needs a DOM):
// each payload's blocked count is asserted, and no reference to the remote host survives.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { launchBrowser } from './browser.js';

const R = 'https://evil.example/p.png';
/** [what, payload, remote references it holds] */
const CORPUS: [string, string, number][] = [
  ['img src', `<img src="${R}">`, 1],
  ['protocol-relative img', '<img src="//evil.example/p.png">', 1],
  ['relative img (would resolve against the app: removed, no remote image to count)', '<img src="/v1/workspace">', 0],
  ['backslash protocol-relative', '<img src="/\\evil.example/p.png">', 1],
  ['other schemes', '<img src="ftp://evil.example/p.png">', 1],
  ['srcset', `<img srcset="${R} 1x, https://evil.example/2.png 2x">`, 1],
  ['picture source srcset', `<picture><source srcset="${R}"><img alt="x"></picture>`, 1],
  ['background attribute', `<table background="${R}"><tr><td>x</td></tr></table>`, 1],
  ['video poster', `<video poster="${R}"></video>`, 1],
  ['svg image href', `<svg><image href="${R}" width="1" height="1"></image></svg>`, 1],
  ['svg image xlink:href', `<svg xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="${R}"></image></svg>`, 1],
  ['svg use href', '<svg><use href="https://evil.example/s.svg#a"></use></svg>', 1],
  ['svg feImage', `<svg><filter id="f"><feImage href="${R}"></feImage></filter></svg>`, 1],
  ['style attribute url()', `<div style="background:url(${R})">x</div>`, 1],
  ['style attribute quoted url()', `<p style='background-image: url("${R}")'>x</p>`, 1],
  ['<style> url()', `<style>body{background:url('${R}')}</style><p>x</p>`, 1],
  ['<style> @import', '<style>@import "https://evil.example/a.css";</style><p>x</p>', 1],
  ['link stylesheet', '<link rel="stylesheet" href="https://evil.example/a.css"><p>x</p>', 1],
  ['object data', '<object data="https://evil.example/a.swf"></object>', 1],
  ['embed src', '<embed src="https://evil.example/a.swf">', 1],
  ['all at once', `<img src="${R}"><svg><image href="${R}"></image></svg><div style="background:url(${R})"></div>`, 3],
];
/** [what, payload, what the output keeps] */
const LOCAL: [string, string, RegExp][] = [
  ['data: image', '<img src="data:image/png;base64,iVBORw0KGgo=">', /src="data:/],
  ['cid: image', '<img src="cid:logo@mail">', /src="cid:logo@mail"/],
  ['svg use of a local fragment (dropped by DOMPurify, but nothing remote)', '<svg><use href="#a"></use></svg>', /<svg>/],
  ['a link (navigation, not loading)', '<a href="https://evil.example/read-more">more</a>', /href="https:\/\/evil.example\/read-more"/],
];

describe('email sanitizer corpus (browser)', () => {
  let dir = '';
  let browser: BrowserContext;
  let page: Page;
  const sanitize = (html: string, allowRemote = false) =>
    page.evaluate(
      ([h, a]) =>
        (
          window as unknown as { S: { sanitizeEmailHtml(h: string, a: boolean): { html: string; blockedRemote: number } } }
        ).S.sanitizeEmailHtml(h, a),
      [html, allowRemote] as const,
    );

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tp-sanitize-'));
    const bundle = await build({
      entryPoints: [path.join(ROOT, 'web/src/sanitize.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'S',
      write: false,
    });
    browser = await launchBrowser(path.join(dir, 'profile'));
    page = await browser.newPage();
    await page.route('**/*', (route) => route.abort()); // nothing leaves the test
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(CORPUS)('%s: blocked and counted', async (_what, payload, count) => {
    const out = await sanitize(payload);
    expect(out.blockedRemote).toBe(count);
    expect(out.html).not.toContain('evil.example');
    expect(out.html).not.toContain('/v1/workspace');
  });

  it.each(LOCAL)('%s: kept, not counted', async (_what, payload, kept) => {
    const out = await sanitize(payload);
    expect(out.blockedRemote).toBe(0);
    expect(out.html).toMatch(kept);
  });

  it('"Show remote content" brings back remote images only, never <use>, styles or objects', async () => {
    const out = await sanitize(
      `<img src="${R}"><svg><image href="${R}"></image><use href="https://evil.example/s.svg#a"></use></svg><div style="background:url(${R})"></div><object data="${R}"></object>`,
      true,
    );
    expect(out.html).toContain(`<img src="${R}">`);
    expect(out.html).toContain(`<image href="${R}">`);
    expect(out.html).not.toContain('s.svg');
    expect(out.html).not.toContain('url(');
    expect(out.html).not.toContain('<object');
  });
});
