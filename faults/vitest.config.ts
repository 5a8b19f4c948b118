// `npm run faults`: every fault-injection scenario, one file at a time (kill points and
// restarts are timing-sensitive), then the table (faults/table.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['faults/**/*.fault.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
    globalSetup: ['faults/table.ts'],
  },
});
