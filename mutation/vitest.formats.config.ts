import { defineConfig } from 'vitest/config';

// Only the parsers' own unit tests: what Stryker runs against each mutant of src/formats/.
export default defineConfig({
  test: {
    include: ['src/formats/**/*.test.ts'],
    // Instrumented code runs slower; fewer property runs keep a mutant's test run short.
    testTimeout: 300_000,
    env: { FC_NUM_RUNS: '100' },
    setupFiles: ['mutation/fast-check-setup.ts'],
  },
});
