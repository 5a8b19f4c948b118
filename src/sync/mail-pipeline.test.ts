// planAhead: pages come out in order with their plans, the next one is planned while the caller
// handles the current one (never two ahead), and a failure ahead waits until the caller is done.
import { describe, expect, it } from 'vitest';
import type { MailPage } from '../providers/types.js';
import { planAhead } from './mail-pipeline.js';

const page = (n: number): MailPage => ({
  sightings: [
    {
      ref: `ref-${n}`,
      folder: 'INBOX',
      item: {
        messageId: `m${n}`,
        fingerprint: `fp${n}`,
        sentAt: null,
        receivedAt: new Date(0),
        from: [],
        to: [],
        cc: [],
        bcc: [],
        subject: '',
      },
    },
  ],
  errors: [],
  cursor: n,
});

const noTurn = { beforeWrite: async () => undefined };

/** A source of `count` pages that logs when each is asked for, and fails at `failAt`. */
function source(count: number, log: string[], failAt?: number) {
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    async *changes(): AsyncIterable<MailPage> {
      try {
        for (let n = 1; n <= count; n++) {
          log.push(`fetch ${n}`);
          if (n === failAt) throw new Error(`page ${n} could not be fetched`);
          yield page(n);
        }
      } finally {
        closed = true;
      }
    },
  };
}

const planOf = (log: string[], failAt?: number) => async (s: MailPage['sightings']) => {
  const n = Number(s[0]!.ref.slice(4));
  log.push(`plan ${n}`);
  await new Promise((r) => setTimeout(r, 1));
  if (n === failAt) throw new Error(`page ${n} could not be planned`);
  return `plan of ${n}`;
};

describe('planAhead', () => {
  it('yields every page in order with its own plan, planning the next one (only) while the caller handles the current', async () => {
    const log: string[] = [];
    const src = source(3, log);
    const seen: string[] = [];
    for await (const { page: p, plan } of planAhead(src.changes(), planOf(log), noTurn)) {
      seen.push(`${p.cursor}: ${plan}`);
      log.push(`write ${p.cursor} starts`);
      await new Promise((r) => setTimeout(r, 5)); // the caller's transaction
      log.push(`write ${p.cursor} ends`);
    }
    expect(seen).toEqual(['1: plan of 1', '2: plan of 2', '3: plan of 3']);
    // Page 2 is fetched and planned before page 1's write ends; page 3 only once page 1 is done
    // and page 2 is being handed over (one page ahead, never two).
    expect(log.indexOf('plan 2')).toBeLessThan(log.indexOf('write 1 ends'));
    expect(log.indexOf('fetch 3')).toBeGreaterThan(log.indexOf('write 1 ends'));
    expect(log.indexOf('fetch 3')).toBeLessThan(log.indexOf('write 2 starts'));
    expect(src.closed).toBe(true);
  });

  it('a page that fails to come while the one before is written: that one is handed over whole, then the error', async () => {
    const log: string[] = [];
    const src = source(3, log, 2);
    const written: number[] = [];
    const run = async () => {
      for await (const { page: p } of planAhead(src.changes(), planOf(log), noTurn)) {
        await new Promise((r) => setTimeout(r, 5));
        written.push(p.cursor as number);
      }
    };
    await expect(run()).rejects.toThrow('page 2 could not be fetched');
    expect(written).toEqual([1]);
    expect(log).not.toContain('fetch 3');
  });

  it('a page whose plan fails (a body read) is an error after the page before it, never before', async () => {
    const log: string[] = [];
    const src = source(3, log);
    const written: number[] = [];
    const run = async () => {
      for await (const { page: p } of planAhead(src.changes(), planOf(log, 2), noTurn)) {
        await new Promise((r) => setTimeout(r, 5));
        written.push(p.cursor as number);
      }
    };
    await expect(run()).rejects.toThrow('page 2 could not be planned');
    expect(written).toEqual([1]);
    expect(src.closed).toBe(true);
  });

  it('when the caller stops, the page planned ahead settles before the source is closed', async () => {
    const log: string[] = [];
    let closedWhilePlanning = false;
    const src = source(3, log);
    const plan = async (s: MailPage['sightings']) => {
      const n = Number(s[0]!.ref.slice(4));
      await new Promise((r) => setTimeout(r, 10));
      if (src.closed) closedWhilePlanning = true;
      log.push(`planned ${n}`);
      return n;
    };
    for await (const { page: p } of planAhead(src.changes(), plan, noTurn)) {
      if (p.cursor === 1) break; // e.g. the write failed
    }
    expect(log).toContain('planned 2');
    expect(closedWhilePlanning).toBe(false);
    expect(src.closed).toBe(true);
  });

  it('a page that comes after the sync was cancelled is handed over unplanned', async () => {
    const log: string[] = [];
    const abort = new AbortController();
    const plans: unknown[] = [];
    for await (const { page: p, plan } of planAhead(source(3, log).changes(), planOf(log), noTurn, abort.signal)) {
      plans.push(plan);
      if (p.cursor === 1) abort.abort();
      if (plan === null) break;
    }
    // Page 2 was asked for before the abort (planned ahead): planned. Page 3 came after it.
    expect(plans).toEqual(['plan of 1', 'plan of 2', null]);
    expect(log).not.toContain('plan 3');
  });

  it('gives way to short syncs before planning a page ahead, not before the first', async () => {
    const log: string[] = [];
    let gaveWay = 0;
    const turn = {
      beforeWrite: async () => {
        gaveWay++;
      },
    };
    for await (const _ of planAhead(source(2, log).changes(), planOf(log), turn)) {
      // nothing
    }
    expect(gaveWay).toBe(2); // before page 2, and before asking for the end
  });
});
