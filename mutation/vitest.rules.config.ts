import { defineConfig } from 'vitest/config';

// Only the rules' own unit tests: what Stryker runs against each mutant of src/rules/.
export default defineConfig({
  test: {
    include: ['src/rules/**/*.test.ts'],
    // Instrumented code runs slower; fewer property runs keep a mutant's test run short.
    testTimeout: 300_000,
    env: { FC_NUM_RUNS: '100' },
  },
});
