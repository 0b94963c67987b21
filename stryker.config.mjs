// Mutation testing of the pure-logic modules against their unit specs: `npm run test:mutation`.
// Too slow for `npm test` or CI; the score per module is in the README, the last result in reports/mutation/.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'jest.mutation.config.js', enableFindRelatedTests: true },
  // The npm test scripts pass this flag too; the runner's worker processes need it to load the same way.
  testRunnerNodeArgs: ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning'],
  // Only what the unit specs load: e2e files in a copy would be found by a plain `npm test` meanwhile.
  ignorePatterns: ['/test', '/bench', '/examples', '/docs', '/dist', '/data', '/coverage'],
  mutate: [
    'src/responses/response-validator.ts',
    'src/responses/validation/*.ts',
    'src/webhooks/issue/webhook-url.ts',
    'src/common/outbound/ssrf-guard.ts',
    'src/connections/circuit-breaker.ts',
    'src/common/batcher.ts',
    'src/webhooks/delivery/retry-delay.ts',
    'src/config/env.ts',
    'src/config/configuration.ts',
  ],
  coverageAnalysis: 'perTest',
  // Module-level constants (label tables, the validator's dispatch table) would each rerun every related
  // spec, most of the run's time on a small machine, for mutants that break module loading anyway.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 5000,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false },
  tempDirName: '.stryker-tmp',
};
