// "Quiet to the hour" on the real database: the sweep's SQL candidate set, the pure domain rule and
// `/quiet` (accountsOwnedBy + rankQuietAccounts) agree on which accounts are quiet, for random
// silences on both sides of every threshold and every way a threshold is chosen.
import fc from 'fast-check';
import { sql } from 'kysely';
import { accountsOwnedBy } from '../../src/accounts/account-overview-queries.js';
import { quietCandidatesPage, type ThresholdRule } from '../../src/accounts/quiet-queries.js';
import { risingCandidatesPage } from '../../src/top/top-queries.js';
import { rankQuietAccounts } from '../../src/accounts/quiet-ranking.js';
import { quietnessScore, quietState } from '../../src/domain/quiet.js';
import { RISING_MIN_DAYS, risingThresholdDays } from '../../src/domain/top-ten.js';
import { stageQuietNudges } from '../../src/nudge/open-nudges.js';
import type { NudgeSettings } from '../../src/nudge/nudge-settings.js';
import { closeSweepStage, openSweepStage } from '../../src/nudge/sweep-stage-queries.js';
import { stageRisingNudges } from '../../src/top/rising-nudges.js';
import { describeEachEngine } from '../support/test-database.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const OWNER = 'U0QUIET';
const rule: ThresholdRule = { tierDays: { gold: 14, silver: 45 }, defaultDays: 30 };

interface Generated {
  /** How the threshold is chosen: the account's override, its tier's, its rhythm, the default. */
  basis: 'override' | 'tier' | 'cadence' | 'default';
  overrideDays: number;
  tier: 'gold' | 'silver';
  cadenceDays: number;
  /** Silence relative to the threshold: near it (within two hours either way), or anywhere. */
  silence: { near: true; deltaMs: number } | { near: false; silentMs: number };
  /** An inbound contact since the last touch, this long before now. */
  inboundAgoMs: number | null;
}

const account: fc.Arbitrary<Generated> = fc.record({
  basis: fc.constantFrom('override' as const, 'tier' as const, 'cadence' as const, 'default' as const),
  overrideDays: fc.integer({ min: 1, max: 90 }),
  tier: fc.constantFrom('gold' as const, 'silver' as const),
  cadenceDays: fc.integer({ min: 7, max: 180 }),
  silence: fc.oneof(
    fc.record({ near: fc.constant(true as const), deltaMs: fc.oneof(fc.integer({ min: -2 * HOUR_MS, max: 2 * HOUR_MS }), fc.constantFrom(-1, 0, 1)) }),
    fc.record({ near: fc.constant(false as const), silentMs: fc.integer({ min: 0, max: 200 * DAY_MS }) }),
  ),
  inboundAgoMs: fc.option(fc.integer({ min: 0, max: 10 * DAY_MS }), { nil: null }),
});

function thresholdOf(a: Generated): number {
  switch (a.basis) {
    case 'override':
      return a.overrideDays;
    case 'tier':
      return rule.tierDays[a.tier]!;
    case 'cadence':
      return a.cadenceDays;
    case 'default':
      return rule.defaultDays;
  }
}

describeEachEngine('quiet to the hour: SQL, domain and /quiet agree (%s)', (tdb) => {
  const db = () => tdb.handle.db;

  /** A generated account as a row, silent and contacted as generated relative to `now`. */
  async function insertGenerated(a: Generated, i: number, now: Date, ownerId: number) {
    const threshold = thresholdOf(a);
    const silentMs = a.silence.near ? Math.max(0, threshold * DAY_MS + a.silence.deltaMs) : a.silence.silentMs;
    const lastTouchAt = new Date(now.getTime() - silentMs);
    const inbound = a.inboundAgoMs === null ? null : new Date(now.getTime() - Math.min(a.inboundAgoMs, Math.max(0, silentMs - 1)));
    const lastInboundAt = inbound !== null && inbound > lastTouchAt ? inbound : null;
    const row = await db()
      .insertInto('accounts')
      .values({
        name: `account ${i}`,
        owner_id: ownerId,
        // Each basis beats the ones after it: an override beats the tier, the tier the rhythm.
        quiet_after_days: a.basis === 'override' ? a.overrideDays : null,
        tier: a.basis === 'override' ? a.tier : a.basis === 'tier' ? a.tier.toUpperCase() : 'bronze',
        cadence_days: a.basis === 'default' ? null : a.cadenceDays,
        last_touch_at: lastTouchAt,
        last_inbound_at: lastInboundAt,
        created_at: new Date(now.getTime() - 400 * DAY_MS),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, threshold, lastTouchAt, lastInboundAt };
  }

  it('for random times, the candidate set is exactly the accounts the domain rule finds quiet (and urgent ones are never missed)', async () => {
    const owner = await db().insertInto('owners').values({ slack_user_id: OWNER, display_name: 'Quinn' }).returning('id').executeTakeFirstOrThrow();
    await fc.assert(
      fc.asyncProperty(
        fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom('UTC', 'America/New_York', 'Asia/Kolkata'),
        fc.array(account, { minLength: 1, maxLength: 12 }),
        async (now, tz, generated) => {
          await db().deleteFrom('accounts').execute();
          const rows = [];
          for (const [i, a] of generated.entries()) rows.push(await insertGenerated(a, i, now, owner.id));

          const domain = new Map(
            rows.map((r) => [
              r.id,
              quietState({ status: 'active', snoozedUntil: null, hasOpenNudge: false, lastTouchAt: r.lastTouchAt, lastInboundAt: r.lastInboundAt, thresholdDays: r.threshold, now, tz }).kind,
            ]),
          );
          const candidates = await quietCandidatesPage(db(), { now, tz, rule, after: null, limit: 1000 });
          const sqlIds = new Set(candidates.map((c) => c.id));
          for (const c of candidates) expect(c.thresholdDays).toBe(rows.find((r) => r.id === c.id)!.threshold);

          for (const r of rows) {
            const kind = domain.get(r.id);
            const silentEnough = now.getTime() - r.lastTouchAt.getTime() >= r.threshold * DAY_MS;
            // Quiet is one rule in both places: threshold × 24 h, to the millisecond.
            if (silentEnough) expect({ id: r.id, inSql: sqlIds.has(r.id) }).toEqual({ id: r.id, inSql: true });
            if (kind === 'quiet' || kind === 'urgent') expect({ id: r.id, kind, inSql: sqlIds.has(r.id) }).toEqual({ id: r.id, kind, inSql: true });
            // Without an unanswered inbound contact the SQL reads nothing the domain refuses.
            if (r.lastInboundAt === null) expect({ id: r.id, kind, inSql: sqlIds.has(r.id) }).toEqual({ id: r.id, kind, inSql: kind === 'quiet' });
          }

          // `/quiet` reads the same accounts with the same thresholds and the same rule.
          const listed = rankQuietAccounts(await accountsOwnedBy(db(), OWNER, now, rule), { now, tz });
          const domainQuiet = rows.filter((r) => ['quiet', 'urgent'].includes(domain.get(r.id)!)).map((r) => r.id);
          expect(listed.map((a) => a.id).sort((a, b) => a - b)).toEqual(domainQuiet.sort((a, b) => a - b));
        },
      ),
      { numRuns: 60 },
    );
  }, 240_000);

  // The sweep decides and scores quiet (and rising) accounts in SQL (sweep-stage-queries.ts); the
  // pure rule still decides the accounts with an unanswered inbound contact. Whatever the split,
  // the stage must hold what the domain says: reason, threshold and the very same score.
  it('the sweep stage holds exactly the quiet, urgent and rising accounts of the domain rule, with its reason, threshold and score', async () => {
    const owner = await db().insertInto('owners').values({ slack_user_id: 'U0STAGE', display_name: 'Stella' }).returning('id').executeTakeFirstOrThrow();
    await fc.assert(
      fc.asyncProperty(
        fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom('UTC', 'America/New_York', 'Asia/Kolkata'),
        fc.array(fc.record({ a: account, up: fc.boolean(), microseconds: fc.integer({ min: 0, max: 999 }) }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        // No nudge is open here, so the stage may be told so (as the sweep does then) or not.
        fc.boolean(),
        async (now, tz, generated, pageSize, lookForOpenNudges) => {
          await db().deleteFrom('accounts').execute();
          const rows = [];
          for (const [i, { a, up, microseconds }] of generated.entries()) {
            const row = await insertGenerated(a, i, now, owner.id);
            const { threshold, lastTouchAt, lastInboundAt } = row;
            // Microseconds the domain never sees (times reach it to the millisecond): the SQL must ignore them too.
            await sql`update accounts set last_touch_at = last_touch_at + ${microseconds} * interval '1 microsecond' where id = ${row.id}`.execute(db());
            if (up) {
              await db()
                .insertInto('rep_arrows')
                .values({ account_id: row.id, direction: 'up', set_by_slack_user_id: 'U0STAGE', set_at: new Date(now.getTime() - DAY_MS) })
                .execute();
            }
            rows.push({ id: row.id, threshold, lastTouchAt, lastInboundAt, microseconds });
          }
          // What the sweep staged page by page before: the SQL candidate pages, each row decided and
          // scored by the pure rule (the quiet one, then the rising one at the halved threshold).
          const expected = new Map<number, { reason: string; threshold_days: number; rising: boolean; score: number }>();
          for (const c of await quietCandidatesPage(db(), { now, tz, rule, after: null, limit: 1000 })) {
            const state = quietState({ ...c, hasOpenNudge: false, now, tz });
            if (state.kind === 'quiet' || state.kind === 'urgent') expected.set(c.id, { reason: state.kind, threshold_days: c.thresholdDays, rising: false, score: quietnessScore(state) });
          }
          for (const c of await risingCandidatesPage(db(), { now, rule, after: null, limit: 1000, minDays: RISING_MIN_DAYS })) {
            if (!c.rising || expected.has(c.id)) continue;
            const half = risingThresholdDays(c.thresholdDays);
            const state = quietState({ ...c, lastInboundAt: null, hasOpenNudge: false, thresholdDays: half, now, tz });
            if (state.kind === 'quiet') expected.set(c.id, { reason: 'quiet', threshold_days: half, rising: true, score: quietnessScore(state) });
          }
          // And the pure rule itself, for the accounts with no sub-millisecond part to tell them apart.
          for (const r of rows) {
            if (r.microseconds !== 0) continue;
            const state = quietState({ status: 'active', snoozedUntil: null, hasOpenNudge: false, lastTouchAt: r.lastTouchAt, lastInboundAt: r.lastInboundAt, thresholdDays: r.threshold, now, tz });
            if (state.kind === 'quiet' || state.kind === 'urgent') expect(expected.get(r.id)).toEqual({ reason: state.kind, threshold_days: r.threshold, rising: false, score: quietnessScore(state) });
          }

          const settings: NudgeSettings = { tz, rule, perOwnerPerDay: 5, escalateAfterDays: 2, fallbackChannel: 'C0FALLBACK', pageSize };
          const staged = await db()
            .connection()
            .execute(async (conn) => {
              await openSweepStage(conn);
              try {
                await stageQuietNudges(conn, settings, { asOf: now, wall: now }, lookForOpenNudges);
                await stageRisingNudges(conn, { asOf: now, wall: now });
                const result = await sql<{ account_id: string; reason: string; threshold_days: number; rising: boolean; score: number }>`
                  select account_id, reason, threshold_days, rising, score from nudge_sweep_staged order by account_id`.execute(conn);
                return result.rows;
              } finally {
                await closeSweepStage(conn);
              }
            });
          const actual = new Map(staged.map(({ account_id, ...rest }) => [Number(account_id), rest]));
          // The stage has no key: each account must be staged once by construction.
          expect(actual.size).toBe(staged.length);
          expect([...actual.entries()].sort(([x], [y]) => x - y)).toEqual([...expected.entries()].sort(([x], [y]) => x - y));
        },
      ),
      { numRuns: 60 },
    );
  }, 240_000);
}, { resetEachTest: false });
