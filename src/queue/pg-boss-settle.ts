// pg-boss 10's worker loop calls complete() and fail() without awaiting them
// (manager.js, onFetch). With PostgreSQL restarting, that write rejects and nobody handles
// it: Node ends the whole process (an unhandled rejection). The soak saw serve and the worker
// exit 1 at its PostgreSQL restart. Each call's promise gets a handler that reports the
// failure as the manager's 'error' event (which PgBoss re-emits to our onError); callers that
// await still see the rejection. A job left 'active' this way is the reaper's to retry: its
// key's lock was released when the handler returned (pg-boss.ts).
import { createRequire } from 'node:module';

interface Manager {
  prototype: Record<string, (...args: unknown[]) => Promise<unknown>>;
}

const require = createRequire(import.meta.url);
const Manager = require('pg-boss/src/manager.js') as Manager;
const PATCHED = Symbol.for('touchpoint.pgBossSettle');

/** Once per process, before any PgBoss is constructed (its function list binds these). */
export function reportUnawaitedSettles(): void {
  const proto = Manager.prototype as Record<string | symbol, unknown>;
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;
  for (const name of ['complete', 'fail'] as const) {
    const original = Manager.prototype[name]!;
    const reported = function (this: { emit(event: string, err: unknown): boolean }, ...args: unknown[]) {
      const settled = original.apply(this, args);
      settled.catch((err: unknown) => this.emit('error', err));
      return settled;
    };
    // PgBoss exposes the manager's functions under their `name`: keep it.
    Object.defineProperty(reported, 'name', { value: name });
    Manager.prototype[name] = reported;
  }
}
