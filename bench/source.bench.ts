// Benchmark: the initial sync of a directory source, HubSpot through its emulator and the
// official client, in the same run:
//   (a) the bare paging — the connector alone reading every page of the emulator (companies,
//       contacts with their associations, archived records), nothing stored;
//   (b) Touchpoint's initial sync of the same: every page applied to a fresh SQLite store
//       (accounts, 10,200 end users, the company links, the cursor, an audit entry per page).
// 10,000 contacts in 2,000 companies (every 50th contact in a second company). Runs alternate
// (a) and (b); medians of 3 (2 with --quick). Target: (b) ≤ 2× (a).
//
//   npm run bench:source
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { connectSource, syncSourcesHere } from '../src/app/sources.js';
import { createSecrets } from '../src/secrets/secrets.js';
import { createHubSpotSource } from '../src/sources/hubspot/index.js';
import { createWorkspace } from '../src/store/workspaces.js';
import { HubSpotEmulator } from '../test/emulators/hubspot.js';
import { bigDirectory } from '../test/sources/fixture.js';
import { TEST_OUTBOUND, TEST_PASSPHRASE, testConfig } from '../test/support/config.js';
import { openTestStore } from '../test/support/databases.js';
import { QUICK, ratioRow, saveResults } from './report.js';

const RUNS = QUICK || process.argv.includes('--quick') ? 2 : 3;
const TARGET_RATIO = 2;
const log = (s: string) => process.stderr.write(`${s}\n`);

// No ten-second window: the bench measures the paging and the storing, not HubSpot's pacing
// (its eight syncs of ~115 requests would meet the 190-a-ten-seconds limit on a fast machine).
const emulator = await HubSpotEmulator.start({ tenSecondMax: Number.POSITIVE_INFINITY });
const { companies, contacts } = bigDirectory();
emulator.seed(companies, contacts);

async function barePaging(): Promise<{ ms: number; contacts: number }> {
  const source = createHubSpotSource(emulator.settings, emulator.secret, { now: () => new Date(), outbound: TEST_OUTBOUND });
  const t0 = performance.now();
  let n = 0;
  for await (const page of source.changes(null)) n += page.contacts.length;
  return { ms: performance.now() - t0, contacts: n };
}

async function initialSync(): Promise<{ ms: number; added: number; pages: number }> {
  const store = await openTestStore('sqlite', 'bench_source');
  try {
    const now = new Date('2026-03-20T12:00:00Z');
    const ws = await createWorkspace(store.db, 'bench', ['ourco.com'], now);
    const secrets = createSecrets(TEST_PASSPHRASE);
    const deps = {
      db: store.db,
      ws,
      now,
      actor: 'bench',
      connectors: { secrets, settings: testConfig() },
      secretKey: secrets.key(),
      outbound: TEST_OUTBOUND,
    };
    const { source } = await connectSource(deps, { kind: 'hubspot', settings: emulator.settings, secret: emulator.secret });
    const t0 = performance.now();
    const [r] = await syncSourcesHere(deps, { sourceId: source.id });
    const ms = performance.now() - t0;
    if (r?.status !== 'active') throw new Error(`the sync did not finish: ${r?.problem}`);
    return { ms, added: r.counts.added, pages: r.pages };
  } finally {
    await store.close();
  }
}

// One warm-up of each (JIT, the client's lazy modules), not measured.
await barePaging();
await initialSync();
const bare: number[] = [];
const sync: number[] = [];
let last = { added: 0, pages: 0, contacts: 0 };
for (let i = 0; i < RUNS; i++) {
  const a = await barePaging();
  const b = await initialSync();
  bare.push(a.ms);
  sync.push(b.ms);
  last = { added: b.added, pages: b.pages, contacts: a.contacts };
  log(
    `run ${i + 1}/${RUNS}: bare paging ${a.ms.toFixed(0)} ms (${a.contacts} contacts), initial sync ${b.ms.toFixed(0)} ms (${b.added} added, ${b.pages} pages)`,
  );
}
await emulator.close();

const rows = [
  ratioRow({
    id: 'source.hubspot.initial',
    what: 'HubSpot initial sync, 10,000 contacts in 2,000 companies (page, map, store 10,200 end users on SQLite)',
    limit: 'the connector paging the emulator alone (official client)',
    unit: 'ms',
    value: sync,
    limitRuns: bare,
    kind: 'time',
    maxRatio: TARGET_RATIO,
  }),
];
saveResults('source', rows, {
  config: { companies: companies.length, contacts: contacts.length, runs: RUNS },
  last,
  requests: emulator.requestCount(),
  cpu: cpus()[0]?.model ?? 'unknown',
  loadAverageAtEnd: loadavg()[0],
});
