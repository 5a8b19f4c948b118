// A retry's timer fires on the event loop's cached clock, which can run a few milliseconds
// behind Date.now() on a busy process: the timer then fires "early" by the wall clock the
// queue compares with. The retry must still run (CI once saw it wait forever).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InProcessQueue } from './in-process.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('in-process queue retries', () => {
  it('runs a retry whose timer fired before the wall clock reached its due time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let wall = 1_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => wall);
    const q = new InProcessQueue({ retryLimit: 1, retryDelayMs: 1000, maxDelayMs: 1000 });
    const runs: number[] = [];
    await q.work('lane', { concurrency: 1 }, async (job) => {
      runs.push(job.retryCount);
      if (job.retryCount === 0) throw new Error('transient');
    });
    await q.send('lane', {}, { key: 'k' });
    await vi.waitFor(() => expect(runs).toEqual([0]));

    // The timer's 1,000 ms pass while the wall clock shows only 997 of them.
    wall += 997;
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toEqual([0]);
    wall += 3;
    await vi.advanceTimersByTimeAsync(10);
    expect(runs).toEqual([0, 1]);
    await q.stop();
  });
});
