import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // CLI end-to-end tests spawn processes; give them room on a loaded 2-core CI machine.
    testTimeout: 60_000,
    // Vitest 4 runs (cores - 1) files at once: one on a 2-core machine. Most files wait on a
    // child process or a server (Dovecot, Radicale, PostgreSQL, Chromium) rather than compute,
    // so two at once use the machine and keep the whole suite well under 20 minutes.
    maxWorkers: 2,
    hookTimeout: 120_000,
  },
});
