// The fault-injection suite: bothooks as a real child process on a real Postgres, one file at a time
// (they kill processes, cut links and measure sockets and memory, so they must not share the machine).
const base = require('./jest.config.js');

const e2e = base.projects.find((project) => project.displayName === 'e2e');

module.exports = {
  displayName: 'faults',
  rootDir: '.',
  testEnvironment: 'node',
  testRegex: 'test/faults/.*\\.faults-spec\\.ts$',
  transform: e2e.transform,
  transformIgnorePatterns: e2e.transformIgnorePatterns,
  globalSetup: '<rootDir>/test/faults/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/faults/setup/global-teardown.ts',
  testSequencer: '<rootDir>/test/faults/setup/sequencer.js',
  maxWorkers: 1,
  testTimeout: 180000,
  // A failed check may leave a peer server or a socket open; the run must end and report, not hang CI.
  forceExit: true,
};
