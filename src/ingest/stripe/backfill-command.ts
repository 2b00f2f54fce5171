import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { pino } from 'pino';
import type Stripe from 'stripe';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { celebrationSettings } from '../../celebrate/celebration-settings.js';
import { openDatabase, type DatabaseHandle } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrator.js';
import { DAY_MS, civilFromDays, daysFromCivil, instantOf } from '../../domain/zoned-time.js';
import { UsageError, ValidationError } from '../../errors.js';
import { childLogger, createLogger, type Logger } from '../../log.js';
import { createStripeClient } from './stripe-client.js';
import { backfillStripe, StripeBackfillError, type BackfillCounts, type BackfillProgress, type BackfillStart } from './stripe-backfill.js';

/**
 * `appreciation-bot backfill stripe [--since <YYYY-MM-DD>]`: progress on stderr (at a terminal),
 * the summary on stdout, one line on stderr and exit 1 when Stripe stops it (what committed stays,
 * and the next run with the same --since continues from there).
 */

export const BACKFILL_SOURCES = ['stripe', 'quickbooks', 'xero'] as const;

/** What tests hand in instead of the process's own streams, database and Stripe client. */
export interface BackfillIo {
  stdout?: Writable;
  stderr?: Writable & { isTTY?: boolean };
  database?: DatabaseHandle;
  stripe?: Stripe;
  clock?: Clock;
  log?: Logger;
}

/** A listing is heavier than a webhook's look-up: a longer timeout, and a few retries with Stripe's backoff. */
const LIST_TIMEOUT_MS = 60_000;
const LIST_RETRIES = 3;

export async function runBackfillCommand(args: string[], config: Config, io: BackfillIo = {}): Promise<number> {
  const { positionals, values } = parseArgs({ args, options: { since: { type: 'string' } }, allowPositionals: true, strict: true });
  const [source, ...extra] = positionals;
  if (!source) throw new UsageError(`backfill needs a source; known sources: ${BACKFILL_SOURCES.join(', ')}`);
  if (source === 'quickbooks' || source === 'xero') {
    if (extra.length > 0) throw new UsageError(`backfill ${source} takes no other arguments; got ${extra.join(' ')}`);
    if (values.since !== undefined) parseSince(values.since, config.tz);
    const { runBooksBackfill } = await import('../books/books-backfill-command.js');
    return runBooksBackfill(source, values.since ?? null, config, io);
  }
  if (source !== 'stripe') throw new UsageError(`unknown backfill source "${source}"; known sources: ${BACKFILL_SOURCES.join(', ')}`);
  if (extra.length > 0) throw new UsageError(`backfill stripe takes no other arguments; got ${extra.join(' ')}`);
  const since = values.since === undefined ? null : parseSince(values.since, config.tz);
  const apiKey = config.stripe.apiKey;
  if (!io.stripe && !apiKey) throw new ValidationError('STRIPE_API_KEY is not set: backfill stripe needs a Stripe secret or restricted key (sk_… or rk_…)');

  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  // stdout carries the summary alone, so logs go to stderr.
  const log = childLogger(io.log ?? createLogger({ level: config.logLevel, destination: pino.destination({ dest: 2, sync: true }) }), 'stripe');
  const stripe = io.stripe ?? createStripeClient(apiKey!, config.stripe.apiUrl, { timeoutMs: LIST_TIMEOUT_MS, retries: LIST_RETRIES });
  const database = io.database ?? (await openDatabase(config.database));
  const bar = stderr.isTTY
    ? new cliProgress.SingleBar(
        { stream: stderr, format: 'stripe backfill | {pages} pages | {invoices} invoices | {recorded} recorded, {alreadyPresent} already present, {skipped} skipped', hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  try {
    await migrateToLatest(database.db);
    const result = await backfillStripe({
      db: database.db,
      stripe,
      since,
      celebration: celebrationSettings(config),
      log,
      ...(io.clock ? { clock: io.clock } : {}),
      onStart(start) {
        const notice = describeStart(start, since);
        if (notice) stderr.write(`${notice}\n`);
        // The total is unknown (Stripe does not count a list), so the bar shows counts only.
        bar?.start(0, 0, barPayload(start.mode === 'resumed' ? start.done : null));
      },
      onPage(progress: BackfillProgress) {
        bar?.update(progress.total.invoices, barPayload(progress.total));
      },
    });
    bar?.stop();
    stdout.write(summary(result.total, result.run, result.start, since));
    return 0;
  } catch (error) {
    bar?.stop();
    if (!(error instanceof StripeBackfillError)) throw error;
    const kept = error.progress.total;
    const resume = kept.pages > 0 ? `; ${kept.invoices} invoices done so far are kept, run it again to continue` : '';
    stderr.write(`appreciation-bot: stripe backfill stopped: ${error.message}${resume}\n`);
    return 1;
  } finally {
    if (!io.database) await database.close();
  }
}

/** Midnight of that date in TZ: "since 1 March" means the operator's 1 March. */
export function parseSince(text: string, tz: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const days = daysFromCivil(year, month, day);
    const back = civilFromDays(days);
    // Round-tripping rejects dates such as 2025-02-30 that daysFromCivil would quietly roll over.
    if (back.year === year && back.month === month && back.day === day) return new Date(instantOf(days * DAY_MS, tz));
  }
  throw new UsageError(`--since must be a date as YYYY-MM-DD, e.g. 2024-01-01; got "${text}"`);
}

function describeStart(start: BackfillStart, since: Date | null): string | null {
  switch (start.mode) {
    case 'fresh':
      return null;
    case 'resumed':
      return `resuming the stripe backfill started ${start.startedAt.toISOString()}: ${start.done.invoices} invoices were done, continuing after ${start.afterInvoiceId}`;
    case 'restarted':
      return start.reason === 'since-changed'
        ? `starting over: the unfinished stripe backfill was for --since ${sinceLabel(start.previousSince)}, this one is for --since ${sinceLabel(since)} (what it recorded stays recorded)`
        : `starting over: Stripe no longer lists invoice ${start.afterInvoiceId}, where the unfinished backfill stopped (what it recorded stays recorded)`;
  }
}

const sinceLabel = (since: Date | null): string => (since ? since.toISOString() : '(everything)');

function barPayload(counts: BackfillCounts | null): Record<string, number> {
  const c = counts ?? { pages: 0, invoices: 0, recorded: 0, alreadyPresent: 0, skipped: 0, accountsCreated: 0 };
  return { pages: c.pages, invoices: c.invoices, recorded: c.recorded, alreadyPresent: c.alreadyPresent, skipped: c.skipped };
}

function summary(total: BackfillCounts, run: BackfillCounts, start: BackfillStart, since: Date | null): string {
  const rows: Array<[string, number]> = [
    ['invoices seen', total.invoices],
    ['payments recorded', total.recorded],
    ['already present', total.alreadyPresent],
    ['skipped', total.skipped],
    ['accounts created', total.accountsCreated],
  ];
  const lines = [`stripe backfill done${since ? ` (invoices created since ${since.toISOString()})` : ''}`];
  for (const [label, n] of rows) lines.push(`  ${label.padEnd(18)} ${String(n).padStart(8)}`);
  if (start.mode === 'resumed') lines.push(`  (resumed: this run saw ${run.invoices} of them; an earlier run did the rest)`);
  return `${lines.join('\n')}\n`;
}
