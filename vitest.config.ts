import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // CLI end-to-end tests spawn processes; give them room on a loaded 2-core CI machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
