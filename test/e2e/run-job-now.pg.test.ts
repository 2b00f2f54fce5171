// The real command line beside a running bot on one PostgreSQL database: `appreciation-bot run-job
// <job> --now <instant>` in a child process (the built CLI, as an operator runs it) while a bot
// serves the same database. With `--now` in the past the bot can never take a message the run has
// in flight, because leases are read on the wall clock. The scenarios are in test/support/two-clocks.ts.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describeRunJobNow, twoClocksEnv } from '../support/two-clocks.js';
import { builtCli, cliArgs } from '../support/built-cli.js';

/** `name: a=1 b=x` → { a: 1, b: 'x' }. */
function summaryOf(stdout: string, name: string): Record<string, string | number> {
  const line = stdout.split('\n').find((l) => l.startsWith(`${name}: `));
  if (line === undefined) throw new Error(`no summary line for ${name} in ${JSON.stringify(stdout)}`);
  return Object.fromEntries(
    line
      .slice(name.length + 2)
      .split(' ')
      .map((pair) => pair.split('='))
      .map(([k, v]) => [k!, v !== undefined && /^-?\d+$/.test(v) ? Number(v) : (v ?? '')]),
  );
}

describeRunJobNow('run-job --now as a child process beside a running bot (postgres)', 'postgres', async (name, asOf, { database, slack }) => {
  if (!existsSync(builtCli)) throw new Error(`build first (npm run build): ${builtCli} is missing`);
  if (database.target.kind !== 'postgres') throw new Error('PostgreSQL only');
  // Asynchronously: the fake Slack answering the child lives in this process.
  const child = spawn(process.execPath, cliArgs('run-job', name, '--now', asOf.toISOString()), {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...twoClocksEnv(slack), DATABASE_URL: database.target.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
  return summaryOf(stdout, name);
});
