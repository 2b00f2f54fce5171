import type { NudgeAnswerRefusal } from '../../nudge/snooze-nudge.js';
import { mention } from '../mrkdwn.js';

/** The ephemeral line a rep sees when their answer to a nudge changed nothing, and what to do instead. */
export function refusalText(refusal: NudgeAnswerRefusal): string {
  if (refusal.reason === 'unknown') return 'That nudge is no longer known to appreciation-bot; `/quiet` lists your quiet accounts.';
  const by = refusal.by === null ? '' : ` by ${mention(refusal.by)}`;
  switch (refusal.status) {
    case 'answered':
      return `That nudge was already answered${by}: a touchpoint was logged.`;
    case 'snoozed':
      return `That nudge was already snoozed${by}.`;
    case 'reassigned':
      return `That nudge was already handed over${by}.`;
    case 'expired':
      return 'That nudge expired: the account was touched since. Nothing to do.';
    case 'open':
      return 'That nudge could not be changed; try again.';
  }
}
