import type { Kysely } from 'kysely';
import type { CelebrationSettings } from '../celebrate/record-payment.js';
import { systemClock, type Clock } from '../clock.js';
import { isConnectionError } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { ValidationError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { describeKind, layoutFromHeader } from './csv-kinds.js';
import { CsvSyntaxError, openCsvFile } from './csv-records.js';
import { cellsOf, validateRow, type ImportRow, type RowCheck } from './csv-rows.js';
import { storeContext, storeRow, type StoreOutcome } from './csv-store.js';
import { addRefusal, emptyReport, type ImportReport } from './import-report.js';

/**
 * `appreciation-bot import <file>` against a database: stream the file, validate each row, and
 * write valid rows in transactions of a few hundred. A committed batch stays committed, and
 * re-running the file is safe: every row already there is skipped.
 */

export interface ImportProgress {
  /** `totalBytes`: the file's size; progress is measured in bytes because the row count is unknown until the end. */
  start(totalBytes: number): void;
  update(bytesDone: number, rowsDone: number): void;
  stop(): void;
}

export const noProgress: ImportProgress = { start() {}, update() {}, stop() {} };

export interface ImportOptions {
  clock?: Clock;
  log?: Logger;
  /** Rows per transaction. */
  batchSize?: number;
}

interface PendingRow {
  line: number;
  check: RowCheck<ImportRow>;
}

interface BatchResult {
  line: number;
  result: StoreOutcome;
}

export async function importCsv(
  db: Kysely<Database>,
  path: string,
  settings: CelebrationSettings,
  progress: ImportProgress = noProgress,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? silentLogger();
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const file = await openCsvFile(path);
  try {
    const records = file.records();
    const header = await records.next();
    if (header.done) throw new ValidationError(`${file.name} is empty; expected a header row such as ${describeKind('accounts')}`);
    const layout = layoutFromHeader(header.value.fields, file.name);
    const report = emptyReport(file.name, layout.kind);
    const now = clock.now();
    // One line per stored row would drown the report; per-row logs show only when asked for (debug).
    const rowLog = log.isLevelEnabled('info') && !log.isLevelEnabled('debug') ? log.child({}, { level: 'warn' }) : log;

    progress.start(file.size);
    try {
      let batch: PendingRow[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        tally(report, await storeBatch(db, batch, now, rowLog, settings));
        batch = [];
        progress.update(file.bytesParsed(), report.rows);
      };
      try {
        for await (const record of records) {
          report.rows += 1;
          const cells = cellsOf(layout, record.fields);
          batch.push({ line: record.line, check: cells.ok ? validateRow(layout.kind, cells.value, now) : cells });
          if (batch.length >= batchSize) await flush();
        }
      } catch (error) {
        if (!(error instanceof CsvSyntaxError)) throw error;
        await flush();
        addRefusal(report, error.line, `malformed CSV: ${error.message}; this row and the rest of the file were not read`);
      }
      await flush();
    } finally {
      progress.stop();
    }
    log.info({ file: report.file, kind: report.kind, rows: report.rows, imported: report.imported, skipped: report.skipped, refused: report.refused }, 'csv import finished');
    return report;
  } finally {
    await file.close();
  }
}

/**
 * One transaction for the batch. Validation has already refused what it can, so a database error
 * here is rare (a concurrent webhook creating the same account, say); it rolls back the whole batch,
 * which is then stored row by row so only the row at fault is refused.
 */
async function storeBatch(db: Kysely<Database>, batch: PendingRow[], now: Date, log: Logger, settings: CelebrationSettings): Promise<BatchResult[]> {
  const run = (rows: PendingRow[]) =>
    db.transaction().execute(async (trx) => {
      const ctx = storeContext(now, log, settings);
      const results: BatchResult[] = [];
      for (const { line, check } of rows) {
        results.push({ line, result: check.ok ? await storeRow(trx, check.value, ctx) : { outcome: 'refused', reason: check.reason } });
      }
      return results;
    });
  try {
    return await run(batch);
  } catch (error) {
    if (isConnectionError(error)) throw error;
    log.warn({ err: error, firstLine: batch[0]?.line }, 'csv import batch failed; retrying row by row');
  }
  const results: BatchResult[] = [];
  for (const row of batch) {
    try {
      results.push(...(await run([row])));
    } catch (error) {
      if (isConnectionError(error)) throw error;
      results.push({ line: row.line, result: { outcome: 'refused', reason: `could not be stored: ${error instanceof Error ? error.message : String(error)}` } });
    }
  }
  return results;
}

function tally(report: ImportReport, results: BatchResult[]): void {
  for (const { line, result } of results) {
    switch (result.outcome) {
      case 'imported':
        report.imported += 1;
        break;
      case 'updated':
        report.imported += 1;
        report.updated += 1;
        break;
      case 'skipped':
        report.skipped += 1;
        break;
      case 'refused':
        addRefusal(report, line, result.reason);
        break;
    }
  }
}
