// Which open nudges the sweep expires: those whose account was given an outbound touchpoint
// recorded at or after the nudge opened (nudges.touched_at, set as the touchpoint is recorded), on
// every path a touchpoint comes in by, and for nudges opened before migration 0006 added the column.
import { Migrator, sql } from 'kysely';
import { migrations } from '../../migrations/index.js';
import { mergeAccounts } from '../../src/accounts/account-merge.js';
import { FixedClock, sameTime } from '../../src/clock.js';
import { parseConfig } from '../../src/config.js';
import type { Database } from '../../src/db/schema.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { silentLogger } from '../../src/log.js';
import { nudgesJob } from '../../src/nudge/nudges-job.js';
import { nudgeSettings } from '../../src/nudge/nudge-settings.js';
import { sweepNudges } from '../../src/nudge/nudge-sweep.js';
import { recordTouchpoint } from '../../src/touchpoints/record-touchpoint.js';
import { createEmptyDatabase } from '../support/db-helpers.js';
import { DANA, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { testEngines, describeEachEngine } from '../support/test-database.js';
import { eventually, genericHeaders, post } from '../support/signing.js';
import { slashCommand } from '../support/slack-payloads.js';
import type { Kysely } from 'kysely';

const DAY_MS = 86_400_000;
// A Friday afternoon in New York.
const NOW = new Date('2026-11-20T15:00:00Z');
const at = (days: number) => new Date(NOW.getTime() + days * DAY_MS);

describeEachEngine('expiring touched nudges (%s)', (database) => {
  const db = () => database.handle.db;
  const nudge = (id: number) => db().selectFrom('nudges').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  describe('through the bot: webhooks and commands', () => {
    let slack: FakeSlack;
    let bot: TestBot;
    let clock: FixedClock;

    beforeAll(async () => {
      slack = await startFakeSlack({ users: [DANA] });
    });
    beforeEach(async () => {
      slack.reset();
      clock = new FixedClock(NOW);
      bot = await startTestBot({ database, slack, clock, env: { TZ: 'America/New_York', QUIET_AFTER_DAYS: '30', NUDGE_FALLBACK_CHANNEL: 'C0FALLBACK' } });
    });
    afterEach(() => bot?.stop());
    afterAll(() => slack?.close());

    const sweep = () => nudgesJob(bot.bot.context, clock.now());
    const webhook = async (body: Record<string, unknown>) => {
      const text = JSON.stringify(body);
      const res = await post(`${bot.url}/webhooks/crm`, text, genericHeaders(text, { timestamp: Math.floor(clock.now().getTime() / 1000) }));
      expect(res.status).toBe(200);
    };
    const touchpointStored = (externalId: string) =>
      eventually(async () => (await db().selectFrom('touchpoints').select('id').where('external_id', '=', externalId).executeTakeFirst()) !== undefined);

    /** Acme Co, known to the CRM as `acme` and owned by Dana; its id once the webhook is applied. */
    async function upsertAcme(): Promise<number> {
      await webhook({ id: 'evt-acme', type: 'account.upsert', account: { external_id: 'acme', name: 'Acme Co', owner_email: 'dana@example.com' } });
      const row = await eventually(() =>
        db().selectFrom('account_external_ids').select('account_id').where('source', '=', 'generic').where('external_id', '=', 'acme').executeTakeFirst(),
      );
      return row!.account_id;
    }

    /** Acme, last touched 45 days ago: the sweep at NOW nudges it. */
    async function nudgedAcme(): Promise<{ accountId: number; nudgeId: number }> {
      const accountId = await upsertAcme();
      await db().updateTable('accounts').set({ last_touch_at: at(-45) }).where('id', '=', accountId).execute();
      expect((await sweep()).opened).toBe(1);
      const open = await db().selectFrom('nudges').selectAll().where('account_id', '=', accountId).executeTakeFirstOrThrow();
      expect(open).toMatchObject({ status: 'open', touched_at: null });
      expect(open.opened_at.toISOString()).toBe(NOW.toISOString());
      return { accountId, nudgeId: open.id };
    }

    it('a CRM webhook touchpoint recorded after the nudge opened makes the next sweep expire it', async () => {
      const { nudgeId } = await nudgedAcme();
      clock.set(at(1));
      await webhook({ id: 'evt-call', type: 'touchpoint', account_external_id: 'acme', kind: 'call', direction: 'outbound', occurred_at: at(1).toISOString() });
      await touchpointStored('evt-call');
      expect((await nudge(nudgeId)).touched_at?.toISOString()).toBe(at(1).toISOString());

      expect((await sweep()).expired).toBe(1);
      expect(await nudge(nudgeId)).toMatchObject({ status: 'expired' });
    });

    it('/touchpoint after the nudge opened makes the next sweep expire it', async () => {
      const { nudgeId } = await nudgedAcme();
      clock.set(at(1));
      const request = slashCommand({ command: '/touchpoint', text: 'acme call caught up on renewal', triggerId: 'trigger-acme', userId: 'U0DANA' });
      const res = await post(`${bot.url}/slack/events`, request.body, request.headers);
      expect(res.status).toBe(200);
      await touchpointStored('command:trigger-acme');
      expect((await nudge(nudgeId)).touched_at?.toISOString()).toBe(at(1).toISOString());

      expect((await sweep()).expired).toBe(1);
      expect(await nudge(nudgeId)).toMatchObject({ status: 'expired' });
    });

    it('a touchpoint recorded before the nudge opened does not expire it, even once the account looks active', async () => {
      // Recorded an hour before the sweep, dated long ago: Acme stays quiet and is nudged at NOW.
      clock.set(new Date(NOW.getTime() - 3_600_000));
      await upsertAcme();
      await webhook({ id: 'evt-old', type: 'touchpoint', account_external_id: 'acme', kind: 'call', direction: 'outbound', occurred_at: at(-40).toISOString() });
      await touchpointStored('evt-old');
      clock.set(NOW);
      expect((await sweep()).opened).toBe(1);
      const open = await db().selectFrom('nudges').selectAll().where('status', '=', 'open').executeTakeFirstOrThrow();

      // The account's clock moves without a touchpoint being recorded (as a merge can move it):
      // nothing was recorded since the nudge opened, so it is not expired.
      await db().updateTable('accounts').set({ last_touch_at: at(1) }).where('id', '=', open.account_id).execute();
      clock.set(at(1));
      expect((await sweep()).expired).toBe(0);
      expect(await nudge(open.id)).toMatchObject({ status: 'open', touched_at: null });

      // An inbound contact recorded afterwards does not count either; an outbound one does.
      await webhook({ id: 'evt-in', type: 'touchpoint', account_external_id: 'acme', kind: 'email', direction: 'inbound', occurred_at: at(0.5).toISOString() });
      await touchpointStored('evt-in');
      expect(await nudge(open.id)).toMatchObject({ status: 'open', touched_at: null });
      await webhook({ id: 'evt-new', type: 'touchpoint', account_external_id: 'acme', kind: 'call', direction: 'outbound', occurred_at: at(1).toISOString() });
      await touchpointStored('evt-new');
      expect((await sweep()).expired).toBe(1);
      expect(await nudge(open.id)).toMatchObject({ status: 'expired' });
    });
  });

  describe('recorded directly', () => {
    const settings = () => nudgeSettings(parseConfig({ TZ: 'America/New_York', NUDGE_FALLBACK_CHANNEL: 'C0FALLBACK' }), { pageSize: 2 });
    const sweep = (now: Date) => sweepNudges(db(), settings(), { time: sameTime(now), directory: { slackIdForEmail: async () => null }, log: silentLogger() });

    async function account(name: string, lastTouchAt: Date): Promise<number> {
      const row = await db().insertInto('accounts').values({ name, last_touch_at: lastTouchAt, created_at: at(-3000) }).returning('id').executeTakeFirstOrThrow();
      return row.id;
    }

    async function touch(accountId: number, externalId: string, occurredAt: Date, recordedAt: Date, direction: 'outbound' | 'inbound' = 'outbound'): Promise<void> {
      await db()
        .transaction()
        .execute((trx) =>
          recordTouchpoint(
            trx,
            { accountId, source: 'generic', externalId, kind: 'call', direction, occurredAt, note: null, byOwnerId: null, byLabel: null },
            { now: recordedAt, log: silentLogger() },
          ),
        );
    }

    it('counts a touchpoint recorded at the very instant the nudge opened, and keeps the first time', async () => {
      const acme = await account('Acme', at(-45));
      await sweep(NOW);
      const open = await db().selectFrom('nudges').selectAll().where('account_id', '=', acme).executeTakeFirstOrThrow();
      await touch(acme, 'same-instant', at(-40), NOW);
      await touch(acme, 'later', at(-39), at(0.5));
      expect((await nudge(open.id)).touched_at?.toISOString()).toBe(NOW.toISOString());
      // Dated long ago, so Acme is still quiet: touched, but not moot, and it stays open.
      expect((await sweep(at(1))).expired).toBe(0);
      expect(await nudge(open.id)).toMatchObject({ status: 'open' });
    });

    it('pages through touched nudges, expiring only those whose account is active again', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 5; i += 1) ids.push(await account(`quiet ${i}`, at(-40 - i)));
      expect((await sweep(NOW)).opened).toBe(5);
      // Three touched by a call today, one by a call dated long ago, one not at all.
      for (const id of ids.slice(0, 3)) await touch(id, `call-${id}`, at(1), at(1));
      await touch(ids[3]!, `old-${ids[3]}`, at(-35), at(1));
      expect((await sweep(at(1))).expired).toBe(3);
      const statuses = await db().selectFrom('nudges').select(['account_id', 'status']).orderBy('account_id').execute();
      expect(statuses.map((s) => s.status)).toEqual(['expired', 'expired', 'expired', 'open', 'open']);
    });

    it('a merge brings the touchpoints of the folded account: the surviving nudge is touched by them', async () => {
      const into = await account('Acme', at(-45));
      await sweep(NOW);
      const open = await db().selectFrom('nudges').selectAll().where('account_id', '=', into).executeTakeFirstOrThrow();
      // A second record of the same client, called after Acme's nudge opened.
      const from = await account('Acme (Stripe)', at(-50));
      await touch(from, 'call-from', at(1), at(1));
      await db()
        .transaction()
        .execute((trx) => mergeAccounts(trx, from, into, at(1)));
      expect((await nudge(open.id)).touched_at?.toISOString()).toBe(at(1).toISOString());
      expect((await sweep(at(1))).expired).toBe(1);
      expect(await nudge(open.id)).toMatchObject({ status: 'expired' });
    });
  });
});

describe.each(testEngines())('migration 0006 on a database with open nudges (%s)', (engine) => {
  it('backfills touched_at from the touchpoints recorded since each open nudge opened, so no expiry is lost', async () => {
    const empty = await createEmptyDatabase(engine);
    try {
      const raw = empty.handle.db as unknown as Kysely<any>;
      const migrator = new Migrator({ db: raw, provider: { getMigrations: async () => migrations } });
      const before = await migrator.migrateTo('0005-nudges');
      expect(before.error).toBeUndefined();

      const account = async (name: string, lastTouchAt: Date): Promise<number> =>
        (await raw.insertInto('accounts').values({ name, last_touch_at: lastTouchAt, created_at: at(-3000) }).returning('id').executeTakeFirstOrThrow()).id as number;
      // Delivered already (as a DM), so the sweep's delivery step leaves them to the expiry step.
      const openNudge = async (accountId: number, status = 'open'): Promise<number> => {
        const message = await raw
          .insertInto('outbox')
          .values({ dedupe_key: `nudge-dm-${accountId}`, kind: 'post', channel: 'U0DANA', payload: JSON.stringify({ text: 'quiet' }), status: 'sent', slack_ts: '1.2' })
          .returning('id')
          .executeTakeFirstOrThrow();
        const row = await raw
          .insertInto('nudges')
          .values({ account_id: accountId, reason: 'quiet', status, opened_at: NOW, threshold_days: 30, threshold_basis: 'default', created_at: NOW, message_outbox_id: message.id })
          .returning('id')
          .executeTakeFirstOrThrow();
        return row.id as number;
      };
      let seq = 0;
      const touchpoint = async (accountId: number, direction: 'outbound' | 'inbound', occurredAt: Date, createdAt: Date) => {
        seq += 1;
        await raw
          .insertInto('touchpoints')
          .values({ account_id: accountId, source: 'generic', external_id: `t${seq}`, kind: 'call', direction, occurred_at: occurredAt, created_at: createdAt })
          .execute();
      };

      // Called after the nudge opened (twice): touched at the first of those.
      const called = await account('called', at(1));
      const calledNudge = await openNudge(called);
      await touchpoint(called, 'outbound', at(-45), at(-45));
      await touchpoint(called, 'outbound', at(1), at(1.5));
      await touchpoint(called, 'outbound', at(0.5), at(1));
      // Active again too, but touched only before the nudge opened, or only inbound since: not touched.
      const before0006 = await account('touched before', at(1));
      const beforeNudge = await openNudge(before0006);
      await touchpoint(before0006, 'outbound', at(-45), at(-1));
      const inbound = await account('inbound only', at(1));
      const inboundNudge = await openNudge(inbound);
      await touchpoint(inbound, 'inbound', at(0.5), at(1));
      // Closed nudges are left alone.
      const answered = await account('answered', at(1));
      const answeredNudge = await openNudge(answered, 'answered');
      await touchpoint(answered, 'outbound', at(1), at(1));

      const results = await migrateToLatest(empty.handle.db);
      expect(results.map((r) => r.migrationName)).toContain('0006-sweep-indexes');

      const touched = new Map(
        (await empty.handle.db.selectFrom('nudges').select(['id', 'touched_at']).execute()).map((n) => [n.id, n.touched_at?.toISOString() ?? null]),
      );
      expect(touched.get(calledNudge)).toBe(at(1).toISOString());
      expect(touched.get(beforeNudge)).toBeNull();
      expect(touched.get(inboundNudge)).toBeNull();
      expect(touched.get(answeredNudge)).toBeNull();

      // 0006's accounts_quiet_sweep_idx is replaced by 0019's, ordered by id.
      const indexes = await sql<{ indexname: string }>`
        select indexname from pg_indexes where indexname in ('accounts_quiet_sweep_idx', 'accounts_sweep_by_id_idx', 'nudges_touched_idx') order by indexname`.execute(empty.handle.db);
      expect(indexes.rows.map((r) => r.indexname)).toEqual(['accounts_sweep_by_id_idx', 'nudges_touched_idx']);

      // The first sweep after the upgrade expires the nudge touched before it, and only that one.
      const db = empty.handle.db as Kysely<Database>;
      const settings = nudgeSettings(parseConfig({ TZ: 'America/New_York', NUDGE_FALLBACK_CHANNEL: 'C0FALLBACK' }));
      const summary = await sweepNudges(db, settings, { time: sameTime(at(2)), directory: { slackIdForEmail: async () => null }, log: silentLogger() });
      expect(summary).toMatchObject({ expired: 1, opened: 0, dropped: 0 });
      const statuses = new Map((await db.selectFrom('nudges').select(['id', 'status']).execute()).map((n) => [n.id, n.status]));
      expect(statuses.get(calledNudge)).toBe('expired');
      expect(statuses.get(beforeNudge)).toBe('open');
      expect(statuses.get(inboundNudge)).toBe('open');
    } finally {
      await empty.destroy();
    }
  });
});
