import type { HomeView } from '@slack/types';
import type { Kysely } from 'kysely';
import { celebrationsDueBetween, ownerHomeAccounts } from '../accounts/home-queries.js';
import type { Database } from '../db/schema.js';
import type { ThresholdRule } from '../accounts/quiet-queries.js';
import { BOARD_DEFAULT } from '../domain/top-ten.js';
import { loadBoard } from '../top/load-board.js';
import { buildAppHome, HOME_ACCOUNTS_MAX, HOME_CELEBRATIONS_MAX, weekOf } from './views/app-home.js';

/** QUIET_AFTER_DAYS's default, for a caller that does not pass the team's rule. */
const DEFAULT_QUIET_DAYS = 30;

/**
 * The Home tab a Slack user sees when they open it now: their accounts and the team's week. Read
 * by the app_home_opened listener to publish it, and by the preview page to show it.
 */
export async function appHomeFor(db: Kysely<Database>, slackUserId: string, now: Date, tz: string, rule?: ThresholdRule): Promise<HomeView> {
  const week = weekOf(now, tz);
  const [mine, celebrations] = await Promise.all([
    ownerHomeAccounts(db, slackUserId, now, HOME_ACCOUNTS_MAX),
    celebrationsDueBetween(db, week.start, week.end, HOME_CELEBRATIONS_MAX),
  ]);
  // The threshold only decides the ⚠ of a rising account: the default rule is the one App Home knows.
  const top = await loadBoard(db, { scope: { kind: 'owner', slackUserId }, asOf: now, limit: BOARD_DEFAULT, rule: rule ?? { tierDays: {}, defaultDays: DEFAULT_QUIET_DAYS } });
  return buildAppHome({
    accounts: mine.accounts,
    totalAccounts: mine.total,
    celebrations: celebrations.celebrations,
    totalCelebrations: celebrations.total,
    top,
    now,
    tz,
  });
}
