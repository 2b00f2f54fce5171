import { TOUCHPOINT_KINDS, type TouchpointKind } from '../../db/schema.js';
import { ACTION, BLOCK } from './touchpoint-modal.js';

/** What a submitted touchpoint modal says, or the per-field errors Slack shows next to the inputs. */
export type ModalSubmission =
  | { ok: true; accountId: number | null; kind: TouchpointKind; date: string; note: string | null }
  | { ok: false; errors: Record<string, string> };

type StateValues = Record<string, Record<string, { type?: string; value?: string | null; selected_date?: string | null; selected_option?: { value?: string } | null }>>;

/**
 * `accountPicked`: the modal was opened without an account (plain `/touchpoint`), so its picker is
 * required; every missing or wrong field is named at once, next to its input.
 */
export function readTouchpointModal(values: StateValues, today: string, options: { accountPicked: boolean }): ModalSubmission {
  const errors: Record<string, string> = {};
  const accountValue = values[BLOCK.account]?.[ACTION.account]?.selected_option?.value ?? null;
  const accountId = accountValue === null ? null : Number(accountValue);
  if (accountValue !== null ? !Number.isInteger(accountId) : options.accountPicked) errors[BLOCK.account] = 'Pick an account from the list.';
  const kind = values[BLOCK.kind]?.[ACTION.kind]?.selected_option?.value;
  if (!kind || !(TOUCHPOINT_KINDS as readonly string[]).includes(kind)) errors[BLOCK.kind] = 'Pick what it was.';
  const date = values[BLOCK.date]?.[ACTION.date]?.selected_date ?? null;
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) errors[BLOCK.date] = 'Pick a date.';
  else if (date > today) errors[BLOCK.date] = 'That date is in the future; log it once it has happened.';
  const note = values[BLOCK.note]?.[ACTION.note]?.value?.trim() || null;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, accountId, kind: kind as TouchpointKind, date: date!, note };
}
