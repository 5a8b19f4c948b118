// The soak's world: N IMAP mailboxes on one Dovecot, M CalDAV calendars on one Radicale, and
// a workspace on the private PostgreSQL whose teammates own them, with customers (accounts and
// end users) that the arriving mail and meetings come from, so everything is linked.
import { renameSync, writeFileSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { connectCalDav, connectImap } from '../src/app/connect.js';
import type { AppDeps } from '../src/app/deps.js';
import { OutboundPolicy } from '../src/net/outbound-policy.js';
import { deriveKey } from '../src/secrets/secrets.js';
import type { Store } from '../src/store/db.js';
import { addAccount, addTeammate, insertEndUser } from '../src/store/directory.js';
import { createWorkspace, updateWorkspaceSettings } from '../src/store/workspaces.js';
import type { Dovecot } from '../scripts/services/dovecot.js';
import { CalDavAccount, type RadicaleServer } from '../test/support/caldav-server.js';

export const PASSWORD = 'soak-password';
export const PASSPHRASE = 'soak passphrase of at least thirty-two characters';
export const ACCOUNTS = 50;
export const user = (i: number) => `csm${i}`;
export const teammateAddress = (i: number) => `csm${i}@ourco.com`;
export const customer = (n: number) => `buyer${n % 5}@cust${n % ACCOUNTS}.example`;
const MAIL_UID = 65534;

/** A workspace with the customers' directory and `teammates` CSMs. */
async function workspace(db: Store, slug: string, interval: number, teammates: number, now: Date): Promise<AppDeps> {
  const ws = await createWorkspace(db, slug, ['ourco.com'], now);
  await updateWorkspaceSettings(db, ws.id, { syncIntervalMinutes: interval });
  for (let a = 0; a < ACCOUNTS; a++) {
    await addAccount(db, ws.id, { id: `cust${a}`, name: `Customer ${a}` }, now);
    for (let u = 0; u < 5; u++)
      await insertEndUser(db, ws.id, { accountId: `cust${a}`, email: `buyer${u}@cust${a}.example`, source: 'manual' }, now);
  }
  for (let i = 0; i < teammates; i++) await addTeammate(db, ws.id, { email: teammateAddress(i), aliases: [] }, now);
  return {
    db,
    ws,
    now,
    actor: 'soak',
    secretKey: deriveKey(PASSPHRASE),
    outbound: new OutboundPolicy({ allow: ['127.0.0.1/32'] }),
  };
}

/**
 * The mailboxes' workspace (sync interval `interval`: push carries new mail, the poll is the
 * safety net) and the calendars' (polled every `calendarInterval`: CalDAV has no push). Verify
 * off: 1,200 logins would only test the login.
 */
export async function seedWorkspaces(
  db: Store,
  o: {
    mailboxes: number;
    calendars: number;
    interval: number;
    calendarInterval: number;
    dovecot: Dovecot;
    radicale: RadicaleServer;
    now: Date;
  },
): Promise<{ wsId: string; calendarWsId: string }> {
  const deps = await workspace(db, 'soak', o.interval, o.mailboxes, o.now);
  const calDeps = await workspace(db, 'soak-calendars', o.calendarInterval, o.calendars, o.now);
  // Twenty at a time: one by one, 1,200 connects take minutes on a busy machine.
  const inChunks = async (n: number, one: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < n; i += 20) await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, k) => one(i + k)));
  };
  await inChunks(o.mailboxes, (i) =>
    connectImap(deps, {
      teammate: teammateAddress(i),
      host: o.dovecot.host,
      port: o.dovecot.port,
      security: 'plain',
      user: user(i),
      auth: 'password',
      secret: PASSWORD,
      authorizedAt: o.now,
      verify: false,
    }),
  );
  await inChunks(o.calendars, (i) =>
    connectCalDav(calDeps, {
      teammate: teammateAddress(i),
      url: `${o.radicale.url}${user(i)}/`,
      user: user(i),
      password: PASSWORD,
      authorizedAt: o.now,
      verify: false,
    }),
  );
  return { wsId: deps.ws.id, calendarWsId: calDeps.ws.id };
}

/** Every calendar gets a "work" calendar with one meeting, so the first sync has something to read. */
export async function makeCalendars(radicale: RadicaleServer, n: number, now: Date): Promise<CalDavAccount[]> {
  const out = Array.from({ length: n }, (_, i) => new CalDavAccount(radicale, user(i), PASSWORD));
  // Ten at a time: Radicale serves 20 connections.
  for (let i = 0; i < n; i += 10) {
    await Promise.all(
      out.slice(i, i + 10).map(async (a, k) => {
        await a.makeCalendar('work');
        await a.put(
          'work',
          `soak-ev-${i + k}-0.ics`,
          meeting(`soak-ev-${i + k}-0@ourco.com`, i + k, new Date(now.getTime() - 60 * 60_000)),
        );
      }),
    );
  }
  return out;
}

const ical = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** A 30-minute meeting of teammate i with a customer, starting at `start`. */
export function meeting(uid: string, i: number, start: Date): string {
  const end = new Date(start.getTime() + 30 * 60_000);
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//touchpoint//soak//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    `DTSTAMP:${ical(start)}`,
    `DTSTART:${ical(start)}`,
    `DTEND:${ical(end)}`,
    'SUMMARY:Renewal check-in',
    `ORGANIZER:mailto:${teammateAddress(i)}`,
    `ATTENDEE;PARTSTAT=ACCEPTED:mailto:${teammateAddress(i)}`,
    `ATTENDEE;PARTSTAT=ACCEPTED:mailto:${customer(i)}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

/** Create every mailbox's Maildir (owned by Dovecot's mail uid) before anything logs in. */
export function makeMaildirs(dovecot: Dovecot, n: number): void {
  for (let i = 0; i < n; i++) dovecot.writeMaildir(user(i), []);
}

/**
 * Deliver one message as an MTA does (maildir(5)): write it under tmp/, then rename it into
 * new/ — atomic, so Dovecot never sees half a message, and its inotify wakes the IDLE.
 */
export function deliver(dovecot: Dovecot, i: number, messageId: string, from: string, at: Date, seq: number): void {
  const root = dovecot.maildir(user(i));
  const raw = [
    `Message-ID: <${messageId}>`,
    `Date: ${at.toUTCString()}`,
    `From: ${from}`,
    `To: ${teammateAddress(i)}`,
    'Subject: Question about our renewal',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hello, a short question about the renewal terms. Thanks!',
    '',
  ].join('\r\n');
  const name = `${Math.floor(at.getTime() / 1000)}.M${seq}P${process.pid}.soak`;
  const tmp = join(root, 'tmp', name);
  writeFileSync(tmp, raw);
  chownSync(tmp, MAIL_UID, MAIL_GID);
  renameSync(tmp, join(root, 'new', name));
}
const MAIL_GID = 65534;
