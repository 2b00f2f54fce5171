// Jest starts the suites it knows to be longest first, so no worker is left running one long suite
// at the end while the others idle. It knows only what it measured in this folder before: a fresh
// clone (CI's, a newcomer's) has no record and orders by file size, which put the longest suites
// (small files running many property cases) last — about 45 s more of `npm test` in CI. When jest
// has no time of its own for a suite, this sequencer takes the time recorded in
// suite-durations.json (refreshed with scripts/suite-durations.mjs; a stale figure only changes the
// order, never what runs). A suite with neither still runs first, as in jest.
const { relative } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;
const recorded = require('./suite-durations.json');

class SuiteSequencer extends Sequencer {
  time(test) {
    const measured = super.time(test);
    if (measured !== undefined) return measured;
    const seconds = recorded.seconds[relative(test.context.config.rootDir, test.path).split('\\').join('/')];
    return seconds === undefined ? undefined : seconds * 1000;
  }
}

module.exports = SuiteSequencer;
