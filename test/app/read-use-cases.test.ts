// The read use cases every face shares (explain, search, status): bad input is an 'invalid'
// AppError naming the field, an item never seen is answered "unknown", another workspace's
// end users are not found. On both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainEmail, explainMeeting } from '../../src/app/explain.js';
import { search } from '../../src/app/search.js';
import { connectionStatus } from '../../src/app/status.js';
import type { Ctx } from '../../src/store/context.js';
import { addAccount, addTeammate, insertEndUser } from '../../src/store/directory.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { DIALECTS, openTestStore } from '../support/databases.js';
import { appFailure } from '../support/app-errors.js';

const NOW = new Date('2026-03-20T12:00:00Z');

describe.each(DIALECTS)('read use cases (%s)', (dialect) => {
  let close: () => Promise<void>;
  let a: Ctx;
  let b: Ctx;

  beforeAll(async () => {
    const store = await openTestStore(dialect, 'read-use-cases');
    close = store.close;
    const { db } = store;
    const wsA = await createWorkspace(db, 'team-a', ['ourco.com'], NOW);
    const wsB = await createWorkspace(db, 'team-b', ['other.example'], NOW);
    await addTeammate(db, wsA.id, { email: 'alice@ourco.com', aliases: [] }, NOW);
    await addAccount(db, wsA.id, { id: 'acme', name: 'Acme' }, NOW);
    await insertEndUser(db, wsA.id, { accountId: 'acme', email: 'jane@acme.com', source: 'manual' }, NOW);
    await addAccount(db, wsB.id, { id: 'globex', name: 'Globex' }, NOW);
    await insertEndUser(db, wsB.id, { accountId: 'globex', email: 'hank@globex.example', source: 'manual' }, NOW);
    a = { db, ws: wsA, now: NOW, actor: 'test' };
    b = { db, ws: wsB, now: NOW, actor: 'test' };
  });
  afterAll(async () => close?.());

  it('refuses empty or oversized input with the field that was wrong', async () => {
    const noId = await appFailure(explainEmail(a, { messageId: '  ' }));
    expect(noId.code).toBe('invalid');
    expect(noId.fields?.[0]?.field).toBe('messageId');
    expect((await appFailure(explainEmail(a, { messageId: `${'x'.repeat(999)}@acme.com` }))).fields?.[0]?.field).toBe('messageId');
    expect((await appFailure(explainMeeting(a, { uid: '' }))).fields?.[0]?.field).toBe('uid');
    expect((await appFailure(explainMeeting(a, { uid: 'qbr@ourco.com', occurrence: new Date('nonsense') }))).fields?.[0]?.field).toBe(
      'occurrence',
    );
    const short = await appFailure(search(a, { q: ' j ' }));
    expect(short.code).toBe('invalid');
    expect(short.message).toMatch(/at least 2 characters/);
  });

  it('answers an email or meeting it never saw as unknown, with what was searched', async () => {
    const email = await explainEmail(a, { messageId: '<never@seen.example>' });
    expect(email).toMatchObject({ kind: 'email', outcome: 'unknown', ref: 'never@seen.example', accounts: [] });
    expect(email.remedies.length).toBeGreaterThan(0);
    const meeting = await explainMeeting(a, { uid: 'no-such-meeting@ourco.com' });
    expect(meeting).toMatchObject({ kind: 'meeting', outcome: 'unknown' });
  });

  it("search finds its own workspace's end users and never another's", async () => {
    const own = await search(a, { q: 'jane@acme.com' });
    expect(own.accounts.map((x) => ({ id: x.id, name: x.name }))).toEqual([{ id: 'acme', name: 'Acme' }]); // only the matched accounts are read for their names
    expect((await search(a, { q: 'hank@globex.example' })).accounts).toEqual([]);
    expect((await search(b, { q: 'jane@acme.com' })).accounts).toEqual([]);
  });

  it('status lists the workspace and its connections (none yet)', async () => {
    expect(await connectionStatus(a)).toMatchObject({ workspace: 'team-a', connections: [] });
  });
});
