// Writes the table of every setting (from the schema in src/config/schema.ts) between the
// <!-- config:start --> and <!-- config:end --> markers of docs/configuration.md, and of
// README.md when it has them. `npm run docs:config`; test/docs/config-table.test.ts fails
// when the committed docs are stale.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type SettingEntry, settingEntries } from '../src/config/schema.js';

export const START = '<!-- config:start -->';
export const END = '<!-- config:end -->';
const ROOT = path.resolve(import.meta.dirname, '..');
export const TARGETS = ['docs/configuration.md', 'README.md'];

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string): string => `\`${s}\``;

function row(e: SettingEntry): string {
  const dflt = e.default === undefined ? '—' : /^[\w./:@-]+$/.test(e.default) ? code(e.default) : e.default;
  const description = e.secret ? `${e.description} (secret)` : e.description;
  return `| ${code(e.env)} | ${e.flag ? code(e.flag) : '—'} | ${cell(dflt)} | ${cell(description)} |`;
}

/** The Markdown table, one row per setting in schema order. */
export function configTable(entries: SettingEntry[] = settingEntries()): string {
  return ['| Variable | Flag | Default | Description |', '| --- | --- | --- | --- |', ...entries.map(row)].join('\n');
}

/** `text` with the table between its markers, or null when it has none. */
export function withTable(text: string, table: string = configTable()): string | null {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) return null;
  return `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`;
}

function main(): void {
  for (const rel of TARGETS) {
    const file = path.join(ROOT, rel);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const next = withTable(text);
    if (next === null) {
      if (rel !== 'README.md') throw new Error(`${rel} has no ${START} … ${END} markers`);
      continue;
    }
    if (next !== text) writeFileSync(file, next);
    process.stdout.write(`${rel}: ${next === text ? 'up to date' : 'table written'}\n`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) main();
