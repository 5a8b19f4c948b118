// CalDAV over https against a real Radicale serving a certificate made at set-up and signed
// by a test CA (test/support/tls.ts). `connect caldav --ca-file` trusts that CA: the calendars
// are listed and the first sync reads the events. A certificate the connection cannot trust
// (no CA given, another CA, another host name) is refused in plain words, nothing is stored,
// and Radicale's own log shows that no request (so no password) reached it. The outbound
// policy still applies with a CA given.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundPolicy } from '../../src/net/outbound-policy.js';
import { CalDavCalendarSource } from '../../src/providers/caldav/caldav-calendar-source.js';
import { expectUserError, ics } from '../support/cli.js';
import { TEST_OUTBOUND } from '../support/config.js';
import {
  CalDavAccount,
  connectCalDavArgs,
  RadicaleServer,
  RecordingWorkspace,
  SERVER_SETUP_MS,
  setPasswordEnv,
} from '../support/caldav-server.js';
import { makeTestCertificates, type TestCertificates, trustingFetch } from '../support/tls.js';

const ALICE = 'alice@ourco.com';
const PASSWORD = 'https-Radicale-password-77';
const AUTH = '2026-03-01T00:00:00Z';

let certs: TestCertificates;
let server: RadicaleServer;
let trusted: typeof globalThis.fetch;

beforeAll(async () => {
  certs = makeTestCertificates();
  server = await RadicaleServer.start({
    users: { alice: PASSWORD },
    tls: { certFile: certs.certFile, keyFile: certs.keyFile },
    logRequests: true,
  });
  trusted = trustingFetch(certs.caPem);
  const alice = new CalDavAccount(server, 'alice', PASSWORD, trusted);
  await alice.makeCalendar('work', 'Work');
  for (const n of [1, 2]) {
    const start = `2026030${n}T150000Z`;
    await alice.put('work', `e${n}.ics`, ics({ uid: `https-${n}`, start, summary: `e${n}`, organizer: ALICE }));
  }
}, SERVER_SETUP_MS);

afterAll(async () => {
  await server?.close();
  certs?.remove();
});

async function newWorkspace(): Promise<RecordingWorkspace> {
  const w = new RecordingWorkspace('2026-03-20T12:00:00Z', 'touchpoint-caldav-https-');
  await w.init();
  await w.teammate(ALICE);
  setPasswordEnv(w, 'CALDAV_PW', PASSWORD);
  return w;
}

const connect = (extra: string[]) =>
  connectCalDavArgs(server, { teammate: ALICE, user: 'alice', passwordEnv: 'CALDAV_PW', authorizedAt: AUTH, extra });

let marks = 0;
/**
 * Radicale's log lines (one per request received, one per login) between two marker requests
 * made around `work`: what reached the server while `work` ran. Each marker's own log line is
 * awaited, so the answer does not depend on how long anything took.
 */
async function reachingServer(work: () => Promise<void>): Promise<string[]> {
  const mark = async () => {
    const path = `/mark-${++marks}`;
    await (await trusted(`${server.url.slice(0, -1)}${path}`, { method: 'OPTIONS' })).arrayBuffer();
    await server.waitForLine(new RegExp(`request for '${path}'`));
    return server.lines.findIndex((l) => l.includes(`request for '${path}'`));
  };
  const from = await mark();
  await work();
  const to = await mark();
  return server.lines.slice(from + 1, to).filter((l) => / request for |login/i.test(l));
}

const REFUSED_CERT =
  /could not prove who it is: its certificate is not signed by a certificate authority we trust; the password was not sent/;

describe('CalDAV over https', () => {
  it('connect with --ca-file lists the calendars, and the first sync reads the events', async () => {
    const w = await newWorkspace();
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      let out = '';
      const reached = await reachingServer(async () => {
        out = await w.ok(connect(['--ca-file', certs.caFile]));
      });
      expect(out).toMatch(/connection \S+ \(calendars: Work\)/);
      // What the refusals below are compared with: a trusted connect does reach the server.
      expect(reached.some((l) => /Successful login: 'alice'/.test(l))).toBe(true);
      const s = await w.sync();
      expect(s.connections[0]).toMatchObject({ status: 'active', errors: [] });
      const d = new Database(w.db, { readonly: true });
      const refs = (d.prepare('SELECT ref FROM calendar_objects ORDER BY ref').all() as { ref: string }[]).map((r) => r.ref);
      d.close();
      expect(refs).toEqual(['/alice/work/e1.ics', '/alice/work/e2.ics']);
    } finally {
      w.cleanup();
    }
  });

  it('without the CA, or with another CA: refused in plain words, nothing stored, no request reached the server', async () => {
    const w = await newWorkspace();
    try {
      const reached = await reachingServer(async () => {
        for (const extra of [[], ['--ca-file', certs.otherCaFile]]) {
          const r = await w.run(connect(extra));
          expectUserError(r, REFUSED_CERT);
          expect(r.stderr).not.toContain(PASSWORD);
        }
      });
      expect(reached).toEqual([]);
      expect((await w.status()).connections).toEqual([]);
    } finally {
      w.cleanup();
    }
  });

  it('a certificate for another name is refused in plain words before any request', async () => {
    // The certificate names 127.0.0.1 only; "localhost" reaches the same server.
    const url = `https://localhost:${server.port}/`;
    let failure: unknown;
    const reached = await reachingServer(async () => {
      failure = await new CalDavCalendarSource({ url, user: 'alice', password: PASSWORD, outbound: TEST_OUTBOUND, ca: certs.caPem })
        .calendars()
        .catch((e: unknown) => e);
    });
    expect(failure).toMatchObject({
      code: 'NETWORK',
      message: expect.stringMatching(/could not prove who it is: its certificate is for another name .*the password was not sent/),
    });
    expect(reached).toEqual([]);
  });

  it('a trusted CA does not open the outbound policy: loopback stays refused without an allow-list entry', async () => {
    const strict = new OutboundPolicy({ allow: [] });
    let failure: unknown;
    const reached = await reachingServer(async () => {
      failure = await new CalDavCalendarSource({ url: server.url, user: 'alice', password: PASSWORD, outbound: strict, ca: certs.caPem })
        .calendars()
        .catch((e: unknown) => e);
    });
    expect(failure).toMatchObject({ message: expect.stringMatching(/refused by policy/) });
    expect(reached).toEqual([]);
  });

  it('a --ca-file that is not a PEM certificate is refused, naming it', async () => {
    const w = await newWorkspace();
    try {
      const notPem = join(w.dir, 'not-a-cert.txt');
      writeFileSync(notPem, 'hello');
      expectUserError(await w.run(connect(['--ca-file', notPem])), /ca.*not a PEM certificate/);
      expectUserError(await w.run(connect(['--ca-file', join(w.dir, 'missing.pem')])), /--ca-file: cannot read/);
    } finally {
      w.cleanup();
    }
  });
});
