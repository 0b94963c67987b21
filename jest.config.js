// Unit specs sit beside the code; e2e specs in test/ boot the real app on a real Postgres. Each test/*.e2e-spec.ts
// is one folder of *.e2e.ts files run in one module registry (test/utils/folder.ts).
const { readFileSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const { join } = require('node:path');

const swc = { ...JSON.parse(readFileSync(join(__dirname, '.swcrc'), 'utf8')), swcrc: false };
delete swc.$schema;
const transform = { '^.+\\.(t|j|mj)s$': ['@swc/jest', swc] };
// NestJS 12 and a few of its dependencies ship only ES modules; Jest's CommonJS runtime needs them compiled.
const transformIgnorePatterns = ['/node_modules/(?!(@nestjs|file-type|strtok3|token-types|@tokenizer|@borewit|uint8array-extras|@standard-schema)/)'];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      rootDir: 'src',
      testEnvironment: 'node',
      testRegex: '.*\\.spec\\.ts$',
      transform,
      transformIgnorePatterns,
    },
    {
      displayName: 'e2e',
      rootDir: '.',
      testEnvironment: 'node',
      testRegex: 'test/.*\\.e2e-spec\\.ts$',
      // The workspace's sources, not a build of it, so the tests see the client as it is in the tree.
      moduleNameMapper: { '^@bothooks/client$': '<rootDir>/clients/typescript/src' },
      // A mutation run's sandbox is a second copy of the tree; its packages would clash with these by name.
      modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
      transform,
      transformIgnorePatterns,
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
  testTimeout: 30000,
  // Jest's default is one worker fewer than the CPUs: on a 2-core machine a single worker. An e2e file spends
  // part of its time waiting (on Postgres, on a runtime's answer, on a Retry-After), so one worker more than
  // the CPUs keeps both busy: on 2 cores, 3 workers took 64-71 s, 2 took 67 s and 4 took 73-77 s, with more CPU.
  maxWorkers: availableParallelism() + 1,
};
