// docs/configuration.md carries the table of every setting, generated from the schema:
// a setting added, renamed or redescribed without `npm run docs:config` fails here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configTable, END, START, withTable } from '../../scripts/config-table.js';
import { settingEntries } from '../../src/config/schema.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');

describe('docs/configuration.md', () => {
  it('has the table the schema generates (run `npm run docs:config` after changing a setting)', () => {
    const doc = read('docs/configuration.md');
    expect(doc).toContain(START);
    expect(withTable(doc), 'docs/configuration.md is stale: run npm run docs:config').toBe(doc);
  });

  it('lists every setting once, with its flag and default', () => {
    const table = configTable();
    for (const e of settingEntries()) {
      const rows = table.split('\n').filter((l) => l.startsWith(`| \`${e.env}\` |`));
      expect(rows, e.env).toHaveLength(1);
      if (e.flag) expect(rows[0]).toContain(`\`${e.flag}\``);
    }
  });

  it('README.md, when it has the markers, carries the same table', () => {
    const readme = read('README.md');
    if (!readme.includes(START) || !readme.includes(END)) return; // the README writer adds them
    expect(withTable(readme), 'README.md is stale: run npm run docs:config').toBe(readme);
  });
});
