import type { App, BlockButtonAction } from '@slack/bolt';
import { findAccount } from '../../accounts/account-queries.js';
import { CELEBRATION_THANK_ACTION, parseThankValue } from '../../celebrate/celebration-message.js';
import { accountGoneReply } from './account-gone.js';
import type { ListenerDeps } from './listener-deps.js';
import { openTouchpointModal } from './open-touchpoint-modal.js';

/** "Say thanks" on a celebration opens the log-a-touchpoint modal for that account, gift preselected. */
export function registerCelebrationThank(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(CELEBRATION_THANK_ACTION, async ({ ack, body, action, client, respond }) => {
    await ack();
    const target = parseThankValue(action.value ?? '');
    const account = target ? await findAccount(deps.db, target.accountId) : null;
    if (!target || !account) {
      await respond(accountGoneReply());
      return;
    }
    await openTouchpointModal(client, body.trigger_id, { account, purpose: { kind: 'thanks', paymentId: target.paymentId }, defaultKind: 'gift', userId: body.user.id }, deps);
  });
}
