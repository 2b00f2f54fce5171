import type { App } from '@slack/bolt';
import type { ScoredCandidate } from '../../accounts/account-match.js';
import { searchAccounts } from '../../accounts/account-search.js';
import { plainText, singleLine } from '../mrkdwn.js';
import { ACCOUNT_PICKER_ACTION } from '../views/touchpoint-modal.js';
import { raceAckDeadline } from './ack-deadline.js';
import type { ListenerDeps } from './listener-deps.js';

/** Slack shows at most 100 options in an external select. */
export const MAX_OPTIONS = 100;
/** An answer after Slack's 3 s is thrown away; an empty list in time at least lets the rep type on. */
export const OPTIONS_DEADLINE_MS = 2_000;
const OPTION_TEXT_MAX = 75;

function optionText(c: ScoredCandidate): string {
  const name = singleLine(c.name) || `Account ${c.id}`;
  return c.status === 'churned' ? `${name} (churned)` : name;
}

/** The account picker of the log-a-touchpoint modal, searching as the rep types. */
export function registerAccountOptions(app: App, deps: ListenerDeps): void {
  app.options<'block_suggestion'>(ACCOUNT_PICKER_ACTION, async ({ ack, options }) => {
    const { first, settled } = await raceAckDeadline(() => searchAccounts(deps.db, options.value ?? '', MAX_OPTIONS), OPTIONS_DEADLINE_MS);
    if (first === 'late') {
      await ack({ options: [] });
      // Nobody awaits the search now: its outcome is only worth a log line.
      const outcome = await settled;
      if (outcome.ok) deps.log.warn({ queryLength: options.value?.length ?? 0 }, 'account search answered after the options deadline');
      else throw outcome.error;
      return;
    }
    if (!first.ok) {
      await ack({ options: [] });
      throw first.error;
    }
    await ack({ options: first.value.map((c) => ({ text: plainText(optionText(c), OPTION_TEXT_MAX), value: String(c.id) })) });
  });
}
