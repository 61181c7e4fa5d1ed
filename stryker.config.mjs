// Mutation testing (npm run mutation; bench/MUTATION.md has the scores and how long a run
// takes). The tap runner runs one test file per node process with node's TAP reporter and
// records which files reach each mutant, so a mutant only reruns the files that execute it.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  mutate: ['src/engine/**/*.ts', 'src/backend/server/auth.ts', 'src/backend/report.ts'],
  tap: {
    // the tests of the mutated code only: the CLI and backend tests spawn processes and
    // threads, where the coverage hook does not reach
    testFiles: ['tests/engine/*.test.ts', 'tests/cli/report.test.ts', 'tests/server/*.test.ts'],
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
