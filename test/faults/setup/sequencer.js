// The secrets check reads the whole run's logs and database, so it goes last; the rest in name order.
const Sequencer = require('@jest/test-sequencer').default;

const LAST = 'secrets.faults-spec.ts';

class FaultsSequencer extends Sequencer {
  sort(tests) {
    const rank = (test) => (test.path.endsWith(LAST) ? 1 : 0);
    return [...tests].sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
  }
}

module.exports = FaultsSequencer;
