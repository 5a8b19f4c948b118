import { defineConfig } from 'vitest/config';

// Only the parsers' own unit tests: what Stryker runs against each mutant of src/formats/.
export default defineConfig({
  test: {
    include: ['src/formats/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
