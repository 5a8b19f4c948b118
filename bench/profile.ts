// BENCH_PROFILE=dir: a CPU profile (Chrome DevTools .cpuprofile) of each timed window alone,
// written to dir/<name>.cpuprofile, so a profile holds what the figure measures and not the
// set-up around it. BENCH_PROFILE_HEAP=1 with it: a sampling allocation profile of the same
// window instead (dir/<name>.heapprofile, every allocation, collected or not: what the GC
// has to deal with). Off (no inspector session) unless BENCH_PROFILE is set.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

const dir = process.env.BENCH_PROFILE;
const heap = process.env.BENCH_PROFILE_HEAP === '1';
const session = dir ? new Session() : null;
session?.connect();

export async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!session) return fn();
  if (heap) {
    await session.post('HeapProfiler.enable');
    // Collected objects kept: the young-generation garbage is what costs the scavenges.
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 16_384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  } else {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  try {
    return await fn();
  } finally {
    if (heap) {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(join(dir!, `${name}.heapprofile`), JSON.stringify(profile));
    } else {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(dir!, `${name}.cpuprofile`), JSON.stringify(profile));
    }
  }
}
