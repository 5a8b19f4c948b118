// Alerts in plain words, against a local SMTP server: a teammate whose connection's grant is
// gone is emailed once per breakage (again only after it was fixed and broke again), with the
// exact fix and link; without SMTP nothing is sent and the banner still lists it; admins see
// the workspace alert past the threshold, and the daily digest follows the clock given in.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alertNeedsReauth, listAlerts, sendDailyDigests, setDigestOptIn, type AlertSettings } from '../../src/app/alerts.js';
import { smtpMailer, type Mailer } from '../../src/app/notify.js';
import { reauthorize } from '../../src/app/reauthorize.js';
import { SourceError } from '../../src/providers/types.js';
import { deriveKey } from '../../src/secrets/secrets.js';
import { makeSyncJob } from '../../src/service/sync-job.js';
import { listAudit } from '../../src/store/audit.js';
import { createConnection, getConnection, updateConnection } from '../../src/store/connections.js';
import type { Ctx } from '../../src/store/context.js';
import type { Store } from '../../src/store/db.js';
import { addTeammate } from '../../src/store/directory.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { syncAll, type SourceFactory } from '../../src/sync/run-sync.js';
import { testConfig, TEST_PASSPHRASE } from '../support/config.js';
import { DIALECTS, openTestStore } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const NOW = new Date('2026-03-20T09:00:00Z');
const HOUR = 60 * 60_000;
const PUBLIC_URL = 'https://touchpoint.example.com';
const IMAP = { host: 'imap.ourco.com', port: 993, security: 'tls', user: 'alice', auth: 'password' };

/** A mail server that refuses the stored password: the sync sets the connection to needs_reauth. */
const refusing: SourceFactory = {
  mail: async () => {
    throw new SourceError('AUTH_FAILED', 'AUTHENTICATIONFAILED Authentication failed.');
  },
  calendar: async () => null,
  maintainPush: async () => null,
};

describe.each(DIALECTS)('alerts in plain words (%s)', (dialect) => {
  let db: Store;
  let close: () => Promise<void>;
  let sink: SmtpSink;
  let mailer: Mailer;
  let ctx: Ctx;
  let aliceConn: string;
  let n = 0;

  const settings = (): AlertSettings => ({ mailer, publicUrl: PUBLIC_URL, brokenPercent: 20 });
  const at = (ms: number): Ctx => ({ ...ctx, now: new Date(NOW.getTime() + ms) });

  /** The service's sync job, with the refusing server, at `now`. */
  const runSyncJob = async (now: Date, alerts: AlertSettings) => {
    const job = makeSyncJob({
      db,
      clock: { now: () => now },
      alerts,
      sync: (c, id) => syncAll(c, id, { sources: refusing }),
    });
    await job({
      id: 'j',
      name: 'sync',
      key: aliceConn,
      data: { workspaceId: ctx.ws.id, connectionId: aliceConn, reason: 'schedule' },
      retryCount: 0,
    });
  };

  beforeAll(async () => {
    ({ db, close } = await openTestStore(dialect, 'alerts'));
    sink = await startSmtpSink();
    mailer = smtpMailer(testConfig({ smtp: { host: '127.0.0.1', port: sink.port } }).smtp)!;
  });
  afterAll(async () => {
    mailer?.close();
    await sink?.close();
    await close?.();
  });

  beforeEach(async () => {
    sink.mails.length = 0;
    const ws = await createWorkspace(db, `alerts-${++n}`, ['ourco.com'], NOW);
    ctx = { db, ws, now: NOW, actor: 'test' };
    const alice = await addTeammate(db, ws.id, { email: 'alice@ourco.com', aliases: [], name: 'Alice' }, NOW);
    const ben = await addTeammate(db, ws.id, { email: 'ben@ourco.com', aliases: [], name: 'Ben' }, NOW);
    const base = { hasMail: true, hasCalendar: false, authorizedAt: NOW };
    aliceConn = await createConnection(db, ws.id, { ...base, teammateId: alice.id, provider: 'imap', config: IMAP }, NOW);
    await createConnection(db, ws.id, { ...base, teammateId: ben.id, provider: 'folder', config: { mail: '/nowhere' } }, NOW);
    await createConnection(db, ws.id, { ...base, teammateId: ben.id, provider: 'folder', config: { mail: '/elsewhere' } }, NOW);
  });

  it('emails the teammate once, in plain words with the exact fix, when a sync finds the grant gone', async () => {
    await runSyncJob(NOW, settings());
    expect((await getConnection(db, ctx.ws.id, aliceConn))?.status).toBe('needs_reauth');
    expect(sink.mails).toHaveLength(1);
    const mail = sink.mails[0]!;
    expect(mail.to).toEqual(['alice@ourco.com']);
    expect(mail.from).toBe('touchpoint@localhost');
    expect(mail.subject).toBe('Touchpoint stopped syncing alice@ourco.com (IMAP mailbox): please re-authorize');
    expect(mail.text).toContain('Touchpoint can no longer sign in to your IMAP mailbox alice@ourco.com (since 2026-03-20 09:00 UTC).');
    expect(mail.text).toContain('AUTHENTICATIONFAILED Authentication failed.');
    expect(mail.text).toContain('no new customer email or meeting from it is logged');
    expect(mail.text).toContain(
      'To fix it: Open Touchpoint → Sync email & calendar → Re-authorize (next to alice@ourco.com): https://touchpoint.example.com/#/sync',
    );

    // The next scheduled sync skips the broken connection; another report of the same breakage is not told again.
    await runSyncJob(new Date(NOW.getTime() + HOUR), settings());
    const conn = (await getConnection(db, ctx.ws.id, aliceConn))!;
    expect(await alertNeedsReauth(at(2 * HOUR), settings(), conn, 'again')).toBe('already_alerted');
    expect(sink.mails).toHaveLength(1);
    const audited = (await listAudit(db, ctx.ws.id)).filter((e) => e.action === 'alert.needs_reauth');
    expect(audited).toHaveLength(1);
    expect(audited[0]?.details).toMatchObject({ emailedTo: 'alice@ourco.com' });
  });

  it('tells again after the connection was re-authorized and broke again', async () => {
    await runSyncJob(NOW, settings());
    await reauthorize({ ...at(HOUR), secretKey: deriveKey(TEST_PASSPHRASE) }, { connectionId: aliceConn, secret: 'new', verify: false });
    expect((await listAlerts(at(HOUR), settings())).connections).toEqual([]);
    await runSyncJob(new Date(NOW.getTime() + 2 * HOUR), settings());
    expect(sink.mails.map((m) => m.to[0])).toEqual(['alice@ourco.com', 'alice@ourco.com']);
    expect(sink.mails[1]?.text).toContain('(since 2026-03-20 11:00 UTC)');
  });

  it('sends nothing without SMTP, and the banner still shows the broken connection with its fix', async () => {
    await runSyncJob(NOW, { mailer: null, publicUrl: PUBLIC_URL, brokenPercent: 20 });
    expect(sink.mails).toEqual([]);
    const banner = await listAlerts(at(HOUR), settings());
    expect(banner.connections).toEqual([
      {
        connectionId: aliceConn,
        provider: 'imap',
        mailbox: 'alice@ourco.com',
        since: NOW.toISOString(),
        reason: 'needs re-authorization: AUTHENTICATIONFAILED Authentication failed.',
        fix: 'Open Touchpoint → Sync email & calendar → Re-authorize (next to alice@ourco.com): https://touchpoint.example.com/#/sync',
      },
    ]);
    const audited = (await listAudit(db, ctx.ws.id)).find((e) => e.action === 'alert.needs_reauth');
    expect(audited?.details).toMatchObject({ emailedTo: null, why: 'no SMTP server configured' });
  });

  it('shows admins the workspace alert past the threshold; a CSM sees only their own connections', async () => {
    const quiet = await listAlerts(ctx, settings());
    expect(quiet.workspace).toMatchObject({ broken: 0, total: 3, percent: 0, alert: null });
    await runSyncJob(NOW, settings());
    const admin = await listAlerts({ ...at(HOUR), caller: { role: 'admin', teammate: null } }, settings());
    expect(admin.workspace?.alert).toBe(
      '1 of 3 connections (33%) need re-authorization, more than the 20% alert threshold: their customer email and meetings are not being logged. Ask each teammate to re-authorize.',
    );
    // At 40 % the same single broken connection is under the threshold.
    expect((await listAlerts(at(HOUR), { ...settings(), brokenPercent: 40 })).workspace?.alert).toBeNull();
    const ben = await listAlerts({ ...at(HOUR), caller: { role: 'csm', teammate: 'ben@ourco.com' } }, settings());
    expect(ben).toEqual({ connections: [], workspace: null });
    const alice = await listAlerts({ ...at(HOUR), caller: { role: 'csm', teammate: 'alice@ourco.com' } }, settings());
    expect(alice.connections.map((c) => c.mailbox)).toEqual(['alice@ourco.com']);
    expect(alice.workspace).toBeNull();
  });

  it('sends the daily digest to the admins who asked, once a day by the clock given in', async () => {
    const admin = { ...ctx, caller: { role: 'admin' as const, teammate: null } };
    await expect(
      setDigestOptIn({ ...admin, caller: { role: 'csm', teammate: null } }, { address: 'x@ourco.com', daily: true }),
    ).rejects.toThrow(/only an admin/);
    await setDigestOptIn(admin, { address: 'Boss@OurCo.com', daily: true });
    await runSyncJob(NOW, settings());
    sink.mails.length = 0;

    expect(await sendDailyDigests(at(HOUR), settings())).toEqual(['boss@ourco.com']);
    expect(sink.mails).toHaveLength(1);
    const digest = sink.mails[0]!;
    expect(digest.to).toEqual(['boss@ourco.com']);
    expect(digest.subject).toBe(`Touchpoint daily digest (${ctx.ws.slug}): 1 of 3 connections need re-authorization (33%)`);
    expect(digest.text).toContain('more than the 20% alert threshold');
    expect(digest.text).toContain('- alice@ourco.com (IMAP mailbox), broken since 2026-03-20 09:00 UTC: needs re-authorization');

    // Not again the same day; the next one a day after the last.
    expect(await sendDailyDigests(at(12 * HOUR), settings())).toEqual([]);
    await reauthorize(
      { ...at(20 * HOUR), secretKey: deriveKey(TEST_PASSPHRASE) },
      { connectionId: aliceConn, secret: 'new', verify: false },
    );
    expect(await sendDailyDigests(at(25 * HOUR), settings())).toEqual(['boss@ourco.com']);
    const next = sink.mails[1]!;
    expect(next.subject).toBe(`Touchpoint daily digest (${ctx.ws.slug}): all 3 connections are syncing`);
    expect(next.text).toContain('Fixed in the last day:\n- alice@ourco.com (IMAP mailbox), re-authorized 2026-03-21 05:00 UTC');

    // Without SMTP nothing goes out (and the day's digest is not used up); after opting out, none.
    expect(await sendDailyDigests(at(50 * HOUR), { mailer: null, brokenPercent: 20 })).toEqual([]);
    await setDigestOptIn(admin, { address: 'boss@ourco.com', daily: false });
    expect(await sendDailyDigests(at(50 * HOUR), settings())).toEqual([]);
    expect(sink.mails).toHaveLength(2);
  });

  it('keeps the breakage recorded when the SMTP server is down (the banner tells)', async () => {
    const dead = smtpMailer(testConfig({ smtp: { host: '127.0.0.1', port: 1 } }).smtp)!;
    await updateConnection(db, ctx.ws.id, aliceConn, { status: 'needs_reauth', statusReason: 'refused' });
    const conn = (await getConnection(db, ctx.ws.id, aliceConn))!;
    expect(await alertNeedsReauth(ctx, { mailer: dead, brokenPercent: 20 }, conn, 'refused')).toBe('recorded');
    dead.close();
    expect((await listAlerts(ctx, settings())).connections.map((c) => c.since)).toEqual([NOW.toISOString()]);
    const audited = (await listAudit(db, ctx.ws.id)).find((e) => e.action === 'alert.needs_reauth');
    expect(audited?.details).toMatchObject({ why: expect.stringMatching(/^the SMTP server refused: /) });
  });
});
