// The web app (web/, built by `npm run build:web` into web/dist) served as static files at /.
// Public like /docs: the pages hold no data; every call they make carries the API token.
//
// Weight: the files go out compressed (br, else gzip, by Accept-Encoding); the hashed files
// under /assets/ are cached for a year, immutable (a new build has new names), and everything
// else (index.html, the favicons) is `no-cache`, so a browser revalidates it (ETag) and picks
// up a new build at once. test/web/weight-budget.test.ts holds the first load to a budget.
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { constants as zlib } from 'node:zlib';

/** The repository root: the nearest folder up with a package.json (src/api/ or the CLI's .build/ bundle). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const WEB_DIST = join(packageRoot(), 'web', 'dist');

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** True when the built web app exists (and is now served at /). */
export async function registerWebApp(app: FastifyInstance, root = WEB_DIST): Promise<boolean> {
  if (!existsSync(`${root}/index.html`)) return false;
  const assets = `${join(root, 'assets')}${sep}`;
  await app.register(async (web) => {
    web.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true } as typeof route.config;
    });
    // Registered before the static files (its hook must see their replies). Brotli at quality 5:
    // a few ms for the app's bundle against seconds at the default 11, for a few % more bytes;
    // browsers then cache the hashed files for a year, so each is compressed rarely.
    // Loaded here, not at the top: every CLI command imports this file for WEB_DIST.
    const { default: fastifyCompress } = await import('@fastify/compress');
    await web.register(fastifyCompress, {
      encodings: ['br', 'gzip'],
      threshold: 1024,
      brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } },
    });
    await web.register(fastifyStatic, {
      root,
      prefix: '/',
      index: ['index.html'],
      cacheControl: false,
      setHeaders: (reply, path) => void reply.header('cache-control', path.startsWith(assets) ? IMMUTABLE : 'no-cache'),
    });
  });
  return true;
}
