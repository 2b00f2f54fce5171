import type { AppContext } from '../context.js';
import { backlog } from '../outbox/outbox-queries.js';
import { gatherDueRollups } from '../celebrate/rollups.js';
import { celebrationSettings } from '../celebrate/celebration-settings.js';
import type { JobSummary } from './job-registry.js';

/**
 * Drains the outbox once: webhook events stored but not yet applied are applied first (a bot that
 * stopped right after acknowledging them), then roll-ups that are due are gathered, then every due
 * message is sent. All of it is delivery, so all of it is on the wall clock (clock.ts): `--now`
 * changes nothing here — each event is judged as of its own arrival, a roll-up is due when its
 * window is over, and leases run from now, so a run beside a bot never takes a message in flight.
 */
export async function dispatchJob(context: AppContext, _asOf: Date): Promise<JobSummary> {
  const { database, wallClock, dispatcher, config, inbox } = context;
  const applied = await inbox.drain();
  const rollups = await gatherDueRollups(database.db, celebrationSettings(config), wallClock.now());
  await dispatcher.drain();
  const left = await backlog(database.db);
  return { applied, rollups, pending: left.pending, failed: left.failed };
}
