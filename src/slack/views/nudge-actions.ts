import type { ActionsBlock } from '@slack/types';
import { BUTTON_TEXT_MAX, plainText } from '../mrkdwn.js';

/**
 * The three answers to a nudge, shared by every message that carries them (the DM, an escalation)
 * and by the listeners that read them back. Ids come back in untrusted interaction payloads, so
 * each value has a fixed, JSON-free shape that is trivial to validate.
 */

export const NUDGE_LOG_ACTION = 'nudge.log';
export const NUDGE_SNOOZE_ACTION = 'nudge.snooze';
export const NUDGE_REASSIGN_ACTION = 'nudge.reassign';

/** The snooze choices of the contract: a week, two, a month. */
export const SNOOZE_DAYS = [7, 14, 30] as const;
export type SnoozeDays = (typeof SNOOZE_DAYS)[number];

const ID = /^(?:0|[1-9]\d{0,15})$/;

function assertId(id: number): void {
  if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`not a nudge id: ${id}`);
}

/** A button's value: the nudge id and nothing else. */
export function nudgeValue(nudgeId: number): string {
  assertId(nudgeId);
  return String(nudgeId);
}

export function parseNudgeValue(value: string | undefined): number | null {
  if (value === undefined || !ID.test(value)) return null;
  const id = Number(value);
  return Number.isSafeInteger(id) ? id : null;
}

/** A snooze option's value: the nudge id, then the days (a select option has one value for both). */
export function snoozeValue(nudgeId: number, days: SnoozeDays): string {
  return `${nudgeValue(nudgeId)}:${days}`;
}

export function parseSnoozeValue(value: string | undefined): { nudgeId: number; days: SnoozeDays } | null {
  const [id, days, ...rest] = (value ?? '').split(':');
  const nudgeId = parseNudgeValue(id);
  const chosen = SNOOZE_DAYS.find((d) => String(d) === days);
  if (nudgeId === null || chosen === undefined || rest.length > 0) return null;
  return { nudgeId, days: chosen };
}

/** A user select carries no value of its own: the nudge id rides in its block's id. */
export function nudgeBlockId(nudgeId: number): string {
  return `nudge:${nudgeValue(nudgeId)}`;
}

export function parseNudgeBlockId(blockId: string | undefined): number | null {
  if (blockId === undefined || !blockId.startsWith('nudge:')) return null;
  return parseNudgeValue(blockId.slice('nudge:'.length));
}

export function nudgeActionsBlock(nudgeId: number): ActionsBlock {
  return {
    type: 'actions',
    block_id: nudgeBlockId(nudgeId),
    elements: [
      { type: 'button', style: 'primary', action_id: NUDGE_LOG_ACTION, text: plainText('📝 Log a touchpoint', BUTTON_TEXT_MAX), value: nudgeValue(nudgeId) },
      {
        type: 'static_select',
        action_id: NUDGE_SNOOZE_ACTION,
        placeholder: plainText('😴 Snooze…', BUTTON_TEXT_MAX),
        options: SNOOZE_DAYS.map((days) => ({ text: plainText(`for ${days} days`, BUTTON_TEXT_MAX), value: snoozeValue(nudgeId, days) })),
      },
      { type: 'users_select', action_id: NUDGE_REASSIGN_ACTION, placeholder: plainText('🔀 Hand it to…', BUTTON_TEXT_MAX) },
    ],
  };
}
