import { sameTime } from '../../src/clock.js';
import { sql } from 'kysely';
import { parseConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import type { AccountStatus } from '../../src/db/schema.js';
import { silentLogger } from '../../src/log.js';
import { nudgeSettings, type NudgeSettings } from '../../src/nudge/nudge-settings.js';
import { sweepNudges } from '../../src/nudge/nudge-sweep.js';
import { insertPlannedNudges } from '../../src/nudge/nudge-queries.js';
import { ESCALATIONS_SEPARATE, escalateNudges } from '../../src/nudge/escalate-nudges.js';
import { enqueuePost } from '../../src/outbox/outbox-queries.js';
import type { MessagePayload } from '../../src/db/schema.js';
import { recordTouchpoint } from '../../src/touchpoints/record-touchpoint.js';
import type { UserDirectory } from '../../src/slack/user-directory.js';
import { describeEachEngine } from '../support/test-database.js';

const DAY_MS = 86_400_000;
// A Friday afternoon in New York.
const NOW = new Date('2026-11-20T15:00:00Z');
const ago = (days: number, from = NOW) => new Date(from.getTime() - days * DAY_MS);
const FALLBACK = 'C0FALLBACK';

describeEachEngine('the quiet-account sweep (%s)', (tdb, engine) => {
  const db = () => tdb.handle.db;
  const directoryEmails = new Map<string, string>();
  const directory: UserDirectory = { slackIdForEmail: async (email) => directoryEmails.get(email) ?? null };

  beforeEach(async () => {
    directoryEmails.clear();
  });

  function settings(env: Record<string, string> = {}, pageSize = 1000): NudgeSettings {
    return nudgeSettings(parseConfig({ TZ: 'America/New_York', NUDGE_FALLBACK_CHANNEL: FALLBACK, ...env }), { pageSize });
  }
  const sweep = (s = settings(), now = NOW, database = db()) => sweepNudges(database, s, { time: sameTime(now), directory, log: silentLogger() });

  async function owner(slackUserId: string | null, email: string | null = null): Promise<number> {
    const row = await db().insertInto('owners').values({ slack_user_id: slackUserId, email, display_name: slackUserId ?? email }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  async function account(input: {
    name: string;
    lastTouchAt: Date | string;
    ownerId?: number | null;
    tier?: string;
    quietAfterDays?: number;
    status?: AccountStatus;
    snoozedUntil?: Date;
    lastInboundAt?: Date;
  }): Promise<number> {
    const row = await db()
      .insertInto('accounts')
      .values({
        name: input.name,
        owner_id: input.ownerId ?? null,
        tier: input.tier ?? null,
        quiet_after_days: input.quietAfterDays ?? null,
        status: input.status ?? 'active',
        snoozed_until: input.snoozedUntil ?? null,
        last_inbound_at: input.lastInboundAt ?? null,
        last_touch_at: input.lastTouchAt,
        created_at: ago(3000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function touch(accountId: number, occurredAt: Date, direction: 'outbound' | 'inbound' = 'outbound', now = NOW): Promise<void> {
    await db()
      .transaction()
      .execute((trx) =>
        recordTouchpoint(
          trx,
          { accountId, source: 'generic', externalId: `t-${accountId}-${occurredAt.toISOString()}`, kind: 'call', direction, occurredAt, note: null, byOwnerId: null, byLabel: null },
          { now, log: silentLogger() },
        ),
      );
  }

  const nudges = () => db().selectFrom('nudges').selectAll().orderBy('id').execute();
  const posts = () => db().selectFrom('outbox').selectAll().where('kind', '=', 'post').orderBy('id').execute();
  const nudgedAccounts = async () => (await nudges()).map((n) => n.account_id).sort((a, b) => a - b);
  const text = (payload: MessagePayload) => JSON.stringify(payload);

  describe('thresholds', () => {
    it('uses the default, then the account override, then its tier (case-insensitive); an override beats the tier', async () => {
      const s = settings({ QUIET_AFTER_DAYS: '30', QUIET_AFTER_DAYS_BY_TIER: 'gold=14,silver=60' });
      const defaultQuiet = await account({ name: 'default 31', lastTouchAt: ago(31) });
      // Quiet to the hour: 30 × 24 h is quiet, an hour less is not.
      const defaultToTheHour = await account({ name: 'default, silent exactly 30 days', lastTouchAt: ago(30) });
      await account({ name: 'default, an hour short of 30 days', lastTouchAt: ago(30 - 1 / 24) });
      const overrideQuiet = await account({ name: 'override 10, silent 11', lastTouchAt: ago(11), quietAfterDays: 10 });
      await account({ name: 'override 60 beats gold, silent 40', lastTouchAt: ago(40), quietAfterDays: 60, tier: 'gold' });
      const tierQuiet = await account({ name: 'Gold, silent 15', lastTouchAt: ago(15), tier: 'Gold' });
      await account({ name: 'gold, an hour short of 14 days', lastTouchAt: ago(14 - 1 / 24), tier: 'gold' });
      await account({ name: 'silver, silent 45', lastTouchAt: ago(45), tier: 'silver' });
      const unknownTier = await account({ name: 'bronze (not configured), silent 31', lastTouchAt: ago(31), tier: 'bronze' });

      const summary = await sweep(s);
      expect(summary.opened).toBe(5);
      expect(await nudgedAccounts()).toEqual([defaultQuiet, defaultToTheHour, overrideQuiet, tierQuiet, unknownTier].sort((a, b) => a - b));
      const byAccount = new Map((await nudges()).map((n) => [n.account_id, n]));
      expect(byAccount.get(defaultQuiet)).toMatchObject({ reason: 'quiet', threshold_days: 30, threshold_basis: 'default', status: 'open' });
      expect(byAccount.get(overrideQuiet)).toMatchObject({ threshold_days: 10, threshold_basis: 'override' });
      expect(byAccount.get(tierQuiet)).toMatchObject({ threshold_days: 14, threshold_basis: 'tier' });
    });

    it('uses the account cadence, kept up to date as outbound touchpoints are recorded', async () => {
      // Every 4 days → 1.5 × 4 = 6, clamped to 7; last touch 10 days ago: quiet, though the default (30) is far off.
      const brisk = await account({ name: 'brisk', lastTouchAt: ago(200) });
      for (const days of [22, 18, 14, 10]) await touch(brisk, ago(days));
      // Every 40 days → 60; last touch 45 days ago: not quiet, though past the default.
      const slow = await account({ name: 'slow', lastTouchAt: ago(200) });
      for (const days of [165, 125, 85, 45]) await touch(slow, ago(days));
      // Three touches are not a rhythm yet: the default applies.
      const young = await account({ name: 'young', lastTouchAt: ago(200) });
      for (const days of [95, 65, 35]) await touch(young, ago(days));

      const cadence = await db().selectFrom('accounts').select(['id', 'cadence_days']).orderBy('id').execute();
      expect(cadence.map((a) => a.cadence_days)).toEqual([7, 60, null]);

      await sweep();
      const opened = (await nudges()).sort((a, b) => a.account_id - b.account_id);
      expect(opened.map((n) => [n.account_id, n.threshold_days, n.threshold_basis])).toEqual([
        [brisk, 7, 'cadence'],
        [young, 30, 'default'],
      ]);
      expect(opened.some((n) => n.account_id === slow)).toBe(false);
    });
  });

  it('leaves out churned and snoozed accounts and accounts with an open nudge; a snooze that ended counts again', async () => {
    await account({ name: 'churned', lastTouchAt: ago(90), status: 'churned' });
    await account({ name: 'snoozed', lastTouchAt: ago(90), snoozedUntil: new Date(NOW.getTime() + DAY_MS) });
    const snoozeOver = await account({ name: 'snooze over', lastTouchAt: ago(90), snoozedUntil: ago(1) });
    const alreadyOpen = await account({ name: 'already nudged', lastTouchAt: ago(90) });
    await db().insertInto('nudges').values({ account_id: alreadyOpen, reason: 'quiet', opened_at: ago(2), threshold_days: 30, threshold_basis: 'default' }).execute();

    const summary = await sweep();
    expect(summary.opened).toBe(1);
    expect((await nudges()).filter((n) => n.status === 'open').map((n) => n.account_id).sort()).toEqual([snoozeOver, alreadyOpen].sort());
  });

  it('nudges an unanswered inbound contact after two business days, whatever the silence', async () => {
    // Inbound Tuesday 10:00 New York: three business days by Friday 10:00.
    const waiting = await account({ name: 'called us Tuesday', lastTouchAt: ago(5), lastInboundAt: new Date('2026-11-17T15:00:00Z') });
    // Inbound Thursday morning: one business day.
    await account({ name: 'called us Thursday', lastTouchAt: ago(5), lastInboundAt: new Date('2026-11-19T14:00:00Z') });
    // Inbound answered since.
    await account({ name: 'answered', lastTouchAt: ago(1), lastInboundAt: ago(4) });

    await sweep();
    const opened = await nudges();
    expect(opened.map((n) => [n.account_id, n.reason])).toEqual([[waiting, 'urgent']]);
    const [post] = await posts();
    expect(text(post!.payload)).toContain('has had no answer for 3 business days');
  });

  it('pages through the (last_touch_at, id) index, across ties and microseconds, to the same result as one page', async () => {
    const expected: number[] = [];
    for (let i = 0; i < 14; i += 1) {
      // Ties on last_touch_at (pairs share one instant, some with microseconds) and non-candidates in between.
      const at = sql<Date>`${`2026-09-${String(1 + Math.floor(i / 2)).padStart(2, '0')} 10:00:00.123456+00`}::timestamptz`;
      const row = await db()
        .insertInto('accounts')
        .values({ name: `a${i}`, last_touch_at: at as never, status: i % 3 === 2 ? 'churned' : 'active' })
        .returning(['id', 'status'])
        .executeTakeFirstOrThrow();
      if (row.status === 'active') expected.push(row.id);
      await account({ name: `recent ${i}`, lastTouchAt: ago(2) });
    }
    const summary = await sweep(settings({}, 3));
    expect(summary.opened).toBe(expected.length);
    expect(await nudgedAccounts()).toEqual(expected);
  });

  it('a second sweep the same day opens and sends nothing more', async () => {
    const dana = await owner('U0DANA');
    await account({ name: 'Acme', lastTouchAt: ago(45), ownerId: dana });
    await account({ name: 'Globex', lastTouchAt: ago(60), ownerId: dana });
    const first = await sweep();
    expect(first).toMatchObject({ opened: 2, separate: 2 });
    const before = await posts();
    const second = await sweep(settings(), new Date(NOW.getTime() + 3 * 3_600_000));
    expect(second).toMatchObject({ opened: 0, separate: 0, summarized: 0, summaries: 0, escalated: 0, expired: 0 });
    expect(await posts()).toEqual(before);
  });

  it('writing the plan keeps a nudge opened for a planned account meanwhile, and writes the others', async () => {
    const acme = await account({ name: 'Acme', lastTouchAt: ago(45) });
    const globex = await account({ name: 'Globex', lastTouchAt: ago(60) });
    const opened = await db()
      .transaction()
      .execute(async (trx) => {
        // A plan made before a feedback answer opened Acme's nudge (the plain insert collides, the retry keeps that one).
        await sql`create temp table nudge_sweep_plan on commit drop as
          select nextval(pg_get_serial_sequence('nudges', 'id')) as id, a.id as account_id, null::bigint as owner_id, 'quiet'::text as reason,
            30 as threshold_days, 'default'::text as threshold_basis, false as rising, ${FALLBACK}::text as channel, row_number() over (order by a.id) as rank
          from accounts a`.execute(trx);
        await trx.insertInto('nudges').values({ account_id: acme, owner_id: null, reason: 'urgent', status: 'open', opened_at: NOW, created_at: NOW }).execute();
        const summary = await enqueuePost(trx, { dedupeKey: 'plan-summary', channel: FALLBACK, message: { text: 'summary' } }, NOW);
        return insertPlannedNudges(trx, { channels: [{ channel: FALLBACK, separate: 0, summaryOutboxId: summary.id }], messages: [], openedAt: NOW, createdAt: NOW });
      });
    expect(opened).toBe(1);
    const all = (await nudges()).sort((a, b) => a.account_id - b.account_id);
    expect(all.map((n) => [n.account_id, n.reason, n.summary_outbox_id === null])).toEqual([
      [acme, 'urgent', true],
      [globex, 'quiet', false],
    ]);
  });

  it('gives an owner at most NUDGES_PER_OWNER_PER_DAY separate DMs, quietest first, and the rest in one summary', async () => {
    const dana = await owner('U0DANA');
    const ids: number[] = [];
    for (const days of [35, 90, 40, 120, 50]) ids.push(await account({ name: `silent ${days}`, lastTouchAt: ago(days), ownerId: dana }));
    const summary = await sweep(settings({ NUDGES_PER_OWNER_PER_DAY: '2' }));
    expect(summary).toMatchObject({ opened: 5, separate: 2, summarized: 3, summaries: 1 });

    const sent = await posts();
    expect(sent.map((p) => p.channel)).toEqual(['U0DANA', 'U0DANA', 'U0DANA']);
    expect(text(sent[0]!.payload)).toContain('silent 120');
    expect(text(sent[1]!.payload)).toContain('silent 90');
    const digest = sent[2]!;
    expect(text(digest.payload)).toContain('3 more accounts gone quiet');
    const listed = ['silent 50', 'silent 40', 'silent 35'].map((n) => text(digest.payload).indexOf(n));
    expect(listed.every((i, k) => i > 0 && (k === 0 || i > listed[k - 1]!))).toBe(true);
    const all = await nudges();
    expect(all.filter((n) => n.summary_outbox_id === digest.id)).toHaveLength(3);
    expect(all.filter((n) => n.message_outbox_id !== null)).toHaveLength(2);

    // The next day the cap is fresh: a newly quiet account gets its own DM.
    const tomorrow = new Date(NOW.getTime() + DAY_MS);
    await account({ name: 'newly quiet', lastTouchAt: ago(31, tomorrow), ownerId: dana });
    expect(await sweep(settings({ NUDGES_PER_OWNER_PER_DAY: '2' }), tomorrow)).toMatchObject({ opened: 1, separate: 1, summaries: 0 });
  });

  it('a backlog longer than a summary shows: each nudge written once, delivered; the summary counts them all', async () => {
    const dana = await owner('U0DANA');
    const ids: number[] = [];
    for (let i = 0; i < 70; i += 1) ids.push(await account({ name: `backlog ${String(i).padStart(2, '0')}`, lastTouchAt: ago(31 + i), ownerId: dana }));
    const summary = await sweep(settings({ NUDGES_PER_OWNER_PER_DAY: '2' }, 9));
    expect(summary).toMatchObject({ opened: 70, separate: 2, summarized: 68, summaries: 1 });
    const sent = await posts();
    expect(sent.map((p) => p.channel)).toEqual(['U0DANA', 'U0DANA', 'U0DANA']);
    expect(text(sent[0]!.payload)).toContain('backlog 69');
    expect(text(sent[1]!.payload)).toContain('backlog 68');
    expect(sent[2]!.payload.blocks?.[0]).toMatchObject({ type: 'header', text: { text: '🗂️ 68 more accounts gone quiet' } });
    const all = await nudges();
    const byAccount = new Map(all.map((n) => [n.account_id, n]));
    expect(byAccount.get(ids[69]!)?.message_outbox_id).toBe(sent[0]!.id);
    expect(byAccount.get(ids[68]!)?.message_outbox_id).toBe(sent[1]!.id);
    expect(all.filter((n) => n.summary_outbox_id === sent[2]!.id)).toHaveLength(68);
    // The summary's key and its Log buttons name nudges that exist; the quietest of the rest comes first.
    expect(sent[2]!.dedupe_key).toBe(`nudge:${byAccount.get(ids[67]!)!.id}:summary`);
    expect(JSON.stringify(sent[2]!.payload.blocks)).toContain(`"value":"${byAccount.get(ids[67]!)!.id}"`);
    expect(all.every((n) => (n.message_outbox_id === null) !== (n.summary_outbox_id === null))).toBe(true);
  });

  it('sends nudges with no owner on Slack to the fallback channel, and DMs an owner Slack knows by email', async () => {
    const unknown = await owner(null, 'pat@example.com');
    const known = await owner(null, 'sam@example.com');
    directoryEmails.set('sam@example.com', 'U0SAM');
    await account({ name: 'Unowned', lastTouchAt: ago(40) });
    await account({ name: 'Pat owns it', lastTouchAt: ago(40), ownerId: unknown });
    await account({ name: 'Sam owns it', lastTouchAt: ago(40), ownerId: known });

    await sweep();
    const sent = await posts();
    expect(sent.map((p) => p.channel).sort()).toEqual([FALLBACK, FALLBACK, 'U0SAM']);
    const fallback = sent.filter((p) => p.channel === FALLBACK).map((p) => text(p.payload)).join('\n');
    expect(fallback).toContain('No owner yet.');
    expect(fallback).toContain('Owner: pat@example.com (not on Slack)');
    const sam = await db().selectFrom('owners').select('slack_user_id').where('id', '=', known).executeTakeFirstOrThrow();
    expect(sam.slack_user_id).toBe('U0SAM');
  });

  it('escalates a nudge open for NUDGE_ESCALATE_AFTER_DAYS to the fallback channel, once, naming the owner', async () => {
    const dana = await owner('U0DANA');
    await account({ name: 'Acme', lastTouchAt: ago(45), ownerId: dana });
    await sweep();
    const s = settings({ NUDGE_ESCALATE_AFTER_DAYS: '5' });
    expect((await sweep(s, new Date(NOW.getTime() + 4 * DAY_MS))).escalated).toBe(0);
    const later = new Date(NOW.getTime() + 5 * DAY_MS);
    expect((await sweep(s, later)).escalated).toBe(1);
    expect((await sweep(s, new Date(later.getTime() + DAY_MS))).escalated).toBe(0);

    const escalations = (await posts()).filter((p) => p.channel === FALLBACK);
    expect(escalations).toHaveLength(1);
    expect(text(escalations[0]!.payload)).toContain('owner <@U0DANA>');
    const [nudge] = await nudges();
    expect(nudge!.escalated_at?.toISOString()).toBe(later.toISOString());
    expect(nudge!.status).toBe('open');
  });

  describe('escalating many at once', () => {
    const ESCALATE = { NUDGE_ESCALATE_AFTER_DAYS: '5' };
    const label = (i: number) => `Due ${String(i).padStart(2, '0')}`;

    /**
     * `count` delivered nudges, all past NUDGE_ESCALATE_AFTER_DAYS, opened on different days in an
     * order unlike their ids, owned in turn by Dana (on Slack), Pat (email only) and nobody.
     * Returns their ids oldest first.
     */
    async function dueNudges(count: number): Promise<Array<{ id: number; name: string }>> {
      const dana = await owner('U0DANA');
      const pat = await owner(null, 'pat@example.com');
      const delivered = await enqueuePost(db(), { dedupeKey: 'delivered', channel: 'U0DANA', message: { text: 'summary' } }, ago(30));
      const made: Array<{ id: number; name: string; openedAt: Date }> = [];
      for (let i = 0; i < count; i += 1) {
        const name = label(i);
        const accountId = await account({ name, lastTouchAt: ago(60 + i), ownerId: [dana, pat, null][i % 3] });
        const openedAt = ago(6 + ((i * 7) % count));
        const row = await db()
          .insertInto('nudges')
          .values({ account_id: accountId, owner_id: [dana, pat, null][i % 3], reason: 'quiet', opened_at: openedAt, threshold_days: 30, threshold_basis: 'default', summary_outbox_id: delivered.id })
          .returning('id')
          .executeTakeFirstOrThrow();
        made.push({ id: row.id, name, openedAt });
      }
      return made.sort((a, b) => a.openedAt.getTime() - b.openedAt.getTime() || a.id - b.id).map(({ id, name }) => ({ id, name }));
    }

    const escalationPosts = async () => {
      const fallback = (await posts()).filter((p) => p.channel === FALLBACK);
      return {
        singles: fallback.filter((p) => /^nudge:\d+:escalation$/.test(p.dedupe_key)),
        summaries: fallback.filter((p) => /^nudge:\d+:escalation-summary$/.test(p.dedupe_key)),
        all: fallback,
      };
    };
    /** The accounts a message names in its blocks, as `*Due 07*`. */
    const namesIn = (payload: MessagePayload) => [...JSON.stringify(payload.blocks).matchAll(/\*(Due \d\d)\*/g)].map((m) => m[1]!);

    it('raises the oldest few on their own and gathers the rest into one summary, all marked escalated; a second run raises nothing', async () => {
      const due = await dueNudges(12);
      expect(ESCALATIONS_SEPARATE).toBe(5);
      expect(await escalateNudges(db(), settings(ESCALATE), sameTime(NOW))).toBe(12);

      const { singles, summaries, all } = await escalationPosts();
      expect(all).toHaveLength(6);
      expect(singles.map((p) => p.dedupe_key)).toEqual(due.slice(0, 5).map((n) => `nudge:${n.id}:escalation`));
      expect(singles.map((p) => namesIn(p.payload))).toEqual(due.slice(0, 5).map((n) => [n.name]));
      expect(JSON.stringify(singles[0]!.payload)).toContain('still needs someone');

      expect(summaries).toHaveLength(1);
      const summary = summaries[0]!;
      const rest = due.slice(5);
      expect(summary.dedupe_key).toBe(`nudge:${Math.min(...rest.map((n) => n.id))}:escalation-summary`);
      expect(summary.payload.blocks![0]).toMatchObject({ type: 'header', text: { text: '⏰ 7 more nudges have gone unanswered for 5+ days' } });
      expect(namesIn(summary.payload).sort()).toEqual(rest.map((n) => n.name).sort());
      const body = JSON.stringify(summary.payload.blocks);
      expect(body).toContain('👤 Owner: <@U0DANA>');
      expect(body).toContain('👤 Owner: pat@example.com (not on Slack)');
      expect(body).toContain('👤 Unowned: no owner on Slack yet');
      expect(body).not.toContain('…and');

      const after = await nudges();
      expect(after.map((n) => n.escalated_at?.toISOString())).toEqual(after.map(() => NOW.toISOString()));
      expect(after.every((n) => n.status === 'open')).toBe(true);

      const before = await posts();
      expect(await escalateNudges(db(), settings(ESCALATE), sameTime(new Date(NOW.getTime() + DAY_MS)))).toBe(0);
      expect(await posts()).toEqual(before);
    });

    it('sends no summary when no more than the few are due', async () => {
      const due = await dueNudges(3);
      expect(await escalateNudges(db(), settings(ESCALATE), sameTime(NOW))).toBe(3);
      const { singles, summaries } = await escalationPosts();
      expect(singles.map((p) => p.dedupe_key)).toEqual(due.map((n) => `nudge:${n.id}:escalation`));
      expect(summaries).toHaveLength(0);
      expect((await nudges()).every((n) => n.escalated_at?.getTime() === NOW.getTime())).toBe(true);
    });

    if (engine === 'postgres') {
      it('two runs at once escalate each nudge once, with at most one summary per run that claimed more than the few', async () => {
        const due = await dueNudges(30);
        const second = await openDatabase(tdb.target);
        let counts: number[];
        try {
          counts = await Promise.all([escalateNudges(db(), settings(ESCALATE), sameTime(NOW)), escalateNudges(second.db, settings(ESCALATE), sameTime(NOW))]);
        } finally {
          await second.close();
        }
        expect(counts[0]! + counts[1]!).toBe(30);
        const { singles, summaries } = await escalationPosts();
        expect(summaries).toHaveLength(counts.filter((n) => n > ESCALATIONS_SEPARATE).length);
        expect(singles).toHaveLength(counts.reduce((sum, n) => sum + Math.min(n, ESCALATIONS_SEPARATE), 0));
        // Every account named exactly once across the single messages and the summaries.
        const named = [...singles, ...summaries].flatMap((p) => namesIn(p.payload)).sort();
        expect(named).toEqual(due.map((n) => n.name).sort());
        const headers = summaries.map((p) => Number(/^⏰ (\d+) more nudges/.exec((p.payload.blocks![0] as { text: { text: string } }).text.text)![1]));
        expect(singles.length + headers.reduce((a, b) => a + b, 0)).toBe(30);
        expect((await nudges()).every((n) => n.escalated_at?.getTime() === NOW.getTime())).toBe(true);
      });

      it('a run skips the nudges another holds and summarizes only its own; the other run then takes the rest', async () => {
        const due = await dueNudges(20);
        const held = due.filter((_, i) => i % 2 === 1).map((n) => n.id);
        const second = await openDatabase(tdb.target);
        let first = 0;
        let rest = 0;
        try {
          // The second handle holds every other nudge, as a run that claimed them would.
          await second.db.transaction().execute(async (trx) => {
            await trx.selectFrom('nudges').select('id').where('id', 'in', held).forUpdate().execute();
            first = await escalateNudges(db(), settings(ESCALATE), sameTime(NOW));
          });
          rest = await escalateNudges(second.db, settings(ESCALATE), sameTime(NOW));
        } finally {
          await second.close();
        }
        expect([first, rest]).toEqual([10, 10]);
        const { singles, summaries } = await escalationPosts();
        expect(singles.map((p) => p.dedupe_key)).toEqual(
          [...due.filter((_, i) => i % 2 === 0).slice(0, 5), ...due.filter((_, i) => i % 2 === 1).slice(0, 5)].map((n) => `nudge:${n.id}:escalation`),
        );
        expect(summaries.map((p) => namesIn(p.payload).sort())).toEqual([
          due.filter((_, i) => i % 2 === 0).slice(5).map((n) => n.name).sort(),
          due.filter((_, i) => i % 2 === 1).slice(5).map((n) => n.name).sort(),
        ]);
        expect(new Set(summaries.map((p) => p.dedupe_key)).size).toBe(2);
      });
    }
  });

  it('expires a nudge whose account got an outbound touchpoint some other way, rewriting its message', async () => {
    const dana = await owner('U0DANA');
    const acme = await account({ name: 'Acme', lastTouchAt: ago(45), ownerId: dana });
    const globex = await account({ name: 'Globex', lastTouchAt: ago(90), ownerId: dana });
    await sweep();
    const acmeNudge = (await nudges()).find((n) => n.account_id === acme);
    const globexNudge = (await nudges()).find((n) => n.account_id === globex);

    const later = new Date(NOW.getTime() + DAY_MS);
    await touch(acme, later, 'outbound', later);
    // Recorded now but dated long ago: Globex is still quiet, its nudge stays.
    await touch(globex, ago(60), 'outbound', later);
    const summary = await sweep(settings(), later);
    expect(summary).toMatchObject({ expired: 1, opened: 0 });

    const after = await nudges();
    expect(after.find((n) => n.id === acmeNudge!.id)).toMatchObject({ status: 'expired' });
    expect(after.find((n) => n.id === globexNudge!.id)).toMatchObject({ status: 'open' });
    const update = await db().selectFrom('outbox').selectAll().where('kind', '=', 'update').executeTakeFirstOrThrow();
    expect(update.update_of).toBe(acmeNudge!.message_outbox_id);
    expect(update.channel).toBe('U0DANA');
    expect(update.payload.text).toBe('✔️ *Acme* is active again (a call on 2026-11-21); nothing to do.');
  });

  if (engine === 'postgres') {
    it('two sweeps at once give one nudge per account and respect the cap', async () => {
      const dana = await owner('U0DANA');
      for (let i = 0; i < 40; i += 1) await account({ name: `quiet ${i}`, lastTouchAt: ago(31 + i), ownerId: i % 2 === 0 ? dana : null });
      const second = await openDatabase(tdb.target);
      try {
        const s = settings({ NUDGES_PER_OWNER_PER_DAY: '3' }, 7);
        const [a, b] = await Promise.all([sweep(s, NOW, db()), sweep(s, NOW, second.db)]);
        expect(a.opened + b.opened).toBe(40);
      } finally {
        await second.close();
      }
      const all = await nudges();
      expect(all).toHaveLength(40);
      expect(new Set(all.map((n) => n.account_id)).size).toBe(40);
      const sent = await posts();
      // Dana: 3 separate + 1 summary; the fallback channel: 3 separate + 1 summary.
      expect(sent.filter((p) => p.channel === 'U0DANA')).toHaveLength(4);
      expect(sent.filter((p) => p.channel === FALLBACK)).toHaveLength(4);
      expect(all.every((n) => (n.message_outbox_id === null) !== (n.summary_outbox_id === null))).toBe(true);
    });
  }

  describe('two clocks: a sweep as of another instant decides by it and delivers by the wall clock', () => {
    const sweepAt = (asOf: Date, wall: Date, s = settings({ NUDGES_PER_OWNER_PER_DAY: '1', NUDGE_ESCALATE_AFTER_DAYS: '5' })) =>
      sweepNudges(db(), s, { time: { asOf, wall }, directory, log: silentLogger() });
    const AHEAD = new Date(NOW.getTime() + 40 * DAY_MS);
    const BEHIND = ago(40);

    it('as of 40 days ahead: due at once, opened as of then, and the cap it spends is today’s, not that day’s', async () => {
      const dana = await owner('U0DANA');
      // Touched 15 and 20 days ago: not quiet now, quiet 40 days on.
      const a = await account({ name: 'Alpha', lastTouchAt: ago(15), ownerId: dana });
      const b = await account({ name: 'Beta', lastTouchAt: ago(20), ownerId: dana });
      expect(await sweepAt(AHEAD, NOW)).toMatchObject({ opened: 2, separate: 1, summarized: 1, summaries: 1, escalated: 0 });
      for (const post of await posts()) expect(post.next_attempt_at).toEqual(NOW);
      for (const n of await nudges()) expect(n).toMatchObject({ opened_at: AHEAD, created_at: NOW });

      // Later today a real sweep finds a really quiet account: today's cap of 1 is spent, so a summary.
      const c = await account({ name: 'Gamma', lastTouchAt: ago(45), ownerId: dana });
      const later = new Date(NOW.getTime() + 2 * 3_600_000);
      expect(await sweepAt(later, later)).toMatchObject({ opened: 1, separate: 0, summarized: 1 });
      // One open nudge per account: the ones the run opened are not opened again.
      expect((await nudges()).map((n) => n.account_id).sort((x, y) => x - y)).toEqual([a, b, c].sort((x, y) => x - y));

      // When the wall clock really reaches that day, its cap is whole: the run spent today's.
      const d = await account({ name: 'Delta', lastTouchAt: ago(45, AHEAD), ownerId: dana });
      expect(await sweepAt(AHEAD, AHEAD)).toMatchObject({ opened: 1, separate: 1, summarized: 0 });
      expect((await nudges()).find((n) => n.account_id === d)?.message_outbox_id).not.toBeNull();
    });

    it('as of 40 days ago: due at once, and a nudge it sent is escalated after the grace from when it was sent, not from then', async () => {
      const dana = await owner('U0DANA');
      await account({ name: 'Alpha', lastTouchAt: ago(100), ownerId: dana });
      expect(await sweepAt(BEHIND, NOW)).toMatchObject({ opened: 1, separate: 1, escalated: 0 });
      const [nudge] = await nudges();
      expect(nudge).toMatchObject({ opened_at: NOW, created_at: NOW });
      expect((await posts())[0]?.next_attempt_at).toEqual(NOW);
      // The real sweep the next day: the owner has had it for a day, not forty.
      const tomorrow = new Date(NOW.getTime() + DAY_MS);
      expect(await sweepAt(tomorrow, tomorrow)).toMatchObject({ escalated: 0 });
      const sixDays = new Date(NOW.getTime() + 6 * DAY_MS);
      expect(await sweepAt(sixDays, sixDays)).toMatchObject({ escalated: 1 });
    });

    it('a nudge opened as of a later day is still answered by a touch recorded today', async () => {
      const dana = await owner('U0DANA');
      const a = await account({ name: 'Alpha', lastTouchAt: ago(15), ownerId: dana });
      await sweepAt(AHEAD, NOW);
      const [open] = await nudges();
      expect(open).toMatchObject({ status: 'open', account_id: a });
      await touch(a, new Date(NOW.getTime() + 3_600_000), 'outbound', new Date(NOW.getTime() + 3_600_000));
      const tomorrow = new Date(NOW.getTime() + DAY_MS);
      expect(await sweepAt(tomorrow, tomorrow)).toMatchObject({ expired: 1 });
      expect((await nudges())[0]).toMatchObject({ id: open!.id, status: 'expired' });
    });
  });
});
