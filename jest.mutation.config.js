// The unit project alone, for mutation testing: e2e files boot the app and a database, far too slow per mutant.
const { join } = require('node:path');
const { projects, testTimeout } = require('./jest.config.js');

const unit = projects.find((project) => project.displayName === 'unit');

module.exports = { ...unit, rootDir: join(__dirname, 'src'), testTimeout };
