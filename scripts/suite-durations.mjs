// Writes test/support/suite-durations.json from a jest run's results, for the sequencer that orders
// a fresh clone's suites longest first (test/support/suite-sequencer.cjs):
//   node --experimental-vm-modules node_modules/jest/bin/jest.js --json --outputFile=/tmp/jest.json
//   node scripts/suite-durations.mjs /tmp/jest.json
// Only the order matters, so the figures are rounded to a tenth of a second.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

const [resultsFile] = process.argv.slice(2);
if (!resultsFile) {
  process.stderr.write('usage: node scripts/suite-durations.mjs <jest --json output file>\n');
  process.exit(2);
}
const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
const root = new URL('..', import.meta.url).pathname;
const seconds = {};
for (const suite of results.testResults) {
  const path = relative(root, suite.name).split('\\').join('/');
  if (path.startsWith('..')) continue;
  const ms = suite.perfStats?.runtime ?? suite.endTime - suite.startTime;
  seconds[path] = Math.round(ms / 100) / 10;
}
const sorted = Object.fromEntries(Object.entries(seconds).sort(([a], [b]) => a.localeCompare(b)));
const out = new URL('../test/support/suite-durations.json', import.meta.url);
writeFileSync(out, `${JSON.stringify({ note: 'How long each suite took in one run (seconds): the order a fresh clone runs them in. scripts/suite-durations.mjs writes it.', seconds: sorted }, null, 2)}\n`);
process.stdout.write(`${Object.keys(sorted).length} suites recorded in test/support/suite-durations.json\n`);
