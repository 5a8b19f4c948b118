// Writes the HTTP API's OpenAPI document (the one /openapi.json serves) to a file, from the
// app built without listening, for `npm run lint:openapi` (redocly lint) and client generators.
// `node --import tsx scripts/openapi.ts [out.json]` (default .build/openapi.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config/load.js';
import { ManualClock } from '../src/domain/clock.js';
import { InProcessQueue } from '../src/queue/in-process.js';
import { createSecrets } from '../src/secrets/secrets.js';
import { apiServiceHooks } from '../src/service/api-hooks.js';
import { createMetrics } from '../src/service/metrics.js';
import { openStore } from '../src/store/open.js';

const out = path.resolve(process.argv[2] ?? '.build/openapi.json');
// The document as a server with the default settings describes itself (no environment read).
const config = loadConfig({ env: {}, flags: {} });
const db = await openStore(':memory:');
const queue = new InProcessQueue();
const clock = new ManualClock(new Date(0));
const app = await buildApp({
  db,
  queue,
  clock,
  metrics: createMetrics({ db, queue, clock, defaultMetrics: false }),
  service: apiServiceHooks({ db, queue }),
  secretKey: null,
  config,
  secrets: createSecrets(config.secretKey),
  webRoot: false,
});
await app.ready();
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(app.swagger(), null, 2)}\n`);
await app.close();
await queue.stop({ timeoutMs: 1000 });
await db.destroy();
process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
