// The workspace most store, sync and service tests start from: internal domain ourco.com, a
// teammate (alice@ourco.com), an account (acme) with an end user (john@acme.com), and a folder
// connection of that teammate — each part overridable, or left out with []. `seedWorkspace`
// writes straight to the store (no audit entry: the set-up is not a change under test);
// `seedOverApi` does the same through the API, as an admin would, and leaves the connection's
// first sync to the caller.
import type { Account } from '../../src/domain/directory.js';
import { type ConnectionRecord, createConnection, getConnection } from '../../src/store/connections.js';
import type { Ctx } from '../../src/store/context.js';
import type { Store } from '../../src/store/db.js';
import { addAccount, addTeammate, insertEndUser } from '../../src/store/directory.js';
import { createWorkspace, type WorkspaceRecord } from '../../src/store/workspaces.js';
import type { TestApi } from './service.js';

/** When a seeded connection was first authorized, unless a test says otherwise. */
export const SEED_AUTHORIZED_AT = new Date('2026-03-01T00:00:00Z');

export interface SeedFolder {
  /** The teammate whose connection it is (their address); default the first teammate. */
  teammate?: string;
  /** The folder's mail path; default '/nowhere' (tests that ingest pages never read it). */
  mail?: string;
  hasCalendar?: boolean;
  authorizedAt?: Date;
}

export interface SeedOptions {
  now: Date;
  slug?: string;
  teammates?: { email: string; aliases?: string[]; name?: string }[];
  accounts?: Account[];
  endUsers?: { accountId: string; email: string }[];
  /** Folder connections, in this order; default one of the first teammate. */
  folders?: SeedFolder[];
}

export interface Seeded {
  ws: WorkspaceRecord;
  /** Actor 'test', at `now`. */
  ctx: Ctx;
  /** Teammate ids by address. */
  teammates: Map<string, string>;
  /** The folder connections, in the order asked for. */
  conns: ConnectionRecord[];
  /** The same by id: what ingestion and re-decisions take. */
  byId: Map<string, ConnectionRecord>;
}

export async function seedWorkspace(db: Store, o: SeedOptions): Promise<Seeded> {
  const ws = await createWorkspace(db, o.slug ?? 'cs', ['ourco.com'], o.now);
  const teammates = new Map<string, string>();
  for (const t of o.teammates ?? [{ email: 'alice@ourco.com' }])
    teammates.set(t.email, (await addTeammate(db, ws.id, { aliases: [], ...t }, o.now)).id);
  for (const a of o.accounts ?? [{ id: 'acme', name: 'Acme' }]) await addAccount(db, ws.id, a, o.now);
  for (const u of o.endUsers ?? [{ accountId: 'acme', email: 'john@acme.com' }])
    await insertEndUser(db, ws.id, { ...u, source: 'manual' }, o.now);
  const conns: ConnectionRecord[] = [];
  for (const f of o.folders ?? [{}]) {
    const teammateId = teammates.get(f.teammate ?? [...teammates.keys()][0]!)!;
    const id = await createConnection(
      db,
      ws.id,
      {
        teammateId,
        provider: 'folder',
        config: { mail: f.mail ?? '/nowhere' },
        hasMail: true,
        hasCalendar: f.hasCalendar ?? false,
        authorizedAt: f.authorizedAt ?? SEED_AUTHORIZED_AT,
      },
      o.now,
    );
    conns.push((await getConnection(db, ws.id, id))!);
  }
  return { ws, ctx: { db, ws, now: o.now, actor: 'test' }, teammates, conns, byId: new Map(conns.map((c) => [c.id, c])) };
}

/**
 * Through the API, as `admin`: teammate alice@ourco.com, account acme (with `endUser` when
 * given), and alice's folder connection reading `mail`. Returns the connection's id.
 */
export async function seedOverApi(
  api: TestApi,
  admin: string,
  o: { mail: string; calendar?: string; endUser?: { email: string; source?: string }; authorizedAt?: string },
): Promise<string> {
  await api.call(admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
  await api.call(admin, 'POST', '/v1/accounts', { id: 'acme', name: 'Acme' });
  if (o.endUser) await api.call(admin, 'POST', '/v1/accounts/acme/end-users', o.endUser);
  const c = await api.call(admin, 'POST', '/v1/connections/folder', {
    teammate: 'alice@ourco.com',
    mail: o.mail,
    ...(o.calendar ? { calendar: o.calendar } : {}),
    authorizedAt: o.authorizedAt ?? SEED_AUTHORIZED_AT.toISOString(),
  });
  if (c.status !== 201) throw new Error(`seedOverApi: the folder connection was refused: ${JSON.stringify(c.body)}`);
  return c.body.id as string;
}
