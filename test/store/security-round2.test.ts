// The store queries of security round 2, on SQLite and PostgreSQL: an OAuth state's nonce is
// used once (and its record dropped once the state would have expired anyway), a token keeps
// its own teammate, and an audit entry says from where — each scoped to its workspace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit, recordAudit } from '../../src/store/audit.js';
import type { Store } from '../../src/store/db.js';
import { markOAuthStateUsed } from '../../src/store/oauth-states.js';
import { createToken, findToken, listTokens } from '../../src/store/tokens.js';
import { createWorkspace, type WorkspaceRecord } from '../../src/store/workspaces.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const LATER = new Date('2026-03-10T12:10:00Z');

for (const dialect of DIALECTS) {
  describe(`security round 2 store queries on ${dialect}`, () => {
    let db: Store;
    let close: () => Promise<void>;
    let ws: WorkspaceRecord;
    let other: WorkspaceRecord;

    beforeAll(async () => {
      ({ db, close } = await openTestStore(dialect, 'sec2'));
      ws = await createWorkspace(db, 'sec2-a', ['ourco.com'], NOW);
      other = await createWorkspace(db, 'sec2-b', ['ourco.com'], NOW);
    });
    afterAll(async () => close?.());

    it('an OAuth state nonce is used once; expired records are dropped only in their own workspace', async () => {
      expect(await markOAuthStateUsed(db, ws.id, 'nonce-1', LATER, NOW)).toBe(true);
      expect(await markOAuthStateUsed(db, ws.id, 'nonce-1', LATER, NOW)).toBe(false);
      expect(await markOAuthStateUsed(db, other.id, 'nonce-2', LATER, NOW)).toBe(true);
      // After nonce-1's expiry, the next use in ws drops its record; other's stays.
      const after = new Date(LATER.getTime() + 1000);
      expect(await markOAuthStateUsed(db, ws.id, 'nonce-3', new Date(after.getTime() + 600_000), after)).toBe(true);
      const left = (await db.selectFrom('oauth_states_used').select(['workspace_id', 'nonce']).orderBy('nonce').execute()).map(
        (r) => r.nonce,
      );
      expect(left).toEqual(['nonce-2', 'nonce-3']);
    });

    it('a token keeps its own teammate', async () => {
      const { token } = await createToken(db, ws.id, { name: 'alice', role: 'csm', teammate: 'alice@ourco.com' }, NOW);
      expect((await findToken(db, token))?.teammate).toBe('alice@ourco.com');
      expect((await listTokens(db, ws.id)).map((t) => t.teammate)).toEqual(['alice@ourco.com']);
      expect(await listTokens(db, other.id)).toEqual([]);
    });

    it('an audit entry says from where; older entries have none', async () => {
      await recordAudit(db, ws.id, { at: NOW.toISOString(), actor: 'cli', action: 'old', target: 't', details: {} });
      await recordAudit(db, ws.id, { at: NOW.toISOString(), actor: 'api:x', action: 'new', target: 't', details: {}, source: '10.0.0.7' });
      expect((await listAudit(db, ws.id)).map((e) => [e.action, e.source])).toEqual([
        ['new', '10.0.0.7'],
        ['old', null],
      ]);
      expect(await listAudit(db, other.id)).toEqual([]);
    });
  });
}
