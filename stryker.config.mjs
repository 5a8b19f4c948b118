// Mutation testing (`npm run test:mutation`; `npm run test:mutation:formats` for src/formats/;
// MUTATE=parsers or MUTATE=mime with `npm run test:mutation` for a part of it).
// Not part of `npm test`: a run takes many minutes. See docs/testing.md for the last score.
const target = process.env.MUTATE ?? 'rules';
/** The iCalendar files that read a calendar, besides parse-calendar.ts itself (not the recurrence expansion). */
const ICAL_READING = ['participants', 'ical-time', 'repair-ics', 'salvage'].map((f) => `src/formats/ical/${f}.ts`);
const targets = {
  rules: { mutate: ['src/rules/**/*.ts', '!src/rules/**/*.test.ts'], vitest: 'mutation/vitest.rules.config.ts' },
  formats: {
    mutate: ['src/formats/**/*.ts', '!src/formats/**/*.test.ts'],
    vitest: 'mutation/vitest.formats.config.ts',
  },
  // The parsing half of src/formats/ (MIME and iCalendar reading), without the recurrence
  // expansion whose loop mutants each run into Stryker's timeout: a run that fits within an
  // hour on the shared machine (the whole of src/formats/ is ~1,800 mutants, ~2 h).
  parsers: {
    mutate: [
      'src/formats/mime/**/*.ts',
      '!src/formats/mime/**/*.test.ts',
      'src/formats/ical/parse-calendar.ts',
      ...ICAL_READING,
    ],
    vitest: 'mutation/vitest.formats.config.ts',
  },
  // Parts of `parsers` alone, each about 20 minutes on the loaded machine (parse-calendar.ts
  // alone is ~350 mutants, slower ones: it was not run on its own yet).
  mime: { mutate: ['src/formats/mime/**/*.ts', '!src/formats/mime/**/*.test.ts'], vitest: 'mutation/vitest.formats.config.ts' },
  ical: { mutate: ICAL_READING, vitest: 'mutation/vitest.formats.config.ts' },
  calendar: { mutate: ['src/formats/ical/parse-calendar.ts'], vitest: 'mutation/vitest.formats.config.ts' },
};
const chosen = targets[target];
if (!chosen) throw new Error(`MUTATE must be one of ${Object.keys(targets).join(', ')} (got ${target})`);

// STRYKER_MUTATE (comma-separated, Stryker's `file:line-line` ranges allowed) re-tests a few
// mutants after a test is added; STRYKER_DRY_RUN=1 only instruments and runs the tests once,
// which prints the mutant count: an estimate before a long run.
const mutateOverride = process.env.STRYKER_MUTATE?.split(',').filter(Boolean);

export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: chosen.vitest },
  mutate: mutateOverride?.length ? mutateOverride : chosen.mutate,
  dryRunOnly: process.env.STRYKER_DRY_RUN === '1',
  // The machine is shared: two test processes at a time unless STRYKER_CONCURRENCY says fewer.
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
  coverageAnalysis: 'perTest',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${target}.json` },
  tempDirName: `.stryker-tmp/${target}`,
  // A re-run after a small change tests again only the mutants the change touched (reports/ is not committed).
  incremental: true,
  incrementalFile: `reports/mutation/${target}-incremental.json`,
  // Only the rules fail below 80 %. The formats run leaves `break` out: Stryker's config merge
  // cannot take a null there (it stops with "Cannot convert undefined or null to object").
  thresholds: target === 'rules' ? { high: 90, low: 80, break: 80 } : { high: 90, low: 80 },
};
