// "Quiet to the hour" on the real database: the sweep's SQL candidate set, the pure domain rule and
// `/quiet` (accountsOwnedBy + rankQuietAccounts) agree on which accounts are quiet, for random
// silences on both sides of every threshold and every way a threshold is chosen.
import fc from 'fast-check';
import { accountsOwnedBy } from '../../src/accounts/account-overview-queries.js';
import { quietCandidatesPage, type ThresholdRule } from '../../src/accounts/quiet-queries.js';
import { rankQuietAccounts } from '../../src/accounts/quiet-ranking.js';
import { quietState } from '../../src/domain/quiet.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../support/test-database.js';

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

describe.each(testEngines())('quiet to the hour: SQL, domain and /quiet agree (%s)', (engine) => {
  let tdb: TestDatabase;
  const db = () => tdb.handle.db;

  beforeAll(async () => {
    tdb = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await tdb?.destroy();
  });

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
          for (const [i, a] of generated.entries()) {
            const threshold = thresholdOf(a);
            const silentMs = a.silence.near ? Math.max(0, threshold * DAY_MS + a.silence.deltaMs) : a.silence.silentMs;
            const lastTouchAt = new Date(now.getTime() - silentMs);
            const inbound = a.inboundAgoMs === null ? null : new Date(now.getTime() - Math.min(a.inboundAgoMs, Math.max(0, silentMs - 1)));
            const lastInboundAt = inbound !== null && inbound > lastTouchAt ? inbound : null;
            const row = await db()
              .insertInto('accounts')
              .values({
                name: `account ${i}`,
                owner_id: owner.id,
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
            rows.push({ id: row.id, threshold, lastTouchAt, lastInboundAt });
          }

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
});
