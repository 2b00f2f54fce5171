import type { App, BlockButtonAction } from '@slack/bolt';
import { findAccount } from '../../accounts/account-queries.js';
import { childLogger } from '../../log.js';
import { logCommandTouchpoint } from '../../touchpoints/log-command-touchpoint.js';
import { buildTouchpointLogged, parsePickValue, TOUCHPOINT_PICK_ACTION } from '../views/command-answers.js';
import { accountGoneReply } from './account-gone.js';
import type { ListenerDeps } from './listener-deps.js';

/**
 * A button under "more than one account fits" logs the touchpoint the rep typed on the account
 * they picked, and replaces the question with the confirmation. One question gets one answer:
 * the touchpoint's id is the question's message, so a second click (or a Slack retry) on any of
 * its buttons records nothing more.
 */
export function registerTouchpointPick(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(TOUCHPOINT_PICK_ACTION, async ({ ack, body, action, respond }) => {
    await ack();
    const choice = parsePickValue(action.value ?? '');
    const account = choice ? await findAccount(deps.db, choice.accountId) : null;
    if (!choice || !account) {
      await respond(accountGoneReply());
      return;
    }
    const container = body.container as { channel_id?: string; message_ts?: string } | undefined;
    const question = container?.message_ts ? `${container.channel_id ?? ''}:${container.message_ts}` : body.trigger_id;
    const now = deps.clock.now();
    const recorded = await logCommandTouchpoint(
      deps.db,
      {
        accountId: account.id,
        kind: choice.kind,
        note: choice.note,
        slackUserId: body.user.id,
        userName: body.user.name ?? null,
        externalId: `pick:${question}`,
      },
      { now, log: childLogger(deps.log, 'slack', { action: TOUCHPOINT_PICK_ACTION, userId: body.user.id, accountId: account.id }) },
    );
    const answer = buildTouchpointLogged({ account, kind: choice.kind, note: choice.note, repeat: !recorded, offerFeedbackLink: deps.feedback !== null });
    await respond({ response_type: 'ephemeral', replace_original: true, text: answer.text, blocks: answer.blocks });
  });
}
