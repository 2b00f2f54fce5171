import type { App, BlockButtonAction } from '@slack/bolt';
import { findAccount } from '../../accounts/account-queries.js';
import { isoLocalDate } from '../../domain/zoned-time.js';
import { TOUCHPOINT_OPEN_ACTION } from '../views/quiet-list.js';
import { buildTouchpointModal } from '../views/touchpoint-modal.js';
import type { ListenerDeps } from './listener-deps.js';

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
        await respond({ response_type: 'ephemeral', replace_original: false, text: 'That account is no longer known to appreciation-bot.' });
      }
      return;
    }
    await client.views.open({
      trigger_id: body.trigger_id,
      view: buildTouchpointModal({
        account: { id: account.id, name: account.name },
        purpose: { kind: 'command' },
        defaultKind: 'call',
        today: isoLocalDate(deps.clock.now(), deps.tz),
      }),
    });
  });
}
