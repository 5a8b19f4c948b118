// Gmail and Microsoft Graph initial sync against their emulators (test/emulators), not a test.
// For each provider, the same mailbox of N messages, in the same run, interleaved:
//  (a) bare: the official client listing every message id, then reading each message in the
//      form Touchpoint needs through the batch endpoint — Gmail: messages.list (500 a page),
//      then POST /batch/gmail/v1 of 100 messages.get format=metadata with our headers; Graph:
//      mailFolders/inbox/messages ($select=id, 1,000 a page), then POST /$batch of 20
//      GET messages/{id} with our $select. One batch in flight: Graph allows 4 concurrent
//      requests per mailbox and a batch of 20 already uses them; Gmail's per-user quota (15,000
//      units a minute, 5 per messages.get) is below one batch of 100 a second anyway.
//  (b) Touchpoint's initial sync of that mailbox into a fresh SQLite store, through its
//      provider (decide against a directory, store, bodies of the linked mail).
// Reported: (b)/(a), medians of BENCH_RUNS. The emulators answer at once (Graph's waits 5 ms a
// request, as a stand-in for the network), so the ratio is about requests and our own work.
//
//   npm run bench:cloud                    (5,000 messages each, 3 runs)
//   npm run bench -- --only=cloud --quick  (1,000 messages each)
//   BENCH_ONLY=gmail npm run bench:cloud   (Gmail's (a) and (b) alone, with each run's process CPU
//                                           time; printed, no JSON written; BENCH_ONLY=graph likewise)
//   BENCH_GMAIL_SHAPES=real                (Gmail's bodies in parse.bench's real-world mix: alternative,
//                                           related, attachments; bench/mail-shapes.ts)
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gmail } from '@googleapis/gmail';
import { GoogleEmulator } from '../test/emulators/google.js';
import { MicrosoftEmulator } from '../test/emulators/microsoft.js';
import { loadConfig } from '../src/config/index.js';
import { historicWindowStart } from '../src/providers/historic-window.js';
import { GoogleTokens } from '../src/providers/google/auth.js';
import { GmailMailSource } from '../src/providers/google/gmail-mail-source.js';
import { Limiter } from '../src/providers/microsoft/call.js';
import { GraphMailSource } from '../src/providers/microsoft/mail-source.js';
import type { MailSource } from '../src/providers/types.js';
import { MicrosoftTokens } from '../src/providers/microsoft/auth.js';
import { graphClient } from '../src/providers/microsoft/graph-client.js';
import { microsoftSettings } from '../src/providers/microsoft/settings.js';
import { createSecrets } from '../src/secrets/secrets.js';
import { createConnection } from '../src/store/connections.js';
import type { Store } from '../src/store/db.js';
import { openSqlite } from '../src/store/dialects/sqlite.js';
import { addAccount, addTeammate, insertEndUser } from '../src/store/directory.js';
import { directoryCache } from '../src/store/directory-version.js';
import { createWorkspace, findWorkspace } from '../src/store/workspaces.js';
import { syncAll } from '../src/sync/run-sync.js';
import { shapedBody } from './mail-shapes.js';
import { median, QUICK, ratioRow, saveResults } from './report.js';

const int = (name: string, dflt: number) => (process.env[name] ? Number.parseInt(process.env[name]!, 10) : dflt);
const CONFIG = {
  messages: int('BENCH_MESSAGES', QUICK ? 1_000 : 5_000),
  runs: int('BENCH_RUNS', 3),
  endUsers: 10_000,
  accounts: 1_000,
  /** Share of mail from an end user: linked, so Touchpoint also reads its body. */
  linkedShare: Number(process.env.BENCH_LINKED_SHARE ?? 0.3),
};
/** `real`: the Gmail mailbox's bodies in parse.bench's real-world mix (mail-shapes.ts); default single-part plain. */
const GMAIL_SHAPES = process.env.BENCH_GMAIL_SHAPES;
/** One provider's runs alone (for A/B and profiling): printed, results.json not written. */
const ONLY = process.env.BENCH_ONLY as 'gmail' | 'graph' | undefined;
const AUTH = new Date('2026-01-01T00:00:00Z');
const NOW = new Date('2026-03-10T00:00:00Z');
const GMAIL_BATCH = 100;
const GRAPH_BATCH = 20;
/** What Touchpoint asks of each message (src/providers/google/gmail-mail-source.ts, microsoft/mail-source.ts). */
const GMAIL_HEADERS = ['From', 'To', 'Cc', 'Bcc', 'Subject', 'Date', 'Message-ID', 'Sender', 'Reply-To'];
const GRAPH_SELECT = 'internetMessageId,subject,from,sender,toRecipients,ccRecipients,bccRecipients,sentDateTime,receivedDateTime,isDraft';

const g = await new GoogleEmulator().start();
// The emulator's per-user quota (250 units a second, on by default since the tests need it)
// is off here: with it, both sides would read at Gmail's 50 messages.get a second (100 s for
// 5,000) and the bare client, which sends nothing again, would lose the refused parts; the
// ratio would measure the quota, not our code. Graph's 4-per-mailbox limit stays on: the bare
// client (one $batch at a time) and our limiter keep under it, so it refuses nothing.
g.setUserQuota(null);
const ms = await new MicrosoftEmulator().start();
Object.assign(process.env, {
  TOUCHPOINT_SECRET_KEY: process.env.TOUCHPOINT_SECRET_KEY ?? 'touchpoint-benchmark-secret-key-0123456789',
  // The emulators listen on loopback, which the outbound policy refuses unless allowed.
  TOUCHPOINT_OUTBOUND_ALLOW: '127.0.0.1/32',
  TOUCHPOINT_GOOGLE_CLIENT_ID: 'bench.apps.googleusercontent.com',
  TOUCHPOINT_GOOGLE_CLIENT_SECRET: 'bench-secret',
  TOUCHPOINT_GOOGLE_TOKEN_URL: g.tokenUrl,
  TOUCHPOINT_GOOGLE_ROOT_URL: g.rootUrl,
  TOUCHPOINT_MICROSOFT_CLIENT_ID: '00000000-0000-0000-0000-00000000c11e',
  TOUCHPOINT_MICROSOFT_CLIENT_SECRET: 'bench-secret',
  TOUCHPOINT_MICROSOFT_AUTHORITY: ms.authority,
  TOUCHPOINT_GRAPH_BASE_URL: ms.graphBaseUrl,
});
const config = loadConfig({ env: process.env });
const connectors = { secrets: createSecrets(config.secretKey), settings: config };
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Message i: from an end user (linked) for `linkedShare` of them, else from a vendor. */
function sender(i: number): string {
  const u = (i * 7919) % CONFIG.endUsers;
  return i % Math.round(1 / CONFIG.linkedShare) === 0
    ? `user${u}@customer${u % CONFIG.accounts}.com`
    : `news${i % 500}@vendor${i % 97}.example`;
}
const at = (i: number) => new Date(AUTH.getTime() + 86_400_000 + i * 60_000);

function seed(): void {
  const body = 'Thanks for the update on the renewal; here are our notes from the quarterly review meeting.\r\n'.repeat(40);
  for (let i = 0; i < CONFIG.messages; i++) {
    const when = at(i);
    const shaped = GMAIL_SHAPES === 'real' ? shapedBody(i) : null;
    const raw = [
      `Received: from mx1.relay.example by mx.ourco.com; ${when.toUTCString()}`,
      `From: Sender ${i} <${sender(i)}>`,
      'To: Alice <alice@ourco.com>',
      ...(i % 4 === 0 ? ['Cc: dan@ourco.com'] : []),
      `Subject: Quarterly review ${i}`,
      `Date: ${when.toUTCString()}`,
      `Message-ID: <bench-${i}@mail.example>`,
      'MIME-Version: 1.0',
      ...(shaped ? shaped.headers : ['Content-Type: text/plain; charset=utf-8']),
    ].join('\r\n');
    g.addMessage(`g${i}`, `${raw}\r\n\r\n${shaped ? shaped.body : body}`, when.toISOString());
    ms.addMessage({
      id: `AAMkAGI2-${i}`,
      folder: 'inbox',
      internetMessageId: `bench-${i}@mail.example`,
      subject: `Quarterly review ${i}`,
      from: sender(i),
      to: ['alice@ourco.com'],
      ...(i % 4 === 0 ? { cc: ['dan@ourco.com'] } : {}),
      receivedDateTime: when.toISOString(),
      body,
    });
  }
}

/** A store with the directory and one mail connection of this provider. */
async function template(path: string, provider: 'gmail' | 'graph', refreshToken: string): Promise<void> {
  const db = await openSqlite(path);
  const ws = await createWorkspace(db, 'bench', ['ourco.com'], NOW);
  const t = await addTeammate(db, ws.id, { email: 'alice@ourco.com', aliases: [] }, NOW);
  await db.transaction().execute(async (trx) => {
    for (let a = 0; a < CONFIG.accounts; a++) await addAccount(trx, ws.id, { id: `acc-${a}`, name: `Customer ${a}` }, NOW);
    for (let u = 0; u < CONFIG.endUsers; u++)
      await insertEndUser(
        trx,
        ws.id,
        { accountId: `acc-${u % CONFIG.accounts}`, email: `user${u}@customer${u % CONFIG.accounts}.com`, source: 'csv' },
        NOW,
      );
  });
  await createConnection(
    db,
    ws.id,
    {
      teammateId: t.id,
      provider,
      hasMail: true,
      hasCalendar: false,
      authorizedAt: AUTH,
      config: {},
      secretEnc: connectors.secrets.encrypt(refreshToken),
    },
    NOW,
  );
  await db.destroy();
}

const googleTokens = new GoogleTokens(
  { clientId: 'bench.apps.googleusercontent.com', clientSecret: 'bench-secret', tokenUrl: g.tokenUrl },
  g.issueRefreshToken(),
);
const gmailApi = gmail({ version: 'v1', auth: googleTokens.client, retry: false, rootUrl: g.rootUrl });
const after = Math.floor(historicWindowStart(AUTH).getTime() / 1000);

/** (a) Gmail: every id with messages.list, then batches of 100 messages.get format=metadata. */
async function gmailBare(): Promise<number> {
  const t0 = performance.now();
  await googleTokens.ensureFresh();
  const ids: string[] = [];
  let pageToken: string | undefined;
  do {
    const r = await gmailApi.users.messages.list({
      userId: 'me',
      q: `after:${after}`,
      maxResults: 500,
      ...(pageToken ? { pageToken } : {}),
    });
    for (const m of r.data.messages ?? []) ids.push(m.id!);
    pageToken = r.data.nextPageToken ?? undefined;
  } while (pageToken);
  const query = `format=metadata&${GMAIL_HEADERS.map((h) => `metadataHeaders=${encodeURIComponent(h)}`).join('&')}`;
  let read = 0;
  for (let i = 0; i < ids.length; i += GMAIL_BATCH) {
    const parts = ids
      .slice(i, i + GMAIL_BATCH)
      .map(
        (id, k) =>
          `--bb\r\nContent-Type: application/http\r\nContent-ID: <${k}>\r\n\r\nGET /gmail/v1/users/me/messages/${id}?${query}\r\n\r\n`,
      );
    const r = await googleTokens.client.request<string>({
      url: `${g.rootUrl}batch/gmail/v1`,
      method: 'POST',
      headers: { 'content-type': 'multipart/mixed; boundary=bb' },
      data: `${parts.join('')}--bb--\r\n`,
      responseType: 'text',
    });
    // Each answered part's JSON is parsed, as a client reading it would.
    for (const m of r.data.matchAll(/\r\n\r\n(\{[^\r]*\})\r\n/g)) if ((JSON.parse(m[1]!) as { payload?: unknown }).payload) read++;
  }
  const ms_ = performance.now() - t0;
  if (read !== CONFIG.messages) throw new Error(`gmail bare read ${read} of ${CONFIG.messages}`);
  return ms_;
}

const msSettings = microsoftSettings(config.microsoft);
const msTokens = new MicrosoftTokens(msSettings, ms.issueRefreshToken());
const graph = graphClient(msTokens, msSettings.graphBaseUrl);

/** (a) Graph: every id from the Inbox's message list, then $batch of 20 GET messages/{id}?$select. */
async function graphBare(): Promise<number> {
  const t0 = performance.now();
  const ids: string[] = [];
  let next: string | undefined =
    `me/mailFolders/inbox/messages?$select=id&$top=1000&$filter=receivedDateTime ge ${historicWindowStart(AUTH).toISOString()}`;
  while (next) {
    const r = (await graph.api(next).get()) as { value: { id: string }[]; '@odata.nextLink'?: string };
    for (const m of r.value) ids.push(m.id);
    next = r['@odata.nextLink']?.slice(`${msSettings.graphBaseUrl}/v1.0/`.length);
  }
  let read = 0;
  for (let i = 0; i < ids.length; i += GRAPH_BATCH) {
    const requests = ids.slice(i, i + GRAPH_BATCH).map((id, k) => ({
      id: String(k),
      method: 'GET',
      url: `/me/messages/${id}?$select=${GRAPH_SELECT}`,
      headers: { Prefer: 'IdType="ImmutableId"' },
    }));
    const r = (await graph.api('$batch').post({ requests })) as { responses: { status: number; body?: { subject?: string } }[] };
    for (const x of r.responses) if (x.status === 200 && x.body?.subject) read++;
  }
  const ms_ = performance.now() - t0;
  if (read !== CONFIG.messages) throw new Error(`graph bare read ${read} of ${CONFIG.messages}`);
  return ms_;
}

/**
 * For the breakdown (not a row): the provider's own initial listing alone — every page of
 * changes(null) read, nothing decided, stored or fetched beyond it — so (b) minus this is the
 * engine's work (decide, store, bodies).
 */
async function providerAlone(source: MailSource): Promise<number> {
  const t0 = performance.now();
  let seen = 0;
  for await (const page of source.changes(null)) seen += page.sightings.length;
  const ms_ = performance.now() - t0;
  if (seen !== CONFIG.messages) throw new Error(`provider listed ${seen} of ${CONFIG.messages}`);
  return ms_;
}
const gmailSource = () => new GmailMailSource({ tokens: googleTokens, authorizedAt: AUTH, rootUrl: g.rootUrl });
const graphSource = () =>
  new GraphMailSource({ tokens: msTokens, limiter: new Limiter(4), client: graph, baseUrl: msSettings.graphBaseUrl, authorizedAt: AUTH });

const directory = directoryCache(2);

/** (b) Touchpoint's initial sync of the connection in a fresh copy of the template. */
async function touchpoint(templatePath: string, path: string): Promise<{ ms: number; linked: number }> {
  copyFileSync(templatePath, path);
  const db: Store = await openSqlite(path);
  try {
    const ws = (await findWorkspace(db))!;
    const ctx = { db, ws, now: NOW, actor: 'bench', connectors };
    await directory(ctx); // loaded once per process, as a worker keeps it (not measured)
    const t0 = performance.now();
    const [r] = await syncAll(ctx, undefined, { directory });
    const ms_ = performance.now() - t0;
    if (r?.mail.seen !== CONFIG.messages) throw new Error(`sync saw ${r?.mail.seen} (${r?.failure ?? ''})`);
    return { ms: ms_, linked: r.mail.linked };
  } finally {
    await db.destroy();
  }
}

/** CPU milliseconds (user + system) of the process since `from`: the emulator's share included. */
const cpuMs = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};

/** BENCH_ONLY: (a) and (b) of one provider alternating, wall and CPU per run, ratios of the medians. */
async function runOnly(bare: () => Promise<number>, templatePath: string): Promise<void> {
  await bare(); // warm-up, not measured
  const wall = { bare: [] as number[], touchpoint: [] as number[] };
  const cpu = { bare: [] as number[], touchpoint: [] as number[] };
  for (let run = 0; run < CONFIG.runs; run++) {
    let c0 = process.cpuUsage();
    wall.bare.push(await bare());
    cpu.bare.push(cpuMs(c0));
    c0 = process.cpuUsage();
    wall.touchpoint.push((await touchpoint(templatePath, join(dir, `only-${run}.db`))).ms);
    cpu.touchpoint.push(cpuMs(c0));
    log(
      `run ${run + 1} (load ${loadavg()[0]!.toFixed(2)}): bare ${wall.bare[run]!.toFixed(0)} ms (CPU ${cpu.bare[run]!.toFixed(0)}), ` +
        `touchpoint ${wall.touchpoint[run]!.toFixed(0)} ms (CPU ${cpu.touchpoint[run]!.toFixed(0)})`,
    );
  }
  const r = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(2);
  log(
    `${ONLY} medians: bare ${median(wall.bare).toFixed(0)} ms / CPU ${median(cpu.bare).toFixed(0)}, touchpoint ${median(wall.touchpoint).toFixed(0)} ms / CPU ${median(cpu.touchpoint).toFixed(0)}; ` +
      `ratio wall ${r(wall.touchpoint, wall.bare)}×, CPU ${r(cpu.touchpoint, cpu.bare)}×`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'tp-bench-cloud-'));
try {
  log(`mailboxes: ${CONFIG.messages} messages each in the Gmail and Graph emulators; directory of ${CONFIG.endUsers} end users`);
  seed();
  const gmailTemplate = join(dir, 'gmail.db');
  const graphTemplate = join(dir, 'graph.db');
  await template(gmailTemplate, 'gmail', g.issueRefreshToken());
  await template(graphTemplate, 'graph', ms.issueRefreshToken());
  if (ONLY) await runOnly(ONLY === 'gmail' ? gmailBare : graphBare, ONLY === 'gmail' ? gmailTemplate : graphTemplate);
  else await runAll(gmailTemplate, graphTemplate);
} finally {
  await g.stop();
  await ms.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** Both providers, interleaved, every figure: the rows of results.json. */
async function runAll(gmailTemplate: string, graphTemplate: string): Promise<void> {
  // Warm-up (not measured): JIT, token refreshes, the emulators' first answers.
  await gmailBare();
  await graphBare();
  const runs = {
    gmailBare: [] as number[],
    gmail: [] as number[],
    gmailProvider: [] as number[],
    graphBare: [] as number[],
    graph: [] as number[],
    graphProvider: [] as number[],
  };
  const linked = { gmail: 0, graph: 0 };
  const requests = { gmail: 0, graph: 0 };
  for (let run = 0; run < CONFIG.runs; run++) {
    runs.gmailBare.push(await gmailBare());
    let before = g.log.length;
    const gm = await touchpoint(gmailTemplate, join(dir, `gmail-${run}.db`));
    requests.gmail = g.log.length - before;
    runs.gmail.push(gm.ms);
    runs.gmailProvider.push(await providerAlone(gmailSource()));
    linked.gmail = gm.linked;
    runs.graphBare.push(await graphBare());
    before = ms.log.length;
    const gr = await touchpoint(graphTemplate, join(dir, `graph-${run}.db`));
    requests.graph = ms.log.length - before;
    runs.graph.push(gr.ms);
    runs.graphProvider.push(await providerAlone(graphSource()));
    linked.graph = gr.linked;
    log(
      `run ${run + 1} (load ${loadavg()[0]!.toFixed(2)}): gmail bare ${runs.gmailBare[run]!.toFixed(0)} ms, touchpoint ${gm.ms.toFixed(0)} ms; ` +
        `graph bare ${runs.graphBare[run]!.toFixed(0)} ms, touchpoint ${gr.ms.toFixed(0)} ms ` +
        `(providers' listing alone: gmail ${runs.gmailProvider[run]!.toFixed(0)} ms, graph ${runs.graphProvider[run]!.toFixed(0)} ms)`,
    );
  }
  const n = CONFIG.messages.toLocaleString('en-US');
  const rows = [
    ratioRow({
      id: 'cloud.gmail',
      what: `initial Gmail sync of ${n} messages (list + metadata in batches + decide + store; bodies of the ${linked.gmail} linked)`,
      limit: '@googleapis/gmail messages.list + batches of 100 messages.get format=metadata',
      unit: 'ms',
      value: runs.gmail,
      limitRuns: runs.gmailBare,
      kind: 'time',
      maxRatio: 1.5,
      note: `${requests.gmail} HTTP requests (parts counted one each) in Touchpoint's last run`,
    }),
    ratioRow({
      id: 'cloud.graph',
      what: `initial Graph sync of ${n} messages (delta with $select + decide + store; bodies of the ${linked.graph} linked)`,
      limit: 'Graph client: Inbox message ids + $batch of 20 GET with our $select',
      unit: 'ms',
      value: runs.graph,
      limitRuns: runs.graphBare,
      kind: 'time',
      maxRatio: 1.5,
      note: `${requests.graph} HTTP requests (parts counted one each) in Touchpoint's last run`,
    }),
  ];
  // A refused request is retried after Retry-After (1 s): it would time the limit, not the code.
  if (ms.concurrencyRefused) log(`warning: Graph refused ${ms.concurrencyRefused} requests over MailboxConcurrency (4 per mailbox)`);
  const med = (xs: number[]) => Math.round(median(xs));
  const providerAloneMs = { gmail: med(runs.gmailProvider), graph: med(runs.graphProvider) };
  log(
    `providers' initial listing alone (no decide/store/bodies), medians: gmail ${providerAloneMs.gmail} ms, graph ${providerAloneMs.graph} ms`,
  );
  saveResults('cloud', rows, { config: CONFIG, runs, linked, requests, providerAloneMs });
}
