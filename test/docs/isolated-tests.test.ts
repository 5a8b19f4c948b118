// Test files share their worker's module registry (vitest.config.ts, the "shared" project), so a
// file that replaces a module with `vi.mock` would replace it for every file after it in that
// worker, or find it already loaded and mock nothing. Such a file must run in the "isolated"
// project: this fails, naming it, when one is not listed there.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';
import { ISOLATED_TEST_FILES } from '../../vitest.config.js';

const ROOT = join(import.meta.dirname, '..', '..');

function testFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

it('every test file that mocks a module runs with a module registry of its own', () => {
  const mocking = [...testFiles('src'), ...testFiles('test')].filter((f) =>
    /\bvi\.(do)?[mM]ock\(/.test(readFileSync(join(ROOT, f), 'utf8')),
  );
  expect(mocking.length).toBeGreaterThan(0);
  expect(mocking.filter((f) => !ISOLATED_TEST_FILES.includes(f))).toEqual([]);
});
