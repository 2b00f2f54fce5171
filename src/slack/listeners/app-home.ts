import type { App } from '@slack/bolt';
import type { Clock } from '../../clock.js';
import { childLogger } from '../../log.js';
import { appHomeFor } from '../app-home-for.js';
import type { ListenerDeps } from './listener-deps.js';

/** Slack retries an event for about an hour (at once, after 1 minute, after 5): remember ids that long. */
const EVENT_MEMORY_MS = 60 * 60_000;
const EVENT_MEMORY_MAX = 10_000;

/**
 * Opening the Home tab publishes a fresh view for that user. Bolt acks the event before this runs,
 * so a failure here never fails the ack; it reaches app.error().
 *
 * Retries (`x-slack-retry-num`) carry the event_id of the first delivery. They are skipped when this
 * process already took that event_id, and no table records them: views.publish replaces the whole
 * tab, so the worst a retry landing on another replica can do is publish the same, current view
 * again. A publish that failed gives its event_id back, so Slack's retry can try once more.
 */
export function registerAppHome(app: App, deps: ListenerDeps): void {
  const seen = new RecentEventIds(deps.clock);
  app.event('app_home_opened', async ({ event, body, client }) => {
    if (event.tab !== 'home') return;
    const eventId = body.event_id;
    if (!seen.claim(eventId)) {
      childLogger(deps.log, 'slack', { eventId, userId: event.user }).debug('home tab event already handled; retry skipped');
      return;
    }
    try {
      const view = await appHomeFor(deps.db, event.user, deps.clock.now(), deps.tz, { tierDays: deps.quietAfterDaysByTier, defaultDays: deps.quietAfterDays });
      await client.views.publish({ user_id: event.user, view });
    } catch (error) {
      seen.release(eventId);
      throw error;
    }
  });
}

/** Event ids this process has taken, forgotten after EVENT_MEMORY_MS or when too many pile up. */
class RecentEventIds {
  readonly #until = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  claim(eventId: string): boolean {
    const now = this.clock.now().getTime();
    this.#forgetOld(now);
    const until = this.#until.get(eventId);
    if (until !== undefined && until > now) return false;
    this.#until.set(eventId, now + EVENT_MEMORY_MS);
    return true;
  }

  release(eventId: string): void {
    this.#until.delete(eventId);
  }

  // Insertion order is expiry order (one fixed lifetime), so the oldest are at the front.
  #forgetOld(now: number): void {
    for (const [id, until] of this.#until) {
      if (until > now && this.#until.size < EVENT_MEMORY_MAX) break;
      this.#until.delete(id);
    }
  }
}
