import type { App, BlockButtonAction } from '@slack/bolt';
import { findAccount } from '../../accounts/account-queries.js';
import { findNudge } from '../../nudge/nudge-queries.js';
import { NUDGE_LOG_ACTION, parseNudgeValue } from '../views/nudge-actions.js';
import type { ListenerDeps } from './listener-deps.js';
import { openTouchpointModal } from './open-touchpoint-modal.js';

/**
 * "Log a touchpoint" on a nudge opens the touchpoint modal for its account; submitting it answers
 * the nudge (touchpoint-modal-submit.ts). A nudge closed meanwhile still lets the rep log what they did.
 */
export function registerNudgeLog(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(NUDGE_LOG_ACTION, async ({ ack, action, body, client, respond }) => {
    await ack();
    const nudgeId = parseNudgeValue(action.value);
    const nudge = nudgeId === null ? null : await findNudge(deps.db, nudgeId);
    const account = nudge === null ? null : await findAccount(deps.db, nudge.account_id);
    if (nudge === null || account === null) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: 'That nudge is no longer known to appreciation-bot; `/quiet` lists your quiet accounts.' });
      return;
    }
    await openTouchpointModal(client, body.trigger_id, { account, purpose: { kind: 'nudge', nudgeId: nudge.id }, defaultKind: 'call', userId: body.user.id }, deps);
  });
}
