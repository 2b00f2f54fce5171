import type { HomeView } from '@slack/types';
import type { Kysely } from 'kysely';
import { celebrationsDueBetween, ownerHomeAccounts } from '../accounts/home-queries.js';
import type { Database } from '../db/schema.js';
import { buildAppHome, HOME_ACCOUNTS_MAX, HOME_CELEBRATIONS_MAX, weekOf } from './views/app-home.js';

/**
 * The Home tab a Slack user sees when they open it now: their accounts and the team's week. Read
 * by the app_home_opened listener to publish it, and by the preview page to show it.
 */
export async function appHomeFor(db: Kysely<Database>, slackUserId: string, now: Date, tz: string): Promise<HomeView> {
  const week = weekOf(now, tz);
  const [mine, celebrations] = await Promise.all([
    ownerHomeAccounts(db, slackUserId, now, HOME_ACCOUNTS_MAX),
    celebrationsDueBetween(db, week.start, week.end, HOME_CELEBRATIONS_MAX),
  ]);
  return buildAppHome({
    accounts: mine.accounts,
    totalAccounts: mine.total,
    celebrations: celebrations.celebrations,
    totalCelebrations: celebrations.total,
    now,
    tz,
  });
}
