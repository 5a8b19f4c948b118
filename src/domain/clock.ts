// The clock, passed in. Scheduling and sync logic take a Clock and never read Date.now()
// themselves, so tests drive time (see test/service/scheduler.test.ts).
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private t: Date) {}
  now(): Date {
    return new Date(this.t.getTime());
  }
  advance(ms: number): void {
    this.t = new Date(this.t.getTime() + ms);
  }
  set(t: Date): void {
    this.t = new Date(t.getTime());
  }
}

/**
 * A clock that reads `start` now and runs at real speed from there: `serve --now` serves a
 * database (the demo's) at its own date, so the daily purge and every use case see that date,
 * while syncs, expiries and "last used" still move forward as time passes.
 */
export function clockFrom(start: Date, real: Clock = systemClock): Clock {
  const offsetMs = start.getTime() - real.now().getTime();
  return { now: () => new Date(real.now().getTime() + offsetMs) };
}
