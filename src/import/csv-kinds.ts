import { ValidationError } from '../errors.js';

/**
 * What a CSV file holds, told from its header row alone: no flag to get wrong, and a header
 * that fits no kind is refused before a single row is read.
 */

export type CsvKind = 'accounts' | 'payments' | 'touchpoints';

export interface KindColumns {
  required: readonly string[];
  optional: readonly string[];
}

export const CSV_KINDS: Readonly<Record<CsvKind, KindColumns>> = {
  accounts: { required: ['external_id', 'name'], optional: ['owner_email', 'owner_slack_id', 'tier', 'quiet_after_days', 'status'] },
  payments: { required: ['id', 'account_external_id', 'amount', 'currency', 'paid_at'], optional: ['memo'] },
  touchpoints: { required: ['id', 'account_external_id', 'kind', 'direction', 'occurred_at'], optional: ['note', 'by_email'] },
};

const KIND_NAMES = Object.keys(CSV_KINDS) as CsvKind[];

export interface CsvLayout {
  kind: CsvKind;
  /** Column names in file order, as the kind spells them. */
  columns: readonly string[];
}

export function knownColumns(kind: CsvKind): string[] {
  return [...CSV_KINDS[kind].required, ...CSV_KINDS[kind].optional];
}

/** `external_id,name[,owner_email]…`: the shape the usage messages show. */
export function describeKind(kind: CsvKind): string {
  const { required, optional } = CSV_KINDS[kind];
  return `${kind}: ${required.join(',')}${optional.map((c) => `[,${c}]`).join('')}`;
}

/**
 * Payments and touchpoints share `id` and `account_external_id`, so only the columns one kind
 * alone has can tell them apart; a header with a typo in one column still gets a message about
 * that column rather than "unrecognised file".
 */
function distinctiveColumns(kind: CsvKind): Set<string> {
  const others = KIND_NAMES.filter((k) => k !== kind).flatMap(knownColumns);
  return new Set(knownColumns(kind).filter((c) => !others.includes(c)));
}

const DISTINCTIVE = new Map(KIND_NAMES.map((k) => [k, distinctiveColumns(k)] as const));

/** Reads the kind and column order from a header row; throws ValidationError naming the column at fault. */
export function layoutFromHeader(header: readonly string[], fileName: string): CsvLayout {
  // Spreadsheets keep whatever case and padding a person typed; the names themselves are fixed.
  const columns = header.map((h) => h.trim().toLowerCase());
  const scores = KIND_NAMES.map((kind) => ({ kind, score: columns.filter((c) => DISTINCTIVE.get(kind)?.has(c)).length })).sort((a, b) => b.score - a.score);
  const [best, second] = scores;
  if (!best || best.score === 0 || (second && second.score === best.score)) {
    throw new ValidationError(
      `cannot tell what ${fileName} holds from its header (${columns.join(',') || 'empty'}); expected one of ${KIND_NAMES.map(describeKind).join('; ')}`,
    );
  }
  const kind = best.kind;
  const known = knownColumns(kind);
  const seen = new Set<string>();
  for (const [index, column] of columns.entries()) {
    if (column === '') throw new ValidationError(`column ${index + 1} of ${fileName} has no name; known ${kind} columns: ${known.join(', ')}`);
    if (!known.includes(column)) throw new ValidationError(`unknown column "${column}" in ${fileName}; known columns: ${known.join(', ')}`);
    if (seen.has(column)) throw new ValidationError(`column "${column}" appears twice in ${fileName}`);
    seen.add(column);
  }
  const missing = CSV_KINDS[kind].required.filter((c) => !seen.has(c));
  if (missing.length > 0) {
    throw new ValidationError(
      `missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')} in ${fileName}; ${kind} need ${CSV_KINDS[kind].required.join(', ')}`,
    );
  }
  return { kind, columns };
}
