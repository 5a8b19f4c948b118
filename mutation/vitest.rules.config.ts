import { defineConfig } from 'vitest/config';

// Only the rules' own unit tests: what Stryker runs against each mutant of src/rules/. The
// fast-check properties (properties.test.ts) run thousands of cases per mutant: on a shared
// 2-core machine that turns a run into hours, so the score counts the example tests.
export default defineConfig({
  test: {
    include: ['src/rules/**/*.test.ts'],
    exclude: ['src/rules/properties.test.ts'],
    // Instrumented code runs slower; fewer property runs keep a mutant's test run short.
    testTimeout: 300_000,
    env: { FC_NUM_RUNS: '100' },
  },
});
