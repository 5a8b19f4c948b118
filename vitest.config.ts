import { defineConfig } from 'vitest/config';

/**
 * Test files that replace a module (`vi.mock`), or read a module's process-wide state as a fresh
 * process has it, and so need a module registry of their own; every other file shares its
 * worker's (below). test/docs/isolated-tests.test.ts fails when a file mocks a module and is
 * not listed here.
 */
export const ISOLATED_TEST_FILES = [
  'src/providers/folder/folder-swap.test.ts',
  'test/integration/gmail-deferred-redecide.test.ts',
  'test/sync/deferred-reread.test.ts',
  'test/sync/deferred-sources.test.ts',
  // Which connectors the registry has loaded: another file's service in the same worker would have loaded them.
  'test/service/connector-preload.test.ts',
];

const ALL = ['src/**/*.test.ts', 'test/**/*.test.ts'];

export default defineConfig({
  test: {
    // CLI end-to-end tests spawn processes; give them room on a loaded 2-core CI machine.
    testTimeout: 60_000,
    // Vitest 4 runs (cores - 1) files at once: one on a 2-core machine. Most files wait on a
    // child process or a server (Dovecot, Radicale, PostgreSQL, Chromium) rather than compute:
    // with two at once the suite used 38 % of the two cores' time, so three run at once
    // (docs/decisions.md, "The suite runs three files at once").
    maxWorkers: 3,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        // A file's imports are loaded once per worker, not once per file: the app's module graph
        // (API, providers, store) took ≈ 1 s of every API test file's time to load, 173 s over
        // the suite (docs/decisions.md, "Test files share their worker's modules").
        test: { name: 'shared', include: ALL, exclude: ISOLATED_TEST_FILES, isolate: false },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED_TEST_FILES } },
    ],
  },
});
