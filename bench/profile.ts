// BENCH_PROFILE=dir: a CPU profile (Chrome DevTools .cpuprofile) of each timed window alone,
// written to dir/<name>.cpuprofile, so a profile holds what the figure measures and not the
// set-up around it. Off (no inspector session) unless the variable is set.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

const dir = process.env.BENCH_PROFILE;
const session = dir ? new Session() : null;
session?.connect();

export async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!session) return fn();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(dir!, `${name}.cpuprofile`), JSON.stringify(profile));
  }
}
