import type { App } from '@slack/bolt';
import { accountCard } from '../../accounts/account-overview-queries.js';
import { resolveAccountName } from '../../accounts/account-search.js';
import { decodeSlackText } from '../../touchpoints/touchpoint-command.js';
import { buildAccountCard } from '../views/account-card.js';
import { buildAccountChoices, buildNoAccountMatch, buildNotice, type EphemeralAnswer } from '../views/command-answers.js';
import { answerCommand } from './command-answer.js';
import type { ListenerDeps } from './listener-deps.js';

const USAGE = 'Usage: `/account <name>`, e.g. `/account acme`';

/** `/account acme` shows the account's card to the caller alone. */
export function registerAccountCommand(app: App, deps: ListenerDeps): void {
  app.command('/account', async ({ command, ack, respond }) => {
    await answerCommand({ ack, respond }, () => accountAnswer(deps, command.text));
  });
}

async function accountAnswer(deps: ListenerDeps, text: string): Promise<EphemeralAnswer> {
  const name = decodeSlackText(text).trim();
  if (name === '') return buildNotice(`Say which account. ${USAGE}`);
  const resolution = await resolveAccountName(deps.db, name);
  switch (resolution.kind) {
    case 'found': {
      const now = deps.clock.now();
      const card = await accountCard(deps.db, resolution.account.id, now);
      // Deleted between the search and the read: as good as never there.
      if (card === null) return buildNoAccountMatch({ typed: name, suggestions: [], usage: USAGE });
      return buildAccountCard({ card, now, tz: deps.tz });
    }
    case 'ambiguous':
      return buildAccountChoices({ typed: name, choices: resolution.choices, more: resolution.more });
    case 'none':
      return buildNoAccountMatch({ typed: name, suggestions: resolution.suggestions, usage: USAGE });
  }
}
