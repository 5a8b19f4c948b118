// What every CLI process loads before its command runs: the packages statically reachable from
// src/cli/main.ts (bin/touchpoint bundles it with code splitting, so a dynamic import() stays
// lazy). The HTTP stack, the queue, SMTP and the directory-source and cloud clients load in the
// commands that use them: in a `touchpoint sync` they were ~20 MB of live heap, which V8 then
// multiplies when it sizes the heap (docs/benchmarks.md, "100,000-message sync").
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LAZY = [
  'fastify',
  'pino',
  'prom-client',
  'pg',
  'pg-boss',
  'nodemailer',
  'jsforce',
  '@hubspot/api-client',
  'node-zendesk',
  'google-auth-library',
  '@googleapis/gmail',
  '@azure/msal-node',
];

/** Packages reached from main.ts through static imports only. */
async function staticPackages(): Promise<Set<string>> {
  const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as Record<string, Record<string, string>>;
  const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) => d !== 'kysely');
  const entry = 'src/cli/main.ts';
  const { metafile } = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    splitting: true,
    outdir: 'unused',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: external.flatMap((d) => [d, `${d}/*`]),
  });
  const seen = new Set([entry]);
  const queue = [entry];
  const packages = new Set<string>();
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const i of metafile.inputs[file]?.imports ?? []) {
      if (i.kind !== 'import-statement') continue;
      if (i.external)
        packages.add(
          i.path
            .split('/')
            .slice(0, i.path.startsWith('@') ? 2 : 1)
            .join('/'),
        );
      else if (!seen.has(i.path)) {
        seen.add(i.path);
        queue.push(i.path);
      }
    }
  }
  return packages;
}

it('loads the service, queue, SMTP, directory-source and cloud clients only in the commands that use them', async () => {
  const packages = await staticPackages();
  expect(packages.has('imapflow') || packages.has('better-sqlite3')).toBe(true); // the walk does reach packages
  expect(LAZY.filter((p) => packages.has(p))).toEqual([]);
}, 60_000);
