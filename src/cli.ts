#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig, processEnv, type Config } from './config.js';
import { openDatabase, DatabaseUnavailableError } from './db/database.js';
import { DatabaseInUseError } from './db/pglite-lock.js';
import { migrateToLatest, MigrationError, SchemaGapError } from './db/migrator.js';
import { UsageError, ValidationError } from './errors.js';
import { findJob, UnknownJobError } from './jobs/job-registry.js';
import { jobs } from './jobs/jobs.js';
import { runJobOnce } from './jobs/run-job.js';
import { runBot } from './main.js';

/**
 * `appreciation-bot <command>`: every way an operator drives the bot. A user's mistake ends with
 * one line on stderr and a non-zero status, never a stack trace.
 */

const USAGE = `usage: appreciation-bot <command>
  start                                  run the bot (HTTP, outbox, schedules)
  migrate                                bring the database schema up to date
  run-job <${Object.keys(jobs).join('|')}> [--now <ISO-8601>]   run one scheduled job once
  import <accounts.csv|payments.csv|touchpoints.csv>             import history (kind read from the header row)
  backfill stripe [--since <YYYY-MM-DD>]                         import paid Stripe invoices as history
  backfill quickbooks|xero [--since <YYYY-MM-DD>]                import payments recorded in the books as history
  feedback-link <account external id or name>                    print the account's feedback link (needs FEEDBACK_SECRET)`;

const COMMANDS = ['start', 'migrate', 'run-job', 'import', 'backfill', 'feedback-link'] as const;

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  switch (command) {
    case 'start':
      await runBot(loadConfig());
      return 0;
    case 'migrate':
      return migrate(loadConfig());
    case 'run-job':
      return runJob(rest, loadConfig());
    // Loaded when used: CSV parsing, progress bars and the Stripe backfill are not needed by `start`.
    case 'import': {
      const { runImportCommand } = await import('./import/import-command.js');
      return runImportCommand(rest, loadConfig());
    }
    case 'backfill': {
      const { runBackfillCommand } = await import('./ingest/stripe/backfill-command.js');
      return runBackfillCommand(rest, loadConfig());
    }
    case 'feedback-link': {
      const { runFeedbackLinkCommand } = await import('./feedback/feedback-link-command.js');
      return runFeedbackLinkCommand(rest, loadConfig());
    }
    default:
      throw new UsageError(`unknown command "${command}"; known commands: ${COMMANDS.join(', ')}`);
  }
}

function loadConfig(): Config {
  return parseConfig(processEnv());
}

async function migrate(config: Config): Promise<number> {
  const database = await openDatabase(config.database);
  try {
    let newer: string[] = [];
    const applied = await migrateToLatest(database.db, { onNewerSchema: (unknown) => (newer = unknown) });
    if (newer.length > 0) process.stdout.write(`the database is ahead of this build (${newer.join(', ')}); nothing to apply\n`);
    else process.stdout.write(applied.length === 0 ? 'database schema is up to date\n' : `applied ${applied.map((m) => m.migrationName).join(', ')}\n`);
    return 0;
  } finally {
    await database.close();
  }
}

async function runJob(args: string[], config: Config): Promise<number> {
  const { positionals, values } = parseArgs({ args, options: { now: { type: 'string' } }, allowPositionals: true, strict: true });
  const [name, ...extra] = positionals;
  if (!name) throw new UsageError(`run-job needs a job name; known jobs: ${Object.keys(jobs).join(', ')}`);
  if (extra.length > 0) throw new UsageError(`run-job takes one job name; got ${positionals.join(' ')}`);
  findJob(jobs, name);
  let asOf: Date | undefined;
  if (values.now !== undefined) {
    asOf = new Date(values.now);
    if (!/^\d{4}-\d{2}-\d{2}/.test(values.now) || Number.isNaN(asOf.getTime())) throw new UsageError(`--now must be an ISO-8601 date-time, e.g. 2026-11-23T09:00:00Z; got "${values.now}"`);
  }
  const { summary } = await runJobOnce(name, config, asOf ? { asOf } : {});
  process.stdout.write(`${name}: ${Object.entries(summary).map(([k, v]) => `${k}=${v}`).join(' ') || 'done'}\n`);
  return 0;
}

/** The one line a user sees for a mistake they can fix; anything else is a bug and keeps its stack. */
export function describeFailure(error: unknown): { message: string; status: number } | null {
  if (error instanceof ConfigError) return { message: error.message, status: 1 };
  if (error instanceof UsageError || error instanceof UnknownJobError) return { message: error.message, status: 2 };
  if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return { message: (error as Error).message, status: 2 };
  if (error instanceof DatabaseInUseError || error instanceof ValidationError || error instanceof MigrationError || error instanceof SchemaGapError || error instanceof DatabaseUnavailableError)
    return { message: error.message, status: 1 };
  const code = (error as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '28P01' || code === '3D000')
    return { message: `cannot reach the database: ${(error as Error).message}; check DATABASE_URL`, status: 1 };
  if (code === 'EADDRINUSE') return { message: `the port is already in use: ${(error as Error).message}; set PORT to a free port`, status: 1 };
  return null;
}

async function main(): Promise<void> {
  try {
    process.exitCode = await runCli(process.argv.slice(2));
  } catch (error) {
    const known = describeFailure(error);
    if (known) {
      process.stderr.write(`appreciation-bot: ${known.message}\n`);
      process.exitCode = known.status;
      return;
    }
    process.stderr.write(`appreciation-bot: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}

await main();
