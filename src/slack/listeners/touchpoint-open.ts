import type { App, BlockButtonAction } from '@slack/bolt';
import { findAccount } from '../../accounts/account-queries.js';
import { TOUCHPOINT_OPEN_ACTION } from '../views/quiet-list.js';
import { accountGoneReply } from './account-gone.js';
import type { ListenerDeps } from './listener-deps.js';
import { openTouchpointModal } from './open-touchpoint-modal.js';

const ACCOUNT_ID = /^(0|[1-9]\d{0,15})$/;

/** "Log a touchpoint" on a `/quiet` line, an account card or the Home tab opens the modal for that account. */
export function registerTouchpointOpen(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(TOUCHPOINT_OPEN_ACTION, async ({ ack, body, action, client, respond }) => {
    await ack();
    const value = action.value ?? '';
    const account = ACCOUNT_ID.test(value) ? await findAccount(deps.db, Number(value)) : null;
    if (!account) {
      // A Home tab button has no response_url to answer through; the tab is republished when next opened.
      if ('response_url' in body && body.response_url) {
        await respond(accountGoneReply());
      }
      return;
    }
    await openTouchpointModal(client, body.trigger_id, { account, purpose: { kind: 'command' }, defaultKind: 'call', userId: body.user.id }, deps);
  });
}
