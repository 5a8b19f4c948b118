// axe-core in the real browser: every WCAG 2.x A/AA/AAA rule (AAA contrast included) and the
// best practices, on whatever the page shows now. Its source is evaluated in the page through
// the DevTools protocol, which the app's Content-Security-Policy does not apply to.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag2aaa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string; any: { relatedNodes?: { target: unknown[] }[] }[] }[];
}

/** Runs axe on the page as it is and fails with each violation's rule, impact and first nodes. */
export async function expectNoAxeViolations(page: Page, state: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(
    async (tags) =>
      (
        (await (window as unknown as { axe: { run: (ctx: Document, o: unknown) => Promise<{ violations: Violation[] }> } }).axe.run(
          document,
          { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] },
        )) as { violations: Violation[] }
      ).violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        // The related nodes name the other side of a pair (e.g. the landmark with the same name).
        nodes: v.nodes.slice(0, 5).map((n) => {
          const related = n.any.flatMap((c) => c.relatedNodes ?? []).map((r) => r.target.join(' '));
          return `${n.target.join(' ')}: ${n.failureSummary ?? ''}${related.length ? ` (related: ${related.join(', ')})` : ''}`;
        }),
        count: v.nodes.length,
      })),
    TAGS,
  );
  expect(violations, `axe on ${state}: ${violations.map((v) => `${v.id} (${v.impact}, ${v.count})`).join(', ')}`).toEqual([]);
}
