// The web app (web/, built by `npm run build:web` into web/dist) served as static files at /.
// Public like /docs: the pages hold no data; every call they make carries the API token.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** The repository root: the nearest folder up with a package.json (src/api/ or the CLI's .build/ bundle). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const WEB_DIST = join(packageRoot(), 'web', 'dist');

/** True when the built web app exists (and is now served at /). */
export async function registerWebApp(app: FastifyInstance, root = WEB_DIST): Promise<boolean> {
  if (!existsSync(`${root}/index.html`)) return false;
  await app.register(async (web) => {
    web.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true } as typeof route.config;
    });
    await web.register(fastifyStatic, { root, prefix: '/', index: ['index.html'], maxAge: 0 });
  });
  return true;
}
