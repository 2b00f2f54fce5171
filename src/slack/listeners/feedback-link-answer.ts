import { findAccount } from '../../accounts/account-queries.js';
import { findOrCreateOwner } from '../../accounts/owner-queries.js';
import { FEEDBACK_OFF, makeFeedbackLink } from '../../feedback/feedback-links.js';
import { childLogger } from '../../log.js';
import { buildNotice, type EphemeralAnswer } from '../views/command-answers.js';
import { buildFeedbackLinkAnswer } from '../views/feedback-link.js';
import { ACCOUNT_GONE } from './account-gone.js';
import type { ListenerDeps } from './listener-deps.js';

/**
 * The personal link for an account, credited to the rep who asked for it (an owner row on first
 * sight, as when they log a touchpoint). Nothing else is written: the link carries what it needs.
 */
export async function feedbackLinkAnswer(deps: ListenerDeps, accountId: number, user: { id: string; name: string | null }): Promise<EphemeralAnswer> {
  if (deps.feedback === null) return buildNotice(FEEDBACK_OFF);
  const account = await findAccount(deps.db, accountId);
  if (account === null) return buildNotice(ACCOUNT_GONE);
  const now = deps.clock.now();
  const rep = await findOrCreateOwner(deps.db, { slackUserId: user.id, displayName: user.name }, now);
  const link = makeFeedbackLink(deps.feedback, { accountId: account.id, repId: rep?.id ?? null }, now);
  // The link itself is a credential of sorts (anyone holding it can answer): it is never logged.
  childLogger(deps.log, 'slack', { userId: user.id, accountId: account.id }).info({ expiresAt: link.expiresAt.toISOString() }, 'feedback link made');
  return buildFeedbackLinkAnswer({ account, url: link.url, expiresAt: link.expiresAt, tz: deps.tz });
}
