// The solver's files against the tests that exercise them directly (npm run mutation:solver):
// with every engine test, as stryker.config.mjs runs them, each solver mutant reruns most of
// the suite and a run is projected at hours; these files take seconds. Narrow or widen
// `mutate` from the command line (--mutate); bench/MUTATION.md has the scores.
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  mutate: ['src/engine/solver/*.ts'],
  tap: {
    ...base.tap,
    testFiles: [
      'tests/engine/solverBasis.test.ts',
      'tests/engine/moebius.test.ts',
      'tests/engine/andOr.test.ts',
      'tests/engine/certificate.test.ts',
      // the canonical optimum, its alternatives and the tie-break (exact.ts, tieBreak.ts), on
      // small games; canonicalDemoGames.test.ts (20 s a run) is left to npm test
      'tests/engine/canonical.test.ts',
      'tests/engine/tieBreak.test.ts',
      // exact.ts's bounds and stats, lab-sgd step by step, the shared conventions
      'tests/engine/exactSettings.test.ts',
      'tests/engine/labSgd.test.ts',
      'tests/engine/objective.test.ts',
      // the noise bound's reference and its degenerate case (objective.ts)
      'tests/engine/kappaReference.test.ts'
    ]
  },
  htmlReporter: { fileName: 'reports/mutation-solver/index.html' },
  jsonReporter: { fileName: 'reports/mutation-solver/mutation.json' },
  incrementalFile: 'reports/mutation-solver/incremental.json'
};
