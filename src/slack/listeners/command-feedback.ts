import type { App } from '@slack/bolt';
import { resolveAccountName } from '../../accounts/account-search.js';
import { FEEDBACK_OFF } from '../../feedback/feedback-links.js';
import { decodeSlackText } from '../../touchpoints/touchpoint-command.js';
import { buildNoAccountMatch, buildNotice, type EphemeralAnswer } from '../views/command-answers.js';
import { buildFeedbackChoices, FEEDBACK_USAGE } from '../views/feedback-link.js';
import { answerCommand } from './command-answer.js';
import { feedbackLinkAnswer } from './feedback-link-answer.js';
import type { ListenerDeps } from './listener-deps.js';

/** `/feedback acme`: the caller's personal feedback link for Acme and a sentence for the email (ephemeral). */
export function registerFeedbackCommand(app: App, deps: ListenerDeps): void {
  app.command('/feedback', async ({ command, ack, respond }) => {
    await answerCommand({ ack, respond }, () => feedbackAnswer(deps, command.text, { id: command.user_id, name: command.user_name || null }));
  });
}

async function feedbackAnswer(deps: ListenerDeps, text: string, user: { id: string; name: string | null }): Promise<EphemeralAnswer> {
  if (deps.feedback === null) return buildNotice(FEEDBACK_OFF);
  const name = decodeSlackText(text).trim();
  if (name === '') return buildNotice(`Say which account. ${FEEDBACK_USAGE}`);
  const resolution = await resolveAccountName(deps.db, name);
  switch (resolution.kind) {
    case 'found':
      return feedbackLinkAnswer(deps, resolution.account.id, user);
    case 'ambiguous':
      return buildFeedbackChoices({ typed: name, choices: resolution.choices, more: resolution.more });
    case 'none':
      return buildNoAccountMatch({ typed: name, suggestions: resolution.suggestions, usage: FEEDBACK_USAGE });
  }
}
