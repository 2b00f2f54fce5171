import type { CsvKind } from './csv-kinds.js';

/** What an import did, row by row in totals, and why each refused row was refused. */

export interface RefusedRow {
  line: number;
  reason: string;
}

export interface ImportReport {
  /** The file's base name. */
  file: string;
  kind: CsvKind;
  /** Data rows read (blank lines not counted). */
  rows: number;
  /** Rows written: new records, and existing accounts whose fields changed (also counted in `updated`). */
  imported: number;
  /** Of `imported`, accounts that existed and were brought up to date. */
  updated: number;
  /** Rows whose record was already there (and, for accounts, already had these fields). */
  skipped: number;
  refused: number;
  /** The first refusals in line order; `refused` counts them all. */
  refusals: RefusedRow[];
}

/** Enough for any listing while keeping a file of a million bad rows from filling memory. */
export const KEPT_REFUSALS = 1000;

export function emptyReport(file: string, kind: CsvKind): ImportReport {
  return { file, kind, rows: 0, imported: 0, updated: 0, skipped: 0, refused: 0, refusals: [] };
}

export function addRefusal(report: ImportReport, line: number, reason: string): void {
  report.refused += 1;
  if (report.refusals.length < KEPT_REFUSALS) report.refusals.push({ line, reason });
}

/**
 * The report on stdout, one fact per line so scripts can grep it:
 *
 *   payments.csv: payments
 *   imported: 3
 *   skipped (already present): 1
 *   refused: 2
 *   line 4: currency: "XYZ" is not an ISO 4217 currency code
 *   line 9: account_external_id: no account "acme-9"; import it in an accounts file first
 */
export function formatReport(report: ImportReport, maxListed = 50): string {
  const accounts = report.kind === 'accounts';
  const lines = [
    `${report.file}: ${report.kind}`,
    `imported: ${report.imported}${accounts && report.updated > 0 ? ` (${report.updated} of them updated existing accounts)` : ''}`,
    `skipped (already present${accounts ? ', unchanged' : ''}): ${report.skipped}`,
    `refused: ${report.refused}`,
  ];
  const listed = report.refusals.slice(0, maxListed);
  for (const { line, reason } of listed) lines.push(`line ${line}: ${reason}`);
  if (report.refused > listed.length) lines.push(`…and ${report.refused - listed.length} more`);
  return `${lines.join('\n')}\n`;
}

/** Non-zero when anything was refused, so a script running imports notices. */
export function exitStatus(report: ImportReport): number {
  return report.refused === 0 ? 0 : 1;
}
