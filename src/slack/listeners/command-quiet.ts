import type { App } from '@slack/bolt';
import { accountsOwnedBy, ownsAnyAccount } from '../../accounts/account-overview-queries.js';
import { rankQuietAccounts } from '../../accounts/quiet-ranking.js';
import { buildQuietList } from '../views/quiet-list.js';
import type { EphemeralAnswer } from '../views/command-answers.js';
import { answerCommand } from './command-answer.js';
import type { ListenerDeps } from './listener-deps.js';

/** `/quiet`: the caller's quiet accounts, quietest first, each a click away from logging a touchpoint. */
export function registerQuietCommand(app: App, deps: ListenerDeps): void {
  app.command('/quiet', async ({ command, ack, respond }) => {
    await answerCommand({ ack, respond }, () => quietAnswer(deps, command.user_id));
  });
}

async function quietAnswer(deps: ListenerDeps, slackUserId: string): Promise<EphemeralAnswer> {
  const now = deps.clock.now();
  // ListenerDeps carries no tier thresholds yet (QUIET_AFTER_DAYS_BY_TIER): tiers fall through to cadence and default.
  const owned = await accountsOwnedBy(deps.db, slackUserId, now, { tierDays: deps.quietAfterDaysByTier, defaultDays: deps.quietAfterDays });
  const accounts = rankQuietAccounts(owned, { now, tz: deps.tz });
  // Churned or snoozed accounts are not in `owned`, yet they make "nothing quiet" the right answer.
  const ownsAny = owned.length > 0 || (await ownsAnyAccount(deps.db, slackUserId));
  return buildQuietList({ accounts, ownsAny, now, tz: deps.tz });
}
