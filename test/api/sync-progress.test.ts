// A running sync through the API, on SQLite and PostgreSQL: GET /v1/connections and /v1/connections/{id}
// serve progress { done, total, startedAt, etaSeconds }, the time left estimated at
// the request's clock from the rate so far, null while it cannot be told.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, updateConnection } from '../../src/store/connections.js';
import { teammateByAddress } from '../../src/store/directory.js';
import { DIALECTS } from '../support/databases.js';
import { makeTestApi, type TestApi } from '../support/service.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const STARTED = new Date(NOW.getTime() - 42_000);

for (const dialect of DIALECTS) {
  describe(`sync progress in the API on ${dialect}`, () => {
    let api: TestApi;
    const A = { admin: '', id: '', conn: '' };

    beforeAll(async () => {
      api = await makeTestApi(dialect, { now: NOW });
      const a = await api.workspace('progress-a');
      Object.assign(A, { admin: a.admin, id: a.ws.id });
      await api.call(A.admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
      const t = await teammateByAddress(api.db, A.id, 'alice@ourco.com');
      A.conn = await createConnection(
        api.db,
        A.id,
        { teammateId: t!.id, provider: 'folder', config: { mail: '/tmp' }, hasMail: true, hasCalendar: false, authorizedAt: NOW },
        NOW,
      );
    });
    afterAll(async () => api?.close());

    it('4,200 of 10,000 read in 42 s: 58 s left; later, at the same count, more (the sync slowed)', async () => {
      const progress = { done: 4_200, total: 10_000, stream: 'mail' as const, startedAt: STARTED.toISOString() };
      await updateConnection(api.db, A.id, A.conn, { progress });
      const one = await api.call(A.admin, 'GET', `/v1/connections/${A.conn}`);
      expect(one.status).toBe(200);
      expect(one.body.progress).toEqual({ ...progress, etaSeconds: 58, etaText: 'less than a minute left' });
      const status = await api.call(A.admin, 'GET', '/v1/connections');
      expect(status.body.connections.find((c: { id: string }) => c.id === A.conn).progress.etaSeconds).toBe(58);

      api.clock.advance(42_000);
      expect((await api.call(A.admin, 'GET', `/v1/connections/${A.conn}`)).body.progress).toMatchObject({
        etaSeconds: 116,
        etaText: 'about 2 min left',
      });
    });

    it('no estimate without a total (Microsoft 365 calendars) or from a row stored before the start was kept', async () => {
      await updateConnection(api.db, A.id, A.conn, { progress: { done: 300, stream: 'calendar', startedAt: STARTED.toISOString() } });
      expect((await api.call(A.admin, 'GET', `/v1/connections/${A.conn}`)).body.progress).toEqual({
        done: 300,
        stream: 'calendar',
        startedAt: STARTED.toISOString(),
        etaSeconds: null,
        etaText: null,
      });
      await updateConnection(api.db, A.id, A.conn, { progress: { done: 3, total: 9 } });
      expect((await api.call(A.admin, 'GET', `/v1/connections/${A.conn}`)).body.progress).toEqual({
        done: 3,
        total: 9,
        startedAt: null,
        etaSeconds: null,
        etaText: 'estimating the time left…',
      });
    });

    it('no sync running: progress is null', async () => {
      await updateConnection(api.db, A.id, A.conn, { progress: null });
      expect((await api.call(A.admin, 'GET', `/v1/connections/${A.conn}`)).body.progress).toBeNull();
    });
  });
}
