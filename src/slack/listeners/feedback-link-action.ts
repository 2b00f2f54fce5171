import type { App, BlockButtonAction } from '@slack/bolt';
import { MODAL_TITLE_MAX, plainText } from '../mrkdwn.js';
import { buildNotice } from '../views/command-answers.js';
import { FEEDBACK_LINK_ACTION, parseFeedbackLinkValue } from '../views/feedback-link-button.js';
import { ACCOUNT_GONE } from './account-gone.js';
import { feedbackLinkAnswer } from './feedback-link-answer.js';
import type { ListenerDeps } from './listener-deps.js';

/**
 * `feedback.link` (on a logged touchpoint's confirmation, or a "which one?" choice) answers with
 * the link, as `/feedback` does: in the modal when the button is in one, else to the clicker alone.
 */
export function registerFeedbackLinkAction(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(FEEDBACK_LINK_ACTION, async ({ ack, body, action, client, respond }) => {
    await ack();
    const accountId = parseFeedbackLinkValue(action.value);
    const user = { id: body.user.id, name: body.user.name ?? null };
    const answer = accountId === null ? buildNotice(ACCOUNT_GONE) : await feedbackLinkAnswer(deps, accountId, user);
    if (body.view) {
      await client.views.update({
        view_id: body.view.id,
        view: { type: 'modal', title: plainText('Feedback link', MODAL_TITLE_MAX), close: plainText('Done', MODAL_TITLE_MAX), blocks: answer.blocks },
      });
      return;
    }
    await respond({ response_type: 'ephemeral', replace_original: false, text: answer.text, blocks: answer.blocks });
  });
}
