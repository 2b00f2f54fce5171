import type { AppContext } from '../context.js';
import { backlog } from '../outbox/outbox-queries.js';
import { gatherDueRollups } from '../celebrate/rollups.js';
import { celebrationSettings } from '../celebrate/celebration-settings.js';
import type { JobSummary } from './job-registry.js';

/**
 * Drains the outbox once: webhook events stored but not yet applied are applied first (a bot that
 * stopped right after acknowledging them), then roll-ups that are due are gathered, then every due
 * message is sent.
 */
export async function dispatchJob(context: AppContext): Promise<JobSummary> {
  const { database, clock, dispatcher, config, inbox } = context;
  const applied = await inbox.drain();
  const rollups = await gatherDueRollups(database.db, celebrationSettings(config), clock.now());
  await dispatcher.drain();
  const left = await backlog(database.db);
  return { applied, rollups, pending: left.pending, failed: left.failed };
}
