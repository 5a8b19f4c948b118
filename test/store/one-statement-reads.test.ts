// Connections, teammates and search's end users are each read with one statement, their
// teammate's addresses or account's name riding along as a column (bench:scale). The answers
// must be what the separate reads gave: owner addresses primary first, aliases without the
// primary, no addresses at all, an account name or (row missing) its id — on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, getConnection, listConnections } from '../../src/store/connections.js';
import type { Store } from '../../src/store/db.js';
import { addAccount, addTeammate, insertEndUser, listTeammates } from '../../src/store/directory.js';
import { findEmailWithSightings } from '../../src/store/email-with-sightings.js';
import { emailSightings, findEmailsByMessageId } from '../../src/store/emails.js';
import { directoryVersion } from '../../src/store/directory-version.js';
import { endUsersContaining } from '../../src/store/end-user-search.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

const NOW = new Date('2026-03-20T12:00:00Z');

describe.each(DIALECTS)('one-statement reads (%s)', (dialect) => {
  let close: () => Promise<void>;
  let db: Store;
  let ws: string;
  let other: string;

  beforeAll(async () => {
    const store = await openTestStore(dialect, 'one-statement-reads');
    close = store.close;
    db = store.db;
    ws = (await createWorkspace(db, 'cs', ['ourco.com'], NOW)).id;
    other = (await createWorkspace(db, 'other', ['ourco.com'], NOW)).id;
    const alice = await addTeammate(
      db,
      ws,
      { email: 'Alice@OurCo.com', aliases: ['alice.w@ourco.com', 'a@ourco.com'], name: 'Alice' },
      NOW,
    );
    const bob = await addTeammate(db, ws, { email: 'bob@ourco.com', aliases: [] }, NOW);
    // Same addresses in another workspace: never mixed in.
    await addTeammate(db, other, { email: 'alice@ourco.com', aliases: ['x@ourco.com'] }, NOW);
    for (const t of [alice, bob])
      await createConnection(
        db,
        ws,
        { teammateId: t.id, provider: 'imap', config: { k: t.email }, hasMail: true, hasCalendar: false, authorizedAt: NOW },
        NOW,
      );
    await addAccount(db, ws, { id: 'acme', name: 'Acme Inc' }, NOW);
    await addAccount(db, other, { id: 'ghost', name: 'Not this workspace' }, NOW);
    await insertEndUser(db, ws, { accountId: 'acme', email: 'john@acme.com', source: 'manual' }, NOW);
    await insertEndUser(db, ws, { accountId: 'ghost', email: 'jane@acme.com', source: 'manual' }, NOW);
    const conns = await listConnections(db, ws);
    for (const [id, mid] of [
      ['e1', 'm1@x'],
      ['e2', 'm2@x'],
    ] as const) {
      await db
        .insertInto('emails')
        .values({
          id,
          workspace_id: ws,
          dedup_key: `mid:${mid}`,
          message_id: mid,
          at: NOW.toISOString(),
          outcome: 'linked',
          decision: JSON.stringify({ outcome: 'linked', accounts: [], checks: [], remedies: [], hints: [] }),
          participants: JSON.stringify({ from: [{ address: 'john@acme.com' }], to: [], cc: [], bcc: [] }),
          subject: 's',
          body_text: null,
          body_html: null,
          decided_at: NOW.toISOString(),
          first_seen_at: NOW.toISOString(),
          from_hash: null,
        })
        .execute();
    }
    // e1: seen in four places, three at the same instant (ties keep the order the separate read gave).
    const seen = ['2026-03-20T12:00:05.000Z', '2026-03-20T12:00:01.000Z', '2026-03-20T12:00:05.000Z', '2026-03-20T12:00:05.000Z'];
    for (const [i, seenAt] of seen.entries()) {
      await db
        .insertInto('email_sightings')
        .values({
          workspace_id: ws,
          email_id: 'e1',
          connection_id: conns[i % 2]!.id,
          folder: `F${i}`,
          ref: `r${i}`,
          at: NOW.toISOString(),
          seen_at: seenAt,
        })
        .execute();
    }
  });
  afterAll(async () => close?.());

  it('lists teammates with their aliases (the primary address left out), and none for a teammate without', async () => {
    const list = await listTeammates(db, ws);
    expect(list.map((t) => t.email)).toEqual(['Alice@OurCo.com', 'bob@ourco.com']);
    expect([...list[0]!.aliases].sort()).toEqual(['a@ourco.com', 'alice.w@ourco.com']);
    expect(list[0]!.name).toBe('Alice');
    expect(list[1]!.aliases).toEqual([]);
    expect(list[1]).not.toHaveProperty('name');
  });

  it("gives each connection its teammate's addresses, the primary (normalized) first, each once", async () => {
    const conns = await listConnections(db, ws);
    expect(conns).toHaveLength(2);
    const [a, b] = conns;
    expect(a!.ownerAddresses[0]).toBe('alice@ourco.com');
    expect([...a!.ownerAddresses].sort()).toEqual(['a@ourco.com', 'alice.w@ourco.com', 'alice@ourco.com']);
    expect(b!.ownerAddresses).toEqual(['bob@ourco.com']);
    expect(a!.config).toEqual({ k: 'Alice@OurCo.com' });
    expect(await getConnection(db, ws, a!.id)).toEqual(a);
    expect(await getConnection(db, other, a!.id)).toBeUndefined();
  });

  it('reads an email by Message-ID with its sightings as the two separate reads give them (none: [])', async () => {
    for (const mid of ['m1@x', 'm2@x']) {
      const [email] = await findEmailsByMessageId(db, ws, mid);
      const found = await findEmailWithSightings(db, ws, mid);
      expect(found?.email).toEqual(email);
      expect(found?.sightings).toEqual(await emailSightings(db, ws, email!.id));
    }
    expect((await findEmailWithSightings(db, ws, 'm1@x'))?.sightings.map((s) => s.folder)).toHaveLength(4);
    expect((await findEmailWithSightings(db, ws, 'm2@x'))?.sightings).toEqual([]);
    expect(await findEmailWithSightings(db, other, 'm1@x')).toBeUndefined();
    expect(await findEmailWithSightings(db, ws, 'nope@x')).toBeUndefined();
  });

  it("names each end user's account, or gives its id when the workspace has no such account", async () => {
    const found = await endUsersContaining(db, ws, '@acme.com');
    expect(found.map((u) => [u.email, u.accountName])).toEqual([
      ['john@acme.com', 'Acme Inc'],
      ['jane@acme.com', null],
    ]);
    const scanned = await endUsersContaining(db, ws, 'acme');
    expect(scanned.map((u) => u.accountName)).toEqual(['Acme Inc', null]);
  });

  // Last: it changes the directory.
  it("reads the workspace's directory version with the email, as directoryVersion gives it, and it moves with the directory", async () => {
    const before = await directoryVersion(db, ws);
    expect((await findEmailWithSightings(db, ws, 'm1@x'))?.directoryVersion).toBe(before);
    await addTeammate(db, ws, { email: 'carol@ourco.com', aliases: ['c@ourco.com'] }, NOW);
    const after = await directoryVersion(db, ws);
    expect(after).not.toBe(before);
    expect((await findEmailWithSightings(db, ws, 'm2@x'))?.directoryVersion).toBe(after);
    // Another workspace's directory is not counted.
    await addTeammate(db, other, { email: 'dave@ourco.com', aliases: [] }, NOW);
    expect((await findEmailWithSightings(db, ws, 'm1@x'))?.directoryVersion).toBe(after);
  });
});
