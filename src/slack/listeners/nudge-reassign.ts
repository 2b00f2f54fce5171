import type { App, BlockUsersSelectAction } from '@slack/bolt';
import { childLogger } from '../../log.js';
import { reassignNudge } from '../../nudge/reassign-nudge.js';
import { NUDGE_REASSIGN_ACTION, parseNudgeBlockId } from '../views/nudge-actions.js';
import type { ListenerDeps } from './listener-deps.js';
import { refusalText } from './nudge-answer-reply.js';

/** "Hand it to…" on a nudge: the picked person owns the account from now on and gets a nudge of their own. */
export function registerNudgeReassign(app: App, deps: ListenerDeps): void {
  app.action<BlockUsersSelectAction>(NUDGE_REASSIGN_ACTION, async ({ ack, action, body, respond }) => {
    await ack();
    const nudgeId = parseNudgeBlockId(action.block_id);
    const to = action.selected_user?.trim();
    if (nudgeId === null || !to) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: 'Pick the teammate who should take this account over.' });
      return;
    }
    const now = deps.clock.now();
    const result = await deps.db.transaction().execute((trx) => reassignNudge(trx, { nudgeId, toSlackUserId: to, bySlackUserId: body.user.id, now, tz: deps.tz }));
    if (!result.ok) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: refusalText(result) });
      return;
    }
    deps.afterCommit();
    childLogger(deps.log, 'slack', { nudgeId, userId: body.user.id }).info({ to, newNudgeId: result.newNudgeId }, 'nudge reassigned');
  });
}
