// The directory and the items the rules benchmark decides: deterministic (a seeded PRNG), sized by
// BENCH_USERS / BENCH_ACCOUNTS, shaped like a real workspace (shared addresses, blocklists, mixed case).
import type { DirectoryInput } from '../src/directory/index.js';
import type { EmailCase } from '../src/rules/decide-email.js';
import type { MeetingCase } from '../src/rules/decide-meeting.js';
import type { ConnectionView, Sighting } from '../src/domain/connection.js';
import type { Account, BlocklistEntry, EndUser, Teammate } from '../src/domain/directory.js';
import type { Address, Attendee, EmailItem, MeetingOccurrence, PartStat } from '../src/domain/items.js';
import { QUICK } from './report.js';

const int = (name: string, dflt: number): number => {
  const v = process.env[name];
  return v ? Number.parseInt(v.replaceAll('_', ''), 10) : dflt;
};

export const CONFIG = {
  endUsers: int('BENCH_USERS', 1_000_000),
  accounts: int('BENCH_ACCOUNTS', 100_000),
  teammates: 50,
  /** Share of end users whose address is also an end user in other account(s). */
  sharedShare: 0.05,
  blockedDomains: 1_000,
  blockedAddresses: 1_000,
  runs: int('BENCH_RUNS', QUICK ? 3 : 5),
  decisionsPerRun: int('BENCH_DECISIONS', 300_000),
  emailPool: 50_000,
  meetingPool: 20_000,
  seed: 20240301,
};

// Deterministic PRNG (mulberry32) so every run decides the same items.
let state = CONFIG.seed >>> 0;
function rand(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const randInt = (n: number): number => Math.floor(rand() * n);

// ---------------------------------------------------------------- directory

const INTERNAL_DOMAINS = ['ourco.com', 'ourco.io', 'ourco-eu.com'];
const SOURCES = ['manual', 'csv', 'api', 'crm:salesforce', 'support:zendesk'];

export function buildInput(): { input: DirectoryInput; distinct: string[]; shared: string[]; blockedSample: string[] } {
  const accounts: Account[] = new Array(CONFIG.accounts);
  const domains: string[] = new Array(CONFIG.accounts);
  for (let a = 0; a < CONFIG.accounts; a++) {
    const id = `a${a.toString(36)}`;
    accounts[a] = { id, name: id };
    domains[a] = `c${a.toString(36)}.io`;
  }
  const teammates: Teammate[] = [];
  for (let t = 0; t < CONFIG.teammates; t++) {
    teammates.push({ id: `t${t}`, email: `t${t}@ourco.com`, aliases: [`t${t}@ourco.io`, `csm${t}@ourco-eu.com`] });
  }
  const distinctCount = Math.round(CONFIG.endUsers * (1 - CONFIG.sharedShare));
  const endUsers: EndUser[] = new Array(CONFIG.endUsers);
  const distinct: string[] = new Array(distinctCount);
  for (let i = 0; i < distinctCount; i++) {
    const a = i % CONFIG.accounts;
    const email = `${i.toString(36)}@${domains[a]}`;
    distinct[i] = email;
    endUsers[i] = { id: `u${i.toString(36)}`, accountId: accounts[a]!.id, email, source: SOURCES[i % SOURCES.length]! };
  }
  // The rest: addresses that are also end users in other accounts (partners, consultants).
  // A few "consultants" are in many accounts; most shared addresses are in two or three.
  const shared: string[] = [];
  for (let i = distinctCount; i < CONFIG.endUsers; i++) {
    const j = i % 200 === 0 ? randInt(100) : randInt(distinctCount);
    const email = distinct[j]!;
    const a = randInt(CONFIG.accounts);
    endUsers[i] = {
      id: `u${i.toString(36)}`,
      accountId: accounts[a]!.id,
      email,
      source: 'crm:salesforce',
      externalId: `x${i.toString(36)}`,
    };
    shared.push(email);
  }
  const blocklist: BlocklistEntry[] = [];
  const blockedSample: string[] = [];
  for (let b = 0; b < CONFIG.blockedDomains; b++) {
    const a = randInt(CONFIG.accounts);
    blocklist.push({ entry: domains[a]!, kind: 'domain' });
    // an end user on that domain (i ≡ a mod accounts)
    if (a < distinctCount) blockedSample.push(distinct[a]!);
  }
  for (let b = 0; b < CONFIG.blockedAddresses; b++) {
    const email = distinct[randInt(distinctCount)]!;
    blocklist.push({ entry: email, kind: 'address' });
    blockedSample.push(email);
  }
  return { input: { internalDomains: INTERNAL_DOMAINS, teammates, accounts, endUsers, blocklist }, distinct, shared, blockedSample };
}

// ---------------------------------------------------------------- items

const AUTHORIZED_AT = new Date('2024-01-01T00:00:00Z');
export const NOW = new Date('2024-06-01T00:00:00Z');
const SPAN = NOW.getTime() - AUTHORIZED_AT.getTime();

export function connections(): ConnectionView[] {
  const out: ConnectionView[] = [];
  for (let t = 0; t < CONFIG.teammates; t++) {
    out.push({
      id: `c${t}`,
      provider: t % 2 ? 'gmail' : 'graph',
      teammateId: `t${t}`,
      ownerAddresses: [`t${t}@ourco.com`, `t${t}@ourco.io`, `csm${t}@ourco-eu.com`],
      status: t % 25 === 7 ? 'needs_reauth' : 'active',
      authorizedAt: AUTHORIZED_AT,
    });
  }
  return out;
}

function mixedCase(s: string): string {
  return rand() < 0.1 ? s.toUpperCase() : rand() < 0.05 ? ` ${s} ` : s;
}

interface EmailMix {
  endUser: number;
  multiAccount: number;
  blocklisted: number;
  internalOnly: number;
  external: number;
  historic: number;
}

export function buildEmails(d: ReturnType<typeof buildInput>, conns: ConnectionView[]): { pool: EmailCase[]; mix: EmailMix } {
  const mix: EmailMix = { endUser: 0, multiAccount: 0, blocklisted: 0, internalOnly: 0, external: 0, historic: 0 };
  const pool: EmailCase[] = [];
  const unknown = () => `p${randInt(1e9).toString(36)}@x${randInt(1e6).toString(36)}.com`;
  for (let k = 0; k < CONFIG.emailPool; k++) {
    const conn = pick(conns);
    const owner: Address = { address: pick(conn.ownerAddresses) };
    const r = rand();
    const ext: Address[] = [];
    const internal: Address[] = [];
    if (r < 0.1) {
      mix.internalOnly++;
      internal.push({ address: `t${randInt(CONFIG.teammates)}@ourco.com` });
      if (rand() < 0.5) internal.push({ address: `ops${randInt(100)}@ourco.io` });
    } else if (r < 0.3) {
      mix.endUser++;
      const q = rand();
      if (q < 0.15) {
        mix.multiAccount++;
        ext.push({ address: mixedCase(pick(d.shared)) });
      } else if (q < 0.2) {
        mix.blocklisted++;
        ext.push({ address: mixedCase(pick(d.blockedSample)) });
      } else {
        ext.push({ address: mixedCase(pick(d.distinct)) });
      }
      if (rand() < 0.3) ext.push({ address: pick(d.distinct) });
      if (rand() < 0.3) ext.push({ address: unknown() });
    } else {
      mix.external++;
      ext.push({ address: unknown() });
      if (rand() < 0.4) ext.push({ address: unknown() });
      if (rand() < 0.2) internal.push({ address: `t${randInt(CONFIG.teammates)}@ourco.com` });
    }
    const incoming = rand() < 0.6;
    const others = [...ext, ...internal];
    const from = incoming && others.length ? [others[0]!] : [owner];
    const rest = incoming ? others.slice(1).concat(owner) : others;
    const cut = Math.ceil(rest.length / 2);
    const item: EmailItem = {
      messageId: `m${k}@bench`,
      fingerprint: `f${k}`,
      sentAt: null,
      receivedAt: new Date(0),
      from,
      to: rest.slice(0, cut),
      cc: rest.slice(cut),
      bcc: !incoming && rand() < 0.05 ? [{ address: pick(d.distinct) }] : [],
      subject: '',
    };
    const historic = rand() < 0.03;
    if (historic) mix.historic++;
    const when = new Date(historic ? AUTHORIZED_AT.getTime() - randInt(1e9) : AUTHORIZED_AT.getTime() + randInt(SPAN));
    item.receivedAt = when;
    const sightings: Sighting[] = [
      { connection: conn, folder: incoming ? 'INBOX' : 'Sent', at: when, seenAt: new Date(when.getTime() + randInt(600_000)) },
    ];
    if (rand() < 0.1)
      sightings.push({ connection: pick(conns), folder: 'INBOX', at: when, seenAt: new Date(when.getTime() + randInt(600_000)) });
    pool.push({ item, sightings });
  }
  return { pool, mix };
}

export function buildMeetings(d: ReturnType<typeof buildInput>, conns: ConnectionView[]): MeetingCase[] {
  const pool: MeetingCase[] = [];
  const statuses: PartStat[] = ['ACCEPTED', 'ACCEPTED', 'DECLINED', 'TENTATIVE', 'NEEDS-ACTION'];
  for (let k = 0; k < CONFIG.meetingPool; k++) {
    const conn = pick(conns);
    const attendees: Attendee[] = [{ address: conn.ownerAddresses[0]!, partstat: 'ACCEPTED' }];
    const n = 1 + randInt(5);
    for (let i = 0; i < n; i++) {
      const r = rand();
      const address =
        r < 0.4
          ? pick(d.distinct)
          : r < 0.5
            ? pick(d.shared)
            : r < 0.55
              ? pick(d.blockedSample)
              : `p${randInt(1e9).toString(36)}@x${randInt(1e5)}.com`;
      attendees.push({ address: mixedCase(address), partstat: pick(statuses) });
    }
    const start = new Date(AUTHORIZED_AT.getTime() + randInt(SPAN * 1.1) - SPAN * 0.05);
    const o = rand();
    const organizer =
      o < 0.8
        ? { address: pick(conn.ownerAddresses) }
        : o < 0.9
          ? { address: attendees[1]!.address }
          : o < 0.95
            ? { address: `t${randInt(CONFIG.teammates)}@ourco.com` }
            : null;
    const cancelled = rand() < 0.05;
    const occurrence: MeetingOccurrence = {
      uid: `e${k}@bench`,
      start,
      end: new Date(start.getTime() + 1_800_000),
      allDay: false,
      title: '',
      organizer,
      attendees,
      cancelled,
      ...(cancelled ? { cancelledAt: new Date(start.getTime() + (rand() < 0.5 ? -3_600_000 : 600_000)) } : {}),
      recurring: rand() < 0.3,
    };
    pool.push({ occurrence, sightings: [{ connection: conn, folder: 'Calendar', at: start, seenAt: start }] });
  }
  return pool;
}
