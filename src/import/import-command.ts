import { parseArgs } from 'node:util';
import { celebrationSettings } from '../celebrate/celebration-settings.js';
import type { Config } from '../config.js';
import { createContext } from '../context.js';
import { UsageError } from '../errors.js';
import { childLogger, createLogger } from '../log.js';
import { importCsv } from './csv-import.js';
import { openCsvFile } from './csv-records.js';
import { terminalProgress } from './import-progress.js';
import { exitStatus, formatReport } from './import-report.js';

const USAGE = 'usage: appreciation-bot import <accounts.csv|payments.csv|touchpoints.csv>';

/** `appreciation-bot import <file>`: the report on stdout, progress and logs on stderr; 1 when any row was refused. */
export async function runImportCommand(args: string[], config: Config): Promise<number> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true });
  const [path, ...extra] = positionals;
  if (path === undefined) throw new UsageError(`import needs a CSV file; ${USAGE}`);
  if (extra.length > 0) throw new UsageError(`import takes one file; got ${positionals.join(' ')}`);
  // A mistyped name is reported before the database is opened (or an embedded one created for nothing).
  await (await openCsvFile(path)).close();

  // stdout carries the report, which a script may parse; logs go beside the progress bar.
  const log = createLogger({ level: config.logLevel, destination: process.stderr });
  const context = await createContext(config, { log, defaultMetrics: false });
  try {
    const report = await importCsv(context.database.db, path, celebrationSettings(config), terminalProgress(process.stderr, 'importing'), {
      clock: context.clock,
      log: childLogger(log, 'cli'),
    });
    process.stdout.write(formatReport(report));
    return exitStatus(report);
  } finally {
    await context.close();
  }
}
