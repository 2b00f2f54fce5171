import type { Kysely } from 'kysely';
import { widenPaidRange } from '../../src/accounts/account-queries.js';
import type { Database } from '../../src/db/schema.js';
import { digestJob } from '../../src/digest/digest-job.js';
import { digestWeek } from '../../src/digest/digest-week.js';
import { nudgesJob } from '../../src/nudge/nudges-job.js';
import { enqueuePost } from '../../src/outbox/outbox-queries.js';
import { startTestBot, testDatabaseAndSlackSuite, TEST_BOT_TOKEN, TEST_CHANNEL, TEST_SIGNING_SECRET, TEST_WEBHOOK_SECRET, type TestBot } from './bot-harness.js';
import { waitUntil } from './db-helpers.js';
import type { FakeSlack } from './fake-slack.js';
import type { TestDatabase, TestEngine } from './test-database.js';

/**
 * What the "two clocks" tests share, whether they run a job in-process (`runJobOnce`) or through
 * the built CLI in a child process: instants well ahead of and behind the wall clock, and the
 * accounts, clients and messages that make each job have something to send at those instants.
 */

export const DAY_MS = 86_400_000;
/** How long "delivered within seconds" may take on a loaded machine. */
export const WITHIN_MS = 15_000;

/** The wall clock's now moved by `days` (positive: ahead), at 10:00 UTC so no job meets a day's edge. */
export function daysFromNow(days: number): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days, 10, 0, 0));
}

/** An owner on Slack and an account of theirs last touched `touchedDaysAgo` days ago (real). */
export async function quietAccount(db: Kysely<Database>, name: string, slackUserId: string, touchedDaysAgo: number): Promise<number> {
  const owner =
    (await db.selectFrom('owners').select('id').where('slack_user_id', '=', slackUserId).executeTakeFirst()) ??
    (await db.insertInto('owners').values({ slack_user_id: slackUserId, display_name: slackUserId }).returning('id').executeTakeFirstOrThrow());
  const row = await db
    .insertInto('accounts')
    .values({ name, owner_id: owner.id, last_touch_at: new Date(Date.now() - touchedDaysAgo * DAY_MS), created_at: new Date(Date.now() - 900 * DAY_MS) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A client whose first payment was `yearsBefore` years before `day`, on the same day of the year (UTC). */
export async function clientWithAnniversaryOn(db: Kysely<Database>, name: string, day: Date, yearsBefore: number): Promise<number> {
  const first = new Date(Date.UTC(day.getUTCFullYear() - yearsBefore, day.getUTCMonth(), Math.min(day.getUTCDate(), 28), 12));
  const account = await db.insertInto('accounts').values({ name }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('payments').values({ account_id: account.id, source: 'generic', external_id: `${name}-first`, amount_minor: 120_000, currency: 'USD', paid_at: first }).execute();
  await widenPaidRange(db, account.id, first);
  return account.id;
}

/** The day an anniversary can safely be put on: `day` itself unless past the 28th (every month has a 28th). */
export function anniversaryDay(day: Date): Date {
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), Math.min(day.getUTCDate(), 28), 10));
}

/** The digest's key for a run as of `asOf` in UTC. */
export function digestKey(asOf: Date): string {
  return `digest:${digestWeek(asOf, 'UTC').key}`;
}

/** `count` posts, one per channel, due now on the wall clock, and one held until tomorrow. */
export async function queueMessages(db: Kysely<Database>, count: number): Promise<{ due: string[]; held: string }> {
  const now = new Date();
  const due: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const key = `two-clocks:due:${i}`;
    await enqueuePost(db, { dedupeKey: key, channel: `C0DUE${i}`, message: { text: `due ${i}` } }, now);
    due.push(key);
  }
  const held = 'two-clocks:held';
  await enqueuePost(db, { dedupeKey: held, channel: 'C0HELD', message: { text: 'held until tomorrow' }, notBefore: new Date(now.getTime() + DAY_MS) }, now);
  return { due, held };
}

/** chat.postMessage calls whose text contains `needle`. */
export function postsMentioning(slack: FakeSlack, needle: string): number {
  return slack.callsTo('chat.postMessage').filter((c) => String(c.body['text']).includes(needle)).length;
}

/** chat.postMessage calls per text: every message posted at most once. */
export function postCounts(slack: FakeSlack): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of slack.callsTo('chat.postMessage')) {
    const text = String(call.body['text']);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return counts;
}

/** The configuration both the bot and the run use: Slack through the fake, everything in UTC. */
export function twoClocksEnv(slack: FakeSlack): Record<string, string> {
  return {
    LOG_LEVEL: 'silent',
    PORT: '0',
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    CELEBRATION_CHANNEL: TEST_CHANNEL,
    TZ: 'UTC',
    NUDGE_FALLBACK_CHANNEL: 'C0FALLBACK',
    NUDGES_PER_OWNER_PER_DAY: '5',
  };
}

/** How a test runs `run-job <name> --now <asOf>`: its summary line's fields. */
export type RunJob = (name: string, asOf: Date, setup: { database: TestDatabase; slack: FakeSlack }) => Promise<Record<string, string | number>>;

/**
 * Every job run with `--now` 40 days ahead and 40 days behind beside a running bot on a shared
 * database: delivered by the wall clock within seconds, never twice, and the bot's own later
 * runs behave. `runJob` says how the job is run (in this process, or the built CLI in a child).
 */
export function describeRunJobNow(title: string, engine: TestEngine, runJob: RunJob): void {
  describe(title, () => testDatabaseAndSlackSuite(engine, (database, slack) => {
    let bot: TestBot | null = null;

    beforeEach(() => slack.setLatency(0));
    afterEach(async () => {
      await bot?.stop();
      bot = null;
    });

    const db = () => database.handle.db;
    const startBot = async () => (bot = await startTestBot({ database, slack, env: twoClocksEnv(slack) }));
    const run = (name: string, asOf: Date) => runJob(name, asOf, { database, slack });
    const settle = () => new Promise((r) => setTimeout(r, 500));

    describe.each([
      ['40 days ahead', 40],
      ['40 days behind', -40],
    ])('as of %s', (_label, days) => {
      const asOf = () => daysFromNow(days);

      it('nudges: the DM arrives within seconds, once; the bot’s own sweep after it sends no second one', async () => {
        await startBot();
        // Quiet as of either instant: silent 15 days now, so 55 days 40 days on; 100 days, so 60 days 40 days back.
        await quietAccount(db(), 'Runco', 'U0DANA', days > 0 ? 15 : 100);
        expect(await run('nudges', asOf())).toMatchObject({ opened: 1, separate: 1 });
        await slack.waitFor('chat.postMessage', 1, WITHIN_MS);
        expect(slack.callsTo('chat.postMessage')[0]!.body['channel']).toBe('U0DANA');

        // The bot's real sweep does not send it again, nor raise it as long unanswered; nor does the run again.
        await nudgesJob(bot!.bot.context, new Date());
        expect(await run('nudges', asOf())).toMatchObject({ opened: 0, separate: 0 });
        await settle();
        expect(postsMentioning(slack, 'Runco')).toBe(1);
        const [nudge] = await db().selectFrom('nudges').selectAll().execute();
        // Escalation counts from when it really reached the owner, or from the later instant it was opened as of.
        expect(nudge!.opened_at.getTime()).toBeGreaterThanOrEqual(Math.min(asOf().getTime(), Date.now()) - 60_000);
      }, 60_000);

      it('digest: the week it decided goes out within seconds, once, keyed by that week', async () => {
        await startBot();
        expect(await run('digest', asOf())).toMatchObject({ week: digestKey(asOf()).slice('digest:'.length), queued: 1 });
        await slack.waitFor('chat.postMessage', 1, WITHIN_MS);
        expect(await run('digest', asOf())).toMatchObject({ queued: 0 });
        const rows = await waitUntil(async () => {
          const found = await db().selectFrom('outbox').select(['dedupe_key', 'status']).where('dedupe_key', 'like', 'digest:%').execute();
          return found.every((r) => r.status === 'sent') ? found : null;
        });
        expect(rows).toEqual([{ dedupe_key: digestKey(asOf()), status: 'sent' }]);
        // The bot's own digest is this week's: a digest of its own, the run having been for another week.
        await digestJob(bot!.bot.context, new Date());
        await slack.waitFor('chat.postMessage', 2, WITHIN_MS);
        await settle();
        expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
      }, 60_000);

      it('anniversaries: the day it decided is celebrated within seconds, once', async () => {
        await startBot();
        const day = anniversaryDay(asOf());
        await clientWithAnniversaryOn(db(), 'Birthday Co', day, 3);
        expect(await run('anniversaries', day)).toEqual({ celebrated: 1 });
        await slack.waitFor('chat.postMessage', 1, WITHIN_MS);
        expect(String(slack.callsTo('chat.postMessage')[0]!.body['text'])).toMatch(/^🎂 Birthday Co: 3 years as a client today/);
        expect(await run('anniversaries', day)).toEqual({ celebrated: 0 });
        await settle();
        expect(postsMentioning(slack, 'Birthday Co')).toBe(1);
      }, 60_000);

      it('dispatch: every due message once, the held one held, and nothing the run has in flight taken by the bot', async () => {
        // Slow Slack: every message stays in flight a while, claimed with its lease.
        slack.setLatency(1_000);
        const { due, held } = await queueMessages(db(), 8);
        // The run claims first; a bot comes up while the run's messages are in flight and must leave them be.
        const running = run('dispatch', asOf());
        await waitUntil(async () => (await db().selectFrom('outbox').select('id').where('status', '=', 'sending').execute()).length > 0, {
          timeoutMs: 30_000,
          what: 'the run sending',
        });
        const inFlight = await db().selectFrom('outbox').select('lease_until').where('status', '=', 'sending').execute();
        for (const row of inFlight) expect(row.lease_until!.getTime()).toBeGreaterThan(Date.now());
        await startBot();
        await running;
        await waitUntil(async () => (await db().selectFrom('outbox').select('id').where('status', '=', 'sent').execute()).length === due.length, {
          timeoutMs: WITHIN_MS,
          what: 'every due message sent',
        });
        await settle();
        const counts = postCounts(slack);
        expect(counts.size).toBe(due.length);
        expect([...counts.values()].every((n) => n === 1)).toBe(true);
        expect(await db().selectFrom('outbox').select('status').where('dedupe_key', '=', held).executeTakeFirst()).toEqual({ status: 'pending' });
      }, 90_000);
    });
  }));
}
