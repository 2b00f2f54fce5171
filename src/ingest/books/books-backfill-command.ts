import cliProgress from 'cli-progress';
import { pino } from 'pino';
import type { Config } from '../../config.js';
import { celebrationSettings } from '../../celebrate/celebration-settings.js';
import { openDatabase } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrator.js';
import { ValidationError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { Metrics } from '../../metrics.js';
import { systemClock } from '../../clock.js';
import type { BackfillIo } from '../stripe/backfill-command.js';
import { booksClients } from './books-connections.js';
import { backfillQuickBooks, backfillXero, BooksBackfillError, type BooksBackfillCounts } from './books-backfill.js';

/**
 * `appreciation-bot backfill quickbooks|xero [--since <YYYY-MM-DD>]`: progress on stderr (at a
 * terminal), the summary on stdout; one line on stderr and exit 1 when the accounting system stops
 * it (what committed stays; running it again skips what is present).
 */
export async function runBooksBackfill(source: 'quickbooks' | 'xero', since: string | null, config: Config, io: BackfillIo & { pageSize?: number; retryWaitMs?: number } = {}): Promise<number> {
  const label = source === 'quickbooks' ? 'QuickBooks Online' : 'Xero';
  const prefix = source.toUpperCase();
  if (!config[source]) {
    const id = source === 'quickbooks' ? 'QUICKBOOKS_REALM_ID' : 'XERO_TENANT_ID';
    throw new ValidationError(`${id} is not set: backfill ${source} needs ${id}, ${prefix}_CLIENT_ID, ${prefix}_CLIENT_SECRET and ${prefix}_REFRESH_TOKEN of your ${label} app (see the README)`);
  }
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const log = io.log ?? createLogger({ level: config.logLevel, destination: pino.destination({ dest: 2, sync: true }) });
  const database = io.database ?? (await openDatabase(config.database));
  const clock = io.clock ?? systemClock;
  const bar = stderr.isTTY
    ? new cliProgress.SingleBar(
        { stream: stderr, format: `${source} backfill | {pages} pages | {payments} payments | {recorded} recorded, {alreadyPresent} already present, {skipped} skipped`, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  try {
    await migrateToLatest(database.db);
    const clients = booksClients({ config, db: database.db, clock, log, metrics: new Metrics({ defaultMetrics: false }) });
    const options = {
      db: database.db,
      celebration: celebrationSettings(config),
      since,
      log,
      clock,
      ...(io.pageSize ? { pageSize: io.pageSize } : {}),
      ...(io.retryWaitMs !== undefined ? { retryWaitMs: io.retryWaitMs } : {}),
      onPage: (counts: BooksBackfillCounts) => bar?.update(counts.payments, { ...counts }),
    };
    bar?.start(0, 0, { pages: 0, payments: 0, recorded: 0, alreadyPresent: 0, skipped: 0 });
    const counts = source === 'quickbooks' ? await backfillQuickBooks(clients.quickbooks!, options) : await backfillXero(clients.xero!, options);
    bar?.stop();
    stdout.write(summary(source, counts, since));
    return 0;
  } catch (error) {
    bar?.stop();
    if (!(error instanceof BooksBackfillError)) throw error;
    const kept = error.counts.pages > 0 ? `; the ${error.counts.payments} payments read so far are kept, run it again to continue` : '';
    stderr.write(`appreciation-bot: ${source} backfill stopped: ${error.message}${kept}\n`);
    return 1;
  } finally {
    if (!io.database) await database.close();
  }
}

function summary(source: string, c: BooksBackfillCounts, since: string | null): string {
  const rows: Array<[string, number]> = [
    ['payments seen', c.payments],
    ['payments recorded', c.recorded],
    ['already present', c.alreadyPresent],
    ['skipped', c.skipped],
  ];
  const lines = [`${source} backfill done${since ? ` (payments dated or changed since ${since})` : ''}`];
  for (const [label, n] of rows) lines.push(`  ${label.padEnd(18)} ${String(n).padStart(8)}`);
  return `${lines.join('\n')}\n`;
}
