// Mutation testing (npm run mutation; bench/MUTATION.md has the scores and how long a run
// takes). The tap runner runs one test file per node process with node's TAP reporter and
// records which files reach each mutant, so a mutant only reruns the files that execute it.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  mutate: ['src/engine/**/*.ts', 'src/backend/report.ts', 'src/backend/server/auth.ts'],
  tap: {
    // The tests of the mutated code that run it in process (the CLI and server tests spawn
    // processes and threads, where the coverage hook does not reach). Tests that need solves
    // to converge pass a generous solver.maxSeconds: instrumented code overruns the default.
    testFiles: ['tests/engine/*.test.ts', 'tests/cli/report.test.ts', 'tests/server/auth.test.ts'],
    nodeArgs: ['--import', 'tsx', '--test-reporter=tap'],
    forceBail: true
  },
  // the sandbox copies the project: leave out what no test here reads
  ignorePatterns: [
    '.venv',
    'ui-tests',
    'tests_py',
    'lib',
    'build',
    'layerwise',
    'examples',
    'bench',
    'docs',
    'out',
    '.layerwise-cache',
    'reports'
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  incrementalFile: 'reports/mutation/incremental.json',
  clearTextReporter: { allowColor: false, logTests: false }
};
