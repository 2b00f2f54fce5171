import type { KnownBlock, View } from '@slack/types';
import { TOUCHPOINT_KINDS, type TouchpointKind } from '../../db/schema.js';
import { escapeAndTruncate, plainText, SECTION_TEXT_MAX } from '../mrkdwn.js';

/**
 * The one modal for logging a touchpoint, whoever opens it: the thank-you button on a celebration,
 * a nudge's "Log a touchpoint", or `/touchpoint` with no text (which adds an account picker).
 */

export const TOUCHPOINT_MODAL_CALLBACK = 'touchpoint.log';
export const ACCOUNT_PICKER_ACTION = 'touchpoint.account';
/** A "Log a touchpoint" button for one account (value: the account id), on /quiet and the Home tab. */
export const TOUCHPOINT_OPEN_ACTION = 'touchpoint.open';

export const BLOCK = { account: 'account', kind: 'kind', date: 'date', note: 'note' } as const;
export const ACTION = { account: ACCOUNT_PICKER_ACTION, kind: 'kind', date: 'date', note: 'note' } as const;

export type ModalPurpose = { kind: 'thanks'; paymentId: number } | { kind: 'nudge'; nudgeId: number } | { kind: 'command' };

/** Carried in private_metadata: which account (unless picked in the modal) and why it was opened. */
export interface ModalMetadata {
  accountId: number | null;
  purpose: ModalPurpose;
}

const KIND_LABELS: Record<TouchpointKind, string> = {
  call: '📞 Call',
  email: '✉️ Email',
  meeting: '🤝 Meeting',
  visit: '🚪 Visit',
  gift: '🎁 Gift',
  note: '📝 Thank-you note',
  feedback: '💬 Asked for feedback',
};

export function kindLabel(kind: TouchpointKind): string {
  return KIND_LABELS[kind];
}

export function buildTouchpointModal(input: {
  account: { id: number; name: string } | null;
  purpose: ModalPurpose;
  defaultKind: TouchpointKind;
  /** YYYY-MM-DD in the team's time zone. */
  today: string;
}): View {
  const metadata: ModalMetadata = { accountId: input.account?.id ?? null, purpose: input.purpose };
  const option = (kind: TouchpointKind) => ({ text: plainText(KIND_LABELS[kind], 75), value: kind });
  const blocks: KnownBlock[] = [];
  if (input.account) {
    const intro = input.purpose.kind === 'thanks' ? 'How did you thank' : 'What did you do for';
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `${intro} *${escapeAndTruncate(input.account.name, SECTION_TEXT_MAX - 60)}*?` } });
  } else {
    blocks.push({
      type: 'input',
      block_id: BLOCK.account,
      label: plainText('Account', 2000),
      element: { type: 'external_select', action_id: ACTION.account, placeholder: plainText('Start typing a name', 150), min_query_length: 1 },
    });
  }
  blocks.push(
    {
      type: 'input',
      block_id: BLOCK.kind,
      label: plainText('What was it?', 2000),
      element: { type: 'static_select', action_id: ACTION.kind, options: TOUCHPOINT_KINDS.map(option), initial_option: option(input.defaultKind) },
    },
    {
      type: 'input',
      block_id: BLOCK.date,
      label: plainText('When', 2000),
      element: { type: 'datepicker', action_id: ACTION.date, initial_date: input.today },
    },
    {
      type: 'input',
      block_id: BLOCK.note,
      optional: true,
      label: plainText('Note', 2000),
      element: { type: 'plain_text_input', action_id: ACTION.note, multiline: true, max_length: 2000, placeholder: plainText('Caught up on the renewal, sent flowers…', 150) },
    },
  );
  return {
    type: 'modal',
    callback_id: TOUCHPOINT_MODAL_CALLBACK,
    private_metadata: JSON.stringify(metadata),
    title: plainText(input.purpose.kind === 'thanks' ? 'Say thanks' : 'Log a touchpoint', 24),
    submit: plainText('Log it', 24),
    close: plainText('Cancel', 24),
    blocks,
  };
}

export function parseModalMetadata(raw: string | undefined): ModalMetadata | null {
  try {
    const value = JSON.parse(raw ?? '') as ModalMetadata;
    if (typeof value !== 'object' || value === null || typeof value.purpose?.kind !== 'string') return null;
    return value;
  } catch {
    return null;
  }
}
