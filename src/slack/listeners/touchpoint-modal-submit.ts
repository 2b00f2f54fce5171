import type { App } from '@slack/bolt';
import { findAccount } from '../../accounts/account-queries.js';
import { findOrCreateOwner } from '../../accounts/owner-queries.js';
import { instantForLocalDate, isoLocalDate } from '../../domain/zoned-time.js';
import { childLogger } from '../../log.js';
import { recordTouchpoint } from '../../touchpoints/record-touchpoint.js';
import { escapeAndTruncate, plainText } from '../mrkdwn.js';
import { feedbackLinkButton } from '../views/feedback-link-button.js';
import { readTouchpointModal } from '../views/modal-state.js';
import { BLOCK, kindLabel, parseModalMetadata, TOUCHPOINT_MODAL_CALLBACK } from '../views/touchpoint-modal.js';
import { answerNudgeWithTouchpoint } from '../../nudge/nudge-answers.js';
import type { ListenerDeps } from './listener-deps.js';

/**
 * A submitted touchpoint modal becomes an outbound touchpoint by the rep who submitted it. The
 * modal's view id makes it idempotent: Slack retrying the submission records nothing twice.
 */
export function registerTouchpointModalSubmit(app: App, deps: ListenerDeps): void {
  app.view(TOUCHPOINT_MODAL_CALLBACK, async ({ ack, body, view }) => {
    const now = deps.clock.now();
    const today = isoLocalDate(now, deps.tz);
    const metadata = parseModalMetadata(view.private_metadata);
    const submission = readTouchpointModal(view.state.values as never, today, { accountPicked: (metadata?.accountId ?? null) === null });
    if (!submission.ok) {
      await ack({ response_action: 'errors', errors: submission.errors });
      return;
    }
    const accountId = metadata?.accountId ?? submission.accountId;
    const account = accountId === null ? null : await findAccount(deps.db, accountId);
    if (!account) {
      await ack({ response_action: 'errors', errors: { [BLOCK.account]: 'Pick an account from the list.' } });
      return;
    }
    const log = childLogger(deps.log, 'slack', { viewId: view.id, accountId: account.id, userId: body.user.id });
    await deps.db.transaction().execute(async (trx) => {
      const rep = await findOrCreateOwner(trx, { slackUserId: body.user.id, displayName: body.user.name ?? null }, now);
      const touchpoint = await recordTouchpoint(
        trx,
        {
          accountId: account.id,
          source: 'slack',
          externalId: `modal:${view.id}`,
          kind: submission.kind,
          direction: 'outbound',
          occurredAt: instantForLocalDate(submission.date, now, deps.tz),
          note: submission.note,
          byOwnerId: rep?.id ?? null,
          byLabel: body.user.name ?? body.user.id,
        },
        { now, log },
      );
      if (touchpoint && metadata?.purpose.kind === 'nudge') {
        await answerNudgeWithTouchpoint(trx, { nudgeId: metadata.purpose.nudgeId, slackUserId: body.user.id, kind: submission.kind, now, tz: deps.tz });
      }
    });
    deps.afterCommit();
    await ack({
      response_action: 'update',
      view: {
        type: 'modal',
        title: plainText('Logged', 24),
        close: plainText('Done', 24),
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `✅ ${kindLabel(submission.kind)} for *${escapeAndTruncate(account.name, 2000)}* is logged. Thank you!` } },
          ...(deps.feedback !== null ? [feedbackLinkButton(account.id)] : []),
        ],
      },
    });
  });
}
