// Issue 20, weight: the built web app (web/dist, as `touchpoint serve` serves it) goes out
// compressed, its hashed assets cached for a year and index.html revalidated, and a first
// load — index.html and every file it references — stays within 120 KB on the wire.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../src/api/web-static.js';
import { makeTestApi, type TestApi } from '../support/service.js';

const BUDGET_BYTES = 120 * 1024;
const BROWSER = { 'accept-encoding': 'br, gzip' };

let api: TestApi;
beforeAll(async () => {
  if (!existsSync(join(WEB_DIST, 'index.html'))) throw new Error('web/dist is missing: npm test builds it first (npm run build:web)');
  api = await makeTestApi('sqlite');
});
afterAll(async () => api?.close());

const get = (url: string, headers: Record<string, string> = BROWSER) => api.app.inject({ method: 'GET', url, headers });

/** What the page loads before it can draw: the scripts, styles, preloads and icons index.html names. */
function referenced(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
}

function decoded(body: Buffer, encoding: string | string[] | undefined): Buffer {
  if (encoding === 'br') return brotliDecompressSync(body);
  if (encoding === 'gzip') return gunzipSync(body);
  return body;
}

/** index.html as the browser reads it (it may come compressed too). */
async function indexHtml(): Promise<string> {
  const res = await get('/');
  return decoded(res.rawPayload, res.headers['content-encoding']).toString('utf8');
}

describe('web app weight', () => {
  it('a first load (index.html and every file it references) is at most 120 KB compressed', async () => {
    const index = await get('/');
    expect(index.statusCode).toBe(200);
    const files = referenced(decoded(index.rawPayload, index.headers['content-encoding']).toString('utf8'));
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    let total = index.rawPayload.length;
    const sizes: Record<string, number> = { '/': total };
    for (const f of files) {
      const res = await get(f);
      expect(res.statusCode, f).toBe(200);
      sizes[f] = res.rawPayload.length;
      total += res.rawPayload.length;
    }
    expect(total, JSON.stringify(sizes)).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('sends the scripts and styles brotli-compressed, or gzip to a client without br, and the bytes are the built files', async () => {
    const files = referenced(await indexHtml()).filter((f) => f.startsWith('/assets/'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const onDisk = readFileSync(join(WEB_DIST, f));
      const br = await get(f);
      expect(br.headers['content-encoding'], f).toBe('br');
      expect(br.headers.vary).toMatch(/accept-encoding/i);
      expect(decoded(br.rawPayload, 'br').equals(onDisk), f).toBe(true);
      if (onDisk.length > 4096) expect(br.rawPayload.length, f).toBeLessThan(onDisk.length / 2);
      const gz = await get(f, { 'accept-encoding': 'gzip' });
      expect(gz.headers['content-encoding'], f).toBe('gzip');
      expect(decoded(gz.rawPayload, 'gzip').equals(onDisk), f).toBe(true);
      const plain = await get(f, {});
      expect(plain.headers['content-encoding'], f).toBeUndefined();
      expect(plain.rawPayload.equals(onDisk), f).toBe(true);
    }
  });

  it('caches the hashed assets for a year (immutable) and makes the browser revalidate index.html', async () => {
    const index = await get('/');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers.etag).toBeTruthy();
    expect((await get('/index.html')).headers['cache-control']).toBe('no-cache');
    for (const f of referenced(await indexHtml()).filter((x) => x.startsWith('/assets/')))
      expect((await get(f)).headers['cache-control'], f).toBe('public, max-age=31536000, immutable');
  });

  it('has a favicon: /favicon.ico (what browsers ask for by default) and the SVG index.html names', async () => {
    const ico = await get('/favicon.ico');
    expect(ico.statusCode).toBe(200);
    expect(ico.headers['content-type']).toMatch(/icon/);
    expect(
      decoded(ico.rawPayload, ico.headers['content-encoding'])
        .subarray(0, 4)
        .equals(Buffer.from([0, 0, 1, 0])),
    ).toBe(true); // the ICO signature
    expect(referenced(await indexHtml())).toContain('/favicon.svg');
    const svg = await get('/favicon.svg');
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toMatch(/image\/svg\+xml/);
  });
});
