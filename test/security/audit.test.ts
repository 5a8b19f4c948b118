// Issue 18 finding 9: every state-changing use case leaves an audit entry — who, when, what,
// from where (the client address for the API, "cli" for the CLI) — never a secret, and the
// workspace export carries them. On SQLite and PostgreSQL; the CLI on its own SQLite file.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection } from '../../src/store/connections.js';
import { teammateByAddress } from '../../src/store/directory.js';
import { DIALECTS } from '../support/databases.js';
import { writeMailbox } from '../support/mailbox.js';
import { makeTestApi, type TestApi } from '../support/service.js';
import { Workspace } from '../support/cli.js';

interface Entry {
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  source: string | null;
}

for (const dialect of DIALECTS) {
  describe(`audit of every change through the API on ${dialect}`, () => {
    let api: TestApi;
    let admin: string;
    let connectionId = '';

    beforeAll(async () => {
      api = await makeTestApi(dialect, { now: new Date('2026-03-10T12:00:00Z') });
      const w = await api.workspace(`audit-${dialect}`);
      admin = w.admin;
      expect((await api.call(admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' })).status).toBe(201);
      // A connection made in the store, so this test does not depend on how folders may be connected through the API.
      const mail = writeMailbox(mkdtempSync(join(tmpdir(), 'tp-audit-')), []);
      const alice = (await teammateByAddress(api.db, w.ws.id, 'alice@ourco.com'))!;
      connectionId = await createConnection(
        api.db,
        w.ws.id,
        { teammateId: alice.id, provider: 'folder', config: { mail }, hasMail: true, hasCalendar: false, authorizedAt: api.clock.now() },
        api.clock.now(),
      );
    });
    afterAll(async () => api?.close());

    it('tokens, webhook, internal domains, sync now, re-authorize, disconnect and export: each audited, none with a secret', async () => {
      const created = await api.call(admin, 'POST', '/v1/tokens', {
        name: 'quarterly',
        role: 'csm',
        expires: '90d',
        teammate: 'alice@ourco.com',
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ teammate: 'alice@ourco.com', expiresAt: '2026-06-08T12:00:00.000Z' });
      expect((await api.call(admin, 'DELETE', `/v1/tokens/${created.body.id}`)).status).toBe(204);
      const hook = await api.call(admin, 'PUT', '/v1/webhook', {
        // A receiver on loopback, which the test API's outbound policy allows (a name like
        // hooks.example.com does not resolve on this closed network and would be refused).
        url: 'http://127.0.0.1:9/in?key=query-secret',
        events: ['activity.linked'],
        enabled: true,
      });
      expect(hook.status, JSON.stringify(hook.body)).toBe(200);
      expect((await api.call(admin, 'DELETE', '/v1/webhook')).status).toBe(204);
      expect((await api.call(admin, 'POST', '/v1/internal-domains', { domain: 'ourco.eu' })).status).toBe(201);
      expect((await api.call(admin, 'POST', `/v1/connections/${connectionId}/sync`)).status).toBe(202);
      await api.queue.idle();
      expect((await api.call(admin, 'POST', `/v1/connections/${connectionId}/reauthorize`, {})).status).toBe(200);
      expect((await api.call(admin, 'POST', `/v1/connections/${connectionId}/disconnect`)).status).toBe(200);
      const exported = await api.call(admin, 'GET', '/v1/workspace/export');
      expect(exported.status).toBe(200);

      const audit = (await api.call(admin, 'GET', '/v1/audit')).body as Entry[];
      const actions = audit.map((e) => e.action).reverse();
      expect(actions).toEqual([
        'token.create',
        'token.revoke',
        'webhook.create',
        'webhook.delete',
        'internal_domain.add',
        'connection.sync_now',
        'connection.reauthorize',
        'connection.disconnect',
        'workspace.export',
      ]);
      for (const e of audit) expect(e).toMatchObject({ actor: 'api:admin', source: '127.0.0.1', at: '2026-03-10T12:00:00.000Z' });
      expect(audit.find((e) => e.action === 'token.create')).toMatchObject({
        target: created.body.id,
        details: { name: 'quarterly', role: 'csm', teammate: 'alice@ourco.com' },
      });
      expect(audit.find((e) => e.action === 'webhook.create')).toMatchObject({ target: 'http://127.0.0.1:9/in' });
      expect(audit.find((e) => e.action === 'connection.disconnect')).toMatchObject({
        target: connectionId,
        details: { provider: 'folder' },
      });
      // No secret: not the token's value, not the webhook's made-up secret, not what a URL's query carried.
      const text = JSON.stringify(audit);
      expect(text).not.toContain(created.body.token);
      expect(text).not.toContain(hook.body.secret);
      expect(text).not.toContain('query-secret');

      // The export carries the audit log, its own entry included.
      const rows = exported.body.tables.audit_log as { action: string; source: string }[];
      expect(rows.map((r) => r.action)).toEqual(actions);
      expect(rows.every((r) => r.source === '127.0.0.1')).toBe(true);
    });
  });
}

describe('audit of the CLI', () => {
  it('records "cli" as where a change came from, in the export too', async () => {
    const ws = new Workspace('2026-03-10T12:00:00Z', 'tp-audit-cli-');
    await ws.ok(['init', '--workspace', 'acme-cs', '--internal-domain', 'ourco.com']);
    await ws.ok(['teammate', 'add', '--email', 'alice@ourco.com']);
    const mail = join(ws.dir, 'mail');
    mkdirSync(mail);
    await ws.ok(['connect', 'folder', '--teammate', 'alice@ourco.com', '--mail', mail, '--authorized-at', '2026-03-01T00:00:00Z']);
    const token = await ws.json(['token', 'create', '--role', 'admin', '--name', 'ci']);
    await ws.ok(['token', 'revoke', token.id]);
    const doc = JSON.parse(await ws.ok(['workspace', 'export']));
    const rows = doc.tables.audit_log as { action: string; actor: string; source: string; details: string }[];
    expect(rows.map((r) => r.action)).toEqual(['connection.connect', 'token.create', 'token.revoke', 'workspace.export']);
    for (const r of rows) expect(r).toMatchObject({ actor: 'cli', source: 'cli' });
    expect(JSON.stringify(rows)).not.toContain(token.token);
  }, 240_000); // six CLI processes: slow on a loaded machine
});
