// `run-job <job> --now <instant>` beside a running bot, in one process on a shared database (the
// embedded database allows one process; run-job-now.pg.test.ts runs the built CLI as a child
// process on PostgreSQL). The scenarios are in test/support/two-clocks.ts.
import { parseConfig } from '../../src/config.js';
import { runJobOnce } from '../../src/jobs/run-job.js';
import { silentLogger } from '../../src/log.js';
import { testEngines } from '../support/test-database.js';
import { describeRunJobNow, twoClocksEnv } from '../support/two-clocks.js';

for (const engine of testEngines()) {
  // What `appreciation-bot run-job <name> --now <asOf>` does, on the bot's database, with the wall clock left alone.
  describeRunJobNow(`run-job --now in this process beside a running bot (${engine})`, engine, async (name, asOf, { database, slack }) => {
    const { summary } = await runJobOnce(name, parseConfig(twoClocksEnv(slack)), {
      asOf,
      overrides: { database: database.handle, log: silentLogger(), defaultMetrics: false },
    });
    return summary;
  });
}
