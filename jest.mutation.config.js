// The unit project alone, for mutation testing: e2e files boot the app and a database, far too slow per mutant.
const { join } = require('node:path');
const { projects } = require('./jest.config.js');

const unit = projects.find((project) => project.displayName === 'unit');

// A mutant that leaves a promise unsettled fails its test in 2 s, not Stryker's timeout and a restarted runner.
module.exports = { ...unit, rootDir: join(__dirname, 'src'), testTimeout: 2000 };
