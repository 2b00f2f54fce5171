import type { App, BlockStaticSelectAction } from '@slack/bolt';
import { childLogger } from '../../log.js';
import { snoozeNudge } from '../../nudge/snooze-nudge.js';
import { NUDGE_SNOOZE_ACTION, parseSnoozeValue } from '../views/nudge-actions.js';
import type { ListenerDeps } from './listener-deps.js';
import { refusalText } from './nudge-answer-reply.js';

/** "Snooze…" on a nudge: closes it, quiets the account for the chosen days, rewrites the message. */
export function registerNudgeSnooze(app: App, deps: ListenerDeps): void {
  app.action<BlockStaticSelectAction>(NUDGE_SNOOZE_ACTION, async ({ ack, action, body, respond }) => {
    await ack();
    const choice = parseSnoozeValue(action.selected_option?.value);
    if (choice === null) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: 'Pick 7, 14 or 30 days to snooze this account.' });
      return;
    }
    const now = deps.clock.now();
    const result = await deps.db.transaction().execute((trx) => snoozeNudge(trx, { ...choice, slackUserId: body.user.id, now, tz: deps.tz }));
    if (!result.ok) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: refusalText(result) });
      return;
    }
    deps.afterCommit();
    childLogger(deps.log, 'slack', { nudgeId: choice.nudgeId, userId: body.user.id }).info({ days: choice.days }, 'nudge snoozed');
  });
}
