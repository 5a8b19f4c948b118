// Mutation testing (`npm run test:mutation`; `npm run test:mutation:formats` for the parsers).
// Not part of `npm test`: a run takes many minutes. See docs/testing.md for the last score.
const target = process.env.MUTATE ?? 'rules';
const targets = {
  rules: { mutate: ['src/rules/**/*.ts', '!src/rules/**/*.test.ts'], vitest: 'mutation/vitest.rules.config.ts' },
  formats: {
    mutate: ['src/formats/**/*.ts', '!src/formats/**/*.test.ts'],
    vitest: 'mutation/vitest.formats.config.ts',
  },
};
const chosen = targets[target];
if (!chosen) throw new Error(`MUTATE must be one of ${Object.keys(targets).join(', ')} (got ${target})`);

export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: chosen.vitest },
  mutate: chosen.mutate,
  // The machine is shared: one or two test processes at a time.
  concurrency: 2,
  coverageAnalysis: 'perTest',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${target}.json` },
  tempDirName: '.stryker-tmp',
  thresholds: { high: 90, low: 80, break: target === 'rules' ? 80 : null },
};
