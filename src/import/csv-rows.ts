import { z } from 'zod';
import type { AccountStatus, TouchpointDirection, TouchpointKind } from '../db/schema.js';
import { ValidationError } from '../errors.js';
import { genericAccountSchema, genericPaymentSchema, normaliseGenericPayment } from '../ingest/generic-payments.js';
import { sharedFields } from '../ingest/crm-events.js';
import { CSV_KINDS, type CsvKind, type CsvLayout } from './csv-kinds.js';

/**
 * One CSV row → one validated record, or the reason it is refused, naming the column. Pure: the
 * database decides only what validation cannot (does the account exist, is the row already there).
 * Payments go through the generic webhook's own schema and money rules, so a payment the import
 * accepts is exactly one the webhook would.
 */

export type RowCheck<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Cell values by column name, trimmed; a blank cell is absent. */
export type Cells = Readonly<Partial<Record<string, string>>>;

export interface AccountRow {
  kind: 'accounts';
  externalId: string;
  name: string;
  ownerEmail: string | null;
  ownerSlackId: string | null;
  // Undefined means "not given": a blank cell never erases what the account already has.
  tier: string | undefined;
  quietAfterDays: number | undefined;
  status: AccountStatus | undefined;
}

export interface PaymentRow {
  kind: 'payments';
  id: string;
  accountExternalId: string;
  amountMinor: number;
  currency: string;
  paidAt: Date;
  memo: string | null;
}

export interface TouchpointRow {
  kind: 'touchpoints';
  id: string;
  accountExternalId: string;
  touchpointKind: TouchpointKind;
  direction: TouchpointDirection;
  occurredAt: Date;
  note: string | null;
  byEmail: string | null;
}

export type ImportRow = AccountRow | PaymentRow | TouchpointRow;

/** Lays a record's fields out by column; a row with more or fewer fields than the header is misaligned, not guessable. */
export function cellsOf(layout: CsvLayout, fields: readonly string[]): RowCheck<Cells> {
  if (fields.length !== layout.columns.length) {
    return { ok: false, reason: `has ${fields.length} field${fields.length === 1 ? '' : 's'}; the header has ${layout.columns.length} columns` };
  }
  const cells: Record<string, string> = {};
  for (const [index, column] of layout.columns.entries()) {
    const value = (fields[index] ?? '').trim();
    // The decoder turns bytes that are not UTF-8 into U+FFFD; storing them would lose the text for good.
    if (value.includes('\uFFFD')) return { ok: false, reason: `${column}: is not valid UTF-8; save the file as UTF-8` };
    if (value !== '') cells[column] = value;
  }
  return { ok: true, value: cells };
}

export function validateRow(kind: CsvKind, cells: Cells, now: Date): RowCheck<ImportRow> {
  const empty = CSV_KINDS[kind].required.find((column) => cells[column] === undefined);
  if (empty !== undefined) return { ok: false, reason: `${empty}: is empty` };
  switch (kind) {
    case 'accounts':
      return validateAccount(cells);
    case 'payments':
      return validatePayment(cells, now);
    case 'touchpoints':
      return validateTouchpoint(cells, now);
  }
}

const accountSchema = genericAccountSchema.extend({
  tier: z.string().max(100, 'must be at most 100 characters').optional(),
  quiet_after_days: z
    .string()
    .regex(/^\d+$/, 'must be a whole number of days, e.g. 30')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(3650, 'must be at most 3650'))
    .optional(),
  status: sharedFields.status,
});

function validateAccount(cells: Cells): RowCheck<AccountRow> {
  const parsed = accountSchema.safeParse(cells);
  if (!parsed.success) return { ok: false, reason: describeIssue(parsed.error, cells) };
  const a = parsed.data;
  return {
    ok: true,
    value: {
      kind: 'accounts',
      externalId: a.external_id,
      name: a.name,
      ownerEmail: a.owner_email?.toLowerCase() ?? null,
      ownerSlackId: a.owner_slack_id ?? null,
      tier: a.tier,
      quietAfterDays: a.quiet_after_days,
      status: a.status,
    },
  };
}

function validatePayment(cells: Cells, now: Date): RowCheck<PaymentRow> {
  const externalId = cells.account_external_id ?? '';
  // The webhook's schema wants the whole account; a CSV payment names it only, so the id stands in
  // for the name (never stored: the account must already exist).
  const candidate = {
    id: cells.id,
    account: { external_id: externalId, name: externalId },
    amount: cells.amount,
    currency: cells.currency,
    paid_at: cells.paid_at,
    memo: cells.memo,
  };
  const parsed = genericPaymentSchema.safeParse(candidate);
  if (!parsed.success) return { ok: false, reason: describeIssue(parsed.error, cells) };
  try {
    const p = normaliseGenericPayment(parsed.data, now);
    return {
      ok: true,
      value: { kind: 'payments', id: p.id, accountExternalId: p.account.externalId, amountMinor: p.amountMinor, currency: p.currency, paidAt: p.paidAt, memo: p.memo },
    };
  } catch (error) {
    // Its messages already start with the field, and the fields are named as the CSV columns.
    if (error instanceof ValidationError) return { ok: false, reason: error.message };
    throw error;
  }
}

const touchpointSchema = z.object({
  id: genericPaymentSchema.shape.id,
  account_external_id: genericAccountSchema.shape.external_id,
  kind: sharedFields.kind,
  direction: sharedFields.direction,
  occurred_at: genericPaymentSchema.shape.paid_at,
  note: z.string().max(10_000, 'must be at most 10000 characters').optional(),
  by_email: z.email('must be an email address').max(320).optional(),
});

function validateTouchpoint(cells: Cells, now: Date): RowCheck<TouchpointRow> {
  const parsed = touchpointSchema.safeParse(cells);
  if (!parsed.success) return { ok: false, reason: describeIssue(parsed.error, cells) };
  const t = parsed.data;
  const occurredAt = new Date(t.occurred_at);
  // The same allowance as payments: clocks and zones disagree a little, never by more than a day.
  if (occurredAt.getTime() > now.getTime() + 24 * 3_600_000) return { ok: false, reason: 'occurred_at: is more than a day in the future' };
  return {
    ok: true,
    value: {
      kind: 'touchpoints',
      id: t.id,
      accountExternalId: t.account_external_id,
      touchpointKind: t.kind,
      direction: t.direction,
      occurredAt,
      note: t.note ?? null,
      byEmail: t.by_email?.toLowerCase() ?? null,
    },
  };
}

/** The webhook's schema nests the account; the CSV has it as a flat column. */
const COLUMN_FOR_PATH: Readonly<Record<string, string>> = { 'account.external_id': 'account_external_id', 'account.name': 'account_external_id' };

/** The first problem as `column: message (got "value")`: the value is what a person searches the sheet for. */
function describeIssue(error: z.ZodError, cells: Cells): string {
  const issue = error.issues[0];
  if (!issue) return 'is not a valid row';
  const path = issue.path.map(String).join('.');
  const column = COLUMN_FOR_PATH[path] ?? path;
  const value = cells[column];
  // JSON quoting keeps a multi-line cell on the report's one line.
  const shown = value === undefined ? '' : ` (got ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return column ? `${column}: ${issue.message}${shown}` : `${issue.message}${shown}`;
}
