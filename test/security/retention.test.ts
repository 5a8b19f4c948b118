// Retention and deletion, through the CLI: `purge` drops seen-but-not-linked mail and
// meetings after the period (default 30 days) and nothing linked; `workspace export` is all
// of one workspace without secrets; `workspace delete` leaves no row of it in any table
// (the tables listed from the schema) while another workspace's data is untouched.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/dialects/sqlite.js';
import { workspaceTables } from '../../src/store/workspace-data.js';
import { writeCalendar, writeMailbox } from '../support/mailbox.js';
import { Workspace } from '../support/cli.js';

const ws = new Workspace('2026-03-20T12:00:00Z', 'tp-retention-');
afterAll(() => ws.cleanup());

async function setUp(slug: string, prefix: string): Promise<void> {
  const g = ['--workspace', slug];
  await ws.ok(['init', '--workspace', slug, '--internal-domain', 'ourco.com']);
  await ws.ok([...g, 'teammate', 'add', '--email', `${prefix}alice@ourco.com`]);
  await ws.ok([...g, 'account', 'add', '--id', 'acme', '--name', `${prefix}Acme`]);
  await ws.ok([...g, 'user', 'add', '--account', 'acme', '--email', `${prefix}bob@acme.com`]);
  writeMailbox(ws.path(`${slug}/mail`), [
    { id: `${prefix}linked@acme.com`, from: `${prefix}bob@acme.com`, to: `${prefix}alice@ourco.com`, subject: 'Linked' },
    { id: `${prefix}prospect@prospect.example`, from: 'zed@prospect.example', to: `${prefix}alice@ourco.com`, subject: 'Not linked' },
  ]);
  writeCalendar(ws.path(`${slug}/cal`), [
    {
      uid: `${prefix}qbr@ourco.com`,
      start: '20260305T150000Z',
      end: '20260305T160000Z',
      title: 'QBR',
      organizer: `${prefix}alice@ourco.com`,
      attendees: [{ email: `${prefix}bob@acme.com`, partstat: 'ACCEPTED' }],
    },
    {
      uid: `${prefix}demo@ourco.com`,
      start: '20260306T150000Z',
      end: '20260306T160000Z',
      title: 'Demo',
      organizer: `${prefix}alice@ourco.com`,
      attendees: [{ email: 'zed@prospect.example', partstat: 'ACCEPTED' }],
    },
  ]);
  await ws.ok([
    ...g,
    'connect',
    'folder',
    '--teammate',
    `${prefix}alice@ourco.com`,
    '--mail',
    ws.path(`${slug}/mail`),
    '--calendar',
    ws.path(`${slug}/cal`),
    '--authorized-at',
    '2026-03-01T00:00:00Z',
  ]);
  await ws.ok([...g, 'sync']);
  await ws.ok([...g, 'token', 'create', '--role', 'admin', '--name', 'ops']);
}

beforeAll(async () => {
  await setUp('acme-cs', '');
  await setUp('other-cs', 'b-');
});

describe('touchpoint purge', () => {
  const A = ['--workspace', 'acme-cs'];

  it('keeps not-linked items younger than the period', async () => {
    expect(await ws.json([...A, 'purge'], { now: '2026-04-10T12:00:00Z' })).toMatchObject({ emails: 0, meetings: 0 });
  });

  it('purges not-linked mail and meetings after 30 days, and nothing linked', async () => {
    expect(await ws.json([...A, 'purge'], { now: '2026-04-20T12:00:00Z' })).toEqual({
      cutoff: '2026-03-21T12:00:00.000Z',
      emails: 1,
      meetings: 1,
    });
    // Issue 13: the purged mail leaves a tombstone, so explain still says it was seen and why
    // it was not linked (not "unknown, none has seen it").
    const purged = await ws.json([...A, 'explain', 'email', 'prospect@prospect.example']);
    expect(purged.outcome).toBe('not_linked');
    expect(purged.purged).toMatchObject({ retentionDays: 30, purgedAt: '2026-04-20T12:00:00.000Z' });
    expect(purged.summary).toMatch(/^Seen on .*, not linked.*; details removed after 30 days/);
    const timeline = await ws.json([...A, 'timeline', 'acme']);
    expect(timeline.items.map((i: { subject?: string; title?: string }) => i.subject ?? i.title).sort()).toEqual(['Linked', 'QBR']);
    // The other workspace was not purged.
    expect((await ws.json(['--workspace', 'other-cs', 'explain', 'email', 'b-prospect@prospect.example'])).outcome).toBe('not_linked');
  });

  it('takes --older-than, and refuses what is not a period', async () => {
    expect(await ws.json(['--workspace', 'other-cs', 'purge', '--older-than', '90d'], { now: '2026-04-20T12:00:00Z' })).toMatchObject({
      emails: 0,
    });
    const r = await ws.run([...A, 'purge', '--older-than', 'soon']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^touchpoint: --older-than: "soon" is not a period/);
  });
});

describe('touchpoint workspace export / delete', () => {
  it('exports every table of one workspace, without secrets or the other workspace', async () => {
    await ws.ok(['--workspace', 'acme-cs', 'workspace', 'export', '--out', ws.path('export.json')]);
    const doc = JSON.parse(readFileSync(ws.path('export.json'), 'utf8'));
    expect(doc.workspace.slug).toBe('acme-cs');
    // The not-linked email (its subject not kept) is there unless the purge test ran first:
    // this test does not depend on it.
    const subjects = doc.tables.emails.map((e: { subject: string | null }) => e.subject).filter((s: string | null) => s !== null);
    expect(subjects).toEqual(['Linked']);
    expect(doc.tables.api_tokens).toHaveLength(1);
    expect(doc.excludedColumns).toMatchObject({ connections: ['secret_enc'], api_tokens: ['token_hash'], workspaces: ['hash_key'] });
    const keys = new Set(
      Object.values(doc.tables as Record<string, Record<string, unknown>[]>)
        .flat()
        .flatMap((row) => Object.keys(row)),
    );
    for (const secret of ['secret_enc', 'token_hash', 'hash_key']) expect(keys.has(secret)).toBe(false);
    const text = JSON.stringify(doc.tables);
    for (const leak of ['b-alice', 'b-bob', 'b-Acme', 'other-cs']) expect(text).not.toContain(leak);
  });

  it('deletes every row of the workspace in every table, and only its rows', async () => {
    const db = await openSqlite(ws.db);
    const ids = Object.fromEntries((await db.selectFrom('workspaces').select(['id', 'slug']).execute()).map((w) => [w.slug, w.id]));
    const tables = await workspaceTables(db);
    const count = async (wsId: string) => {
      const out: Record<string, number> = {};
      for (const t of tables) {
        const where =
          t.scope === 'id'
            ? sql`id = ${wsId}`
            : t.scope === 'workspace_id'
              ? sql`workspace_id = ${wsId}`
              : sql`connection_id in (select id from connections where workspace_id = ${wsId})`;
        out[t.name] = Number(
          (await sql<{ n: number }>`select count(*) as n from ${sql.table(t.name)} where ${where}`.execute(db)).rows[0]!.n,
        );
      }
      return out;
    };
    const otherBefore = await count(ids['other-cs']!);
    const acmeBefore = await count(ids['acme-cs']!);
    await db.destroy();
    // Every table the schema has that holds workspace data is in the list, and had rows.
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'accounts',
        'api_tokens',
        'audit_log',
        'connections',
        'cursors',
        'email_links',
        'emails',
        'end_users',
        'meetings',
        'participant_hashes',
        'teammates',
        'workspaces',
      ]),
    );
    // One email, or two when the purge test has not run before this one.
    expect(acmeBefore).toMatchObject({ cursors: 2, connections: 1, workspaces: 1 });
    expect(acmeBefore.emails).toBeGreaterThanOrEqual(1);

    const refused = await ws.run(['workspace', 'delete', '--workspace', 'acme-cs']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^touchpoint: deleting workspace "acme-cs" cannot be undone: add --yes/);

    expect(await ws.ok(['workspace', 'delete', '--workspace', 'acme-cs', '--yes'])).toMatch(/^Deleted workspace acme-cs: \d+ row\(s\)/);
    const after = await openSqlite(ws.db);
    try {
      const db2 = after;
      const counts = async (wsId: string) => {
        const out: Record<string, number> = {};
        for (const t of tables) {
          const where =
            t.scope === 'id'
              ? sql`id = ${wsId}`
              : t.scope === 'workspace_id'
                ? sql`workspace_id = ${wsId}`
                : sql`connection_id in (select id from connections where workspace_id = ${wsId})`;
          out[t.name] = Number(
            (await sql<{ n: number }>`select count(*) as n from ${sql.table(t.name)} where ${where}`.execute(db2)).rows[0]!.n,
          );
        }
        return out;
      };
      expect(Object.values(await counts(ids['acme-cs']!)).every((n) => n === 0)).toBe(true);
      // Cursors hang off connections: none is left without its connection.
      expect(
        Number(
          (await sql<{ n: number }>`select count(*) as n from cursors where connection_id not in (select id from connections)`.execute(db2))
            .rows[0]!.n,
        ),
      ).toBe(0);
      expect(await counts(ids['other-cs']!)).toEqual(otherBefore);
    } finally {
      await after.destroy();
    }
    expect((await ws.json(['--workspace', 'other-cs', 'timeline', 'acme'])).items).toHaveLength(2);
  });
});
