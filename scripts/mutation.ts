// Runs Stryker through its API: the `stryker` command (and the package's index, which loads
// it) refuses Node 20 by a version check, as StrykerJS 10 declares node >= 22, while the
// mutation run itself works on the Node 20 this project targets. So the Stryker class is
// loaded from its own file. Options come from stryker.config.mjs (MUTATE=rules|formats).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Config = { thresholds?: { break?: number | null } };
const config = (await import(new URL('../stryker.config.mjs', import.meta.url).href)).default as Config;

type MutantResult = { status: string };
type StrykerClass = new (options: object) => { runMutationTest(): Promise<MutantResult[]> };

const packageDir = dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json'));
const strykerFile = pathToFileURL(join(packageDir, 'dist/src/stryker.js')).href;
const { Stryker } = (await import(strykerFile)) as { Stryker: StrykerClass };

const results = await new Stryker(config).runMutationTest();
const detected = results.filter((r) => r.status === 'Killed' || r.status === 'Timeout').length;
const counted = results.filter((r) => !['CompileError', 'RuntimeError', 'Ignored'].includes(r.status)).length;
const score = counted === 0 ? 0 : (100 * detected) / counted;
console.log(`mutation score (${process.env.MUTATE ?? 'rules'}): ${score.toFixed(2)} % (${detected} of ${counted} mutants detected)`);
if (config.thresholds?.break != null && score < config.thresholds.break) process.exitCode = 1;
