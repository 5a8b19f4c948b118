// A large store built by bulk insert, for the benchmarks that read at scale (bench:find,
// bench:scale). Building is not what they measure, so rows go straight into the tables the
// sync would have filled — better-sqlite3 prepared statements on SQLite, `INSERT … SELECT
// FROM unnest(…)` on PostgreSQL — after the directory and connections were made through the
// store's own functions. Deterministic (seeded): every build of one shape is the same store.
import Database from 'better-sqlite3';
import { createHmac } from 'node:crypto';
import pg from 'pg';
import { createConnection } from '../src/store/connections.js';
import type { Store } from '../src/store/db.js';
import { addTeammate } from '../src/store/directory.js';
import { createWorkspace, type WorkspaceRecord } from '../src/store/workspaces.js';
import { prng } from './workers-fixtures.js';

export interface ScaleShape {
  emails: number;
  accounts: number;
  usersPerAccount: number;
  /** Teammates, one mail connection each; an email is seen by `sightingsPerEmail` of them. */
  teammates: number;
  sightingsPerEmail: number;
  /** The first `bigAccounts` accounts share `bigShare` of the linked mail (the worst timelines). */
  bigAccounts: number;
  bigShare: number;
  /** Share of the mail from an end user (linked, content kept); the rest from strangers. */
  linkedShare: number;
  /** Whether linked mail gets its email_links row (the timeline); find needs none. */
  links: boolean;
  days: number;
}

export const scaleAccountId = (a: number) => `acct${a}`;
export const scaleUserAddress = (a: number, u: number) => `user${u}@cust${a}.example`;
const strangerAddress = (s: number) => `person${s}@vendor${s % 997}.example`;

export interface ScaleEmail {
  id: string;
  messageId: string;
  at: string;
  linked: boolean;
  sender: string;
  accountId: string | null;
}

/** A workspace with the shape's accounts, end users, teammates and one folder connection per teammate. */
export async function seedScaleDirectory(
  db: Store,
  shape: ScaleShape,
  now: Date,
  authorizedAt: Date,
): Promise<{ ws: WorkspaceRecord; connectionIds: string[] }> {
  const ws = await createWorkspace(db, 'bench', ['ourco.com'], now);
  const at = now.toISOString();
  const accounts = Array.from({ length: shape.accounts }, (_, a) => ({
    workspace_id: ws.id,
    id: scaleAccountId(a),
    name: `Customer ${a}`,
    created_at: at,
  }));
  for (let i = 0; i < accounts.length; i += 1000)
    await db
      .insertInto('accounts')
      .values(accounts.slice(i, i + 1000))
      .execute();
  const users = [];
  for (let a = 0; a < shape.accounts; a++) {
    for (let u = 0; u < shape.usersPerAccount; u++) {
      const email = scaleUserAddress(a, u);
      users.push({
        id: `eu-${a}-${u}`,
        workspace_id: ws.id,
        account_id: scaleAccountId(a),
        email,
        email_norm: email,
        source: 'manual',
        created_at: at,
      });
    }
  }
  for (let i = 0; i < users.length; i += 1000)
    await db
      .insertInto('end_users')
      .values(users.slice(i, i + 1000))
      .execute();
  const connectionIds: string[] = [];
  for (let t = 0; t < shape.teammates; t++) {
    const mate = await addTeammate(db, ws.id, { email: `csm${t}@ourco.com`, aliases: [] }, now);
    const config = { mail: `/nonexistent/tp-bench-mail-${t}` }; // gone: not-linked mail is explained by its stored codes
    connectionIds.push(
      await createConnection(
        db,
        ws.id,
        { teammateId: mate.id, provider: 'folder', config, hasMail: true, hasCalendar: false, authorizedAt },
        now,
      ),
    );
  }
  return { ws, connectionIds };
}

type Table = 'emails' | 'participant_hashes' | 'email_sightings' | 'email_links';
const COLUMNS: Record<Table, string[]> = {
  emails: [
    'id',
    'workspace_id',
    'dedup_key',
    'message_id',
    'at',
    'outcome',
    'decision',
    'participants',
    'subject',
    'decided_at',
    'first_seen_at',
    'from_hash',
  ],
  participant_hashes: ['workspace_id', 'kind', 'item_id', 'addr_hash'],
  email_sightings: ['workspace_id', 'email_id', 'connection_id', 'folder', 'ref', 'at', 'seen_at'],
  email_links: ['workspace_id', 'item_id', 'account_id', 'via', 'at', 'message_id', 'subject'],
};
type Rows = Record<Table, (string | null)[][]>;

/** Email number `from`…`to`-1 of the shape as table rows; `visit` sees each email (to pick queries). */
function rowsFor(
  ctx: { ws: WorkspaceRecord; connectionIds: string[]; shape: ScaleShape; now: Date; rnd: () => number; hash: (a: string) => string },
  from: number,
  to: number,
  visit: (e: ScaleEmail) => void,
): Rows {
  const { ws, connectionIds, shape, rnd, hash } = ctx;
  const out: Rows = { emails: [], participant_hashes: [], email_sightings: [], email_links: [] };
  const now = ctx.now.toISOString();
  const start = ctx.now.getTime() - shape.days * 86_400_000;
  const notLinked = JSON.stringify({
    kind: 'email',
    outcome: 'not_linked',
    accounts: [],
    checks: [{ rule: 'E3', status: 'fail', code: 'E3_NO_END_USER', detail: '' }],
    remedies: [],
    hints: [],
  });
  for (let i = from; i < to; i++) {
    const linked = rnd() < shape.linkedShare;
    const big = rnd() < shape.bigShare;
    const a = big ? Math.floor(rnd() * shape.bigAccounts) : shape.bigAccounts + Math.floor(rnd() * (shape.accounts - shape.bigAccounts));
    const sender = linked ? scaleUserAddress(a, Math.floor(rnd() * shape.usersPerAccount)) : strangerAddress(Math.floor(rnd() * 20_000));
    const accountId = linked ? scaleAccountId(a) : null;
    const rcpt = `csm${i % shape.teammates}@ourco.com`;
    const at = new Date(start + Math.floor(rnd() * shape.days * 86_400_000)).toISOString();
    const id = `e${i.toString().padStart(8, '0')}`;
    const mid = `m${i}@bench.example`;
    const via = [{ email: sender, field: 'from' }];
    const decision = linked
      ? JSON.stringify({ kind: 'email', outcome: 'linked', accounts: [{ id: accountId, via }], checks: [], remedies: [], hints: [] })
      : notLinked;
    const subject = linked ? `Question ${i % 500}` : null;
    const participants = linked ? JSON.stringify({ from: [{ address: sender }], to: [{ address: rcpt }], cc: [], bcc: [] }) : null;
    out.emails.push([
      id,
      ws.id,
      `mid:${mid}`,
      mid,
      at,
      linked ? 'linked' : 'not_linked',
      decision,
      participants,
      subject,
      now,
      now,
      hash(sender),
    ]);
    out.participant_hashes.push([ws.id, 'email', id, hash(sender)], [ws.id, 'email', id, hash(rcpt)]);
    for (let k = 0; k < shape.sightingsPerEmail; k++)
      out.email_sightings.push([ws.id, id, connectionIds[(i + k) % connectionIds.length]!, 'INBOX', `INBOX/${i}`, at, now]);
    if (linked && shape.links) out.email_links.push([ws.id, id, accountId!, JSON.stringify(via), at, mid, subject]);
    visit({ id, messageId: mid, at, linked, sender, accountId });
  }
  return out;
}

const PAGE = 10_000;

function builder(ws: WorkspaceRecord, connectionIds: string[], shape: ScaleShape, now: Date) {
  const cache = new Map<string, string>();
  const hash = (a: string) => {
    let v = cache.get(a);
    if (!v) {
      v = createHmac('sha256', ws.hashKey).update(a).digest('hex').slice(0, 32);
      cache.set(a, v);
    }
    return v;
  };
  return { ws, connectionIds, shape, now, rnd: prng(7), hash };
}

/** The shape's emails, sightings, participant hashes and links into a migrated SQLite file. */
export function bulkLoadSqlite(
  file: string,
  seeded: { ws: WorkspaceRecord; connectionIds: string[] },
  shape: ScaleShape,
  now: Date,
  visit: (e: ScaleEmail) => void = () => undefined,
): void {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = OFF');
  // The indexes outgrow SQLite's 2 MB default cache early: each insert then reads pages back.
  sqlite.pragma('cache_size = -262144');
  const ctx = builder(seeded.ws, seeded.connectionIds, shape, now);
  const insert = Object.fromEntries(
    (Object.keys(COLUMNS) as Table[]).map((t) => [
      t,
      sqlite.prepare(`insert into ${t} (${COLUMNS[t].join(', ')}) values (${COLUMNS[t].map(() => '?').join(', ')})`),
    ]),
  ) as Record<Table, Database.Statement>;
  const page = sqlite.transaction((rows: Rows) => {
    for (const t of Object.keys(COLUMNS) as Table[]) for (const r of rows[t]) insert[t].run(...r);
  });
  for (let i = 0; i < shape.emails; i += PAGE) page(rowsFor(ctx, i, Math.min(shape.emails, i + PAGE), visit));
  sqlite.exec('analyze');
  sqlite.close();
}

/** The same into a migrated PostgreSQL database: one `INSERT … SELECT FROM unnest` per table per page. */
export async function bulkLoadPostgres(
  url: string,
  seeded: { ws: WorkspaceRecord; connectionIds: string[] },
  shape: ScaleShape,
  now: Date,
  visit: (e: ScaleEmail) => void = () => undefined,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const ctx = builder(seeded.ws, seeded.connectionIds, shape, now);
    await client.query('SET synchronous_commit = off'); // a bench database: a crash means building it again
    for (let i = 0; i < shape.emails; i += PAGE) {
      const rows = rowsFor(ctx, i, Math.min(shape.emails, i + PAGE), visit);
      await client.query('BEGIN');
      for (const t of Object.keys(COLUMNS) as Table[]) {
        if (!rows[t].length) continue;
        const cols = COLUMNS[t];
        const arrays = cols.map((_, c) => rows[t].map((r) => r[c]));
        await client.query({
          text: `INSERT INTO ${t} (${cols.join(', ')}) SELECT * FROM unnest(${cols.map((_, c) => `$${c + 1}::text[]`).join(', ')})`,
          values: arrays,
        });
      }
      await client.query('COMMIT');
    }
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}
