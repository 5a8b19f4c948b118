// Under Stryker a failing property is the expected outcome for most mutants: stop at the
// first counterexample instead of shrinking it (shrinking a damaged-file property can take
// longer than Stryker's timeout, turning a killed mutant into a slow "timed out" one).
import fc from 'fast-check';

fc.configureGlobal({ endOnFailure: true });
