import { defineConfig } from 'vitest/config';

// Only the rules' own unit tests: what Stryker runs against each mutant of src/rules/.
export default defineConfig({
  test: {
    include: ['src/rules/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
