import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrator.js';

/**
 * The data set of the quiet-account sweep benchmark: 1,000,000 accounts (≈ 500 owners on Slack)
 * and 10,000,000 touchpoints (plus ≈ 2 payments per account), written by PostgreSQL itself with
 * `INSERT … SELECT … FROM generate_series(…)` — no rows cross the wire — into a database of its own
 * that is kept between runs. A marker row (bench_gen.generator) records the generator version and
 * the sizes; the data is regenerated only when they differ, or with `--fresh`.
 *
 * Every value is a pure function of the account number (hashint8extended as the random source), so
 * a data set is the same every time it is generated, and the accounts' derived columns agree with
 * their touchpoints by construction:
 * - last_touch_at is the latest outbound touchpoint (the account's creation when it has none):
 *   55% touched within the last 30 days, the rest spread over 30 days to 2 years ago;
 * - last_inbound_at the latest inbound one; 4% have an unanswered inbound contact (urgent);
 * - cadence_days by the rule of migration 0005 (1.5 × the median gap of the last 12 distinct
 *   outbound days, clamped to 7–180, when there are 4 such days), computed over the same generated
 *   touchpoints before they are written, so the accounts are written once and never updated;
 * - 8% churned, 3% snoozed into the future (1% snoozed in the past), 23% with a tier (Gold,
 *   Silver, and an unconfigured Bronze that falls through to cadence), 2% with their own override,
 *   0.5% with no owner (they go to the fallback channel).
 * Secondary indexes are dropped during the load and rebuilt after it (their definitions read from
 * the catalog, so they are the migrations' own); then VACUUM (ANALYZE).
 *
 * Run on its own: `node dist/scripts/bench/sweep-data.js [--quick] [--fresh] [--postgres <url>]`.
 */

/** Bump when the generated data changes: a different version regenerates. */
export const SWEEP_GENERATOR_VERSION = 'sweep-data 1';

/** The instant the data is generated around, and the sweep's fixed clock: Tuesday 09:00 UTC. */
export const SWEEP_NOW = new Date('2026-06-02T09:00:00.000Z');

/** The bot's settings for the sweep (environment variables, as an operator would set them). */
export const SWEEP_ENV = {
  QUIET_AFTER_DAYS: '30',
  QUIET_AFTER_DAYS_BY_TIER: 'gold=14,silver=45',
  NUDGES_PER_OWNER_PER_DAY: '5',
  NUDGE_ESCALATE_AFTER_DAYS: '5',
  TZ: 'UTC',
} as const;

export interface SweepDataSpec {
  accounts: number;
  touchpoints: number;
  owners: number;
}

export const FULL_SPEC: SweepDataSpec = { accounts: 1_000_000, touchpoints: 10_000_000, owners: 500 };
/** Owners scale with accounts so that an owner still has ≈ 2,000 accounts for `/quiet`. */
export const QUICK_SPEC: SweepDataSpec = { accounts: 50_000, touchpoints: 500_000, owners: 25 };

/** Accounts per load step: one step's touchpoints (≈ 1M) are generated, aggregated and written at once. */
const CHUNK = 100_000;
const TABLES = ['accounts', 'touchpoints', 'payments'];

export interface SweepData {
  /** URL of the benchmark database. */
  url: string;
  database: string;
  spec: SweepDataSpec;
  now: Date;
  /** True when this call generated the data; false when it was reused. */
  generated: boolean;
  /** How long the generation took (this call's, or the one recorded in the marker). */
  generatorSeconds: number;
  generatedAt: Date;
  counts: { owners: number; accounts: number; touchpoints: number; payments: number };
}

export function sweepDatabaseName(quick: boolean): string {
  // Two databases, so a quick run does not throw away the full data set (and the other way round).
  return quick ? 'appreciation_bench_sweep_quick' : 'appreciation_bench_sweep';
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Holds a session advisory lock on the server (in its `postgres` database) so that two benchmark
 * runs never generate into, or reset, the same database at once. Returns the release.
 */
export async function lockSweepBench(serverUrl: string, log: (line: string) => void): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  const key = "hashtext('appreciation_bench_sweep')";
  const { rows } = await client.query<{ ok: boolean }>(`select pg_try_advisory_lock(${key}) as ok`);
  if (!rows[0]!.ok) {
    log('sweep: another sweep benchmark holds the data set; waiting for it');
    await client.query(`select pg_advisory_lock(${key})`);
  }
  return async () => {
    await client.query(`select pg_advisory_unlock(${key})`).catch(() => {});
    await client.end();
  };
}

interface Marker {
  version: string;
  accounts: number;
  touchpoints: number;
  owners: number;
  now: Date;
  seconds: number;
  generated_at: Date;
  actual_accounts: number;
  actual_touchpoints: number;
  actual_payments: number;
  actual_owners: number;
}

async function readMarker(url: string): Promise<Marker | null> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch {
    return null; // no such database yet
  }
  try {
    const { rows } = await client.query<Marker>(
      `select version, accounts, touchpoints, owners, now, seconds, generated_at, actual_accounts::float8 as actual_accounts,
              actual_touchpoints::float8 as actual_touchpoints, actual_payments::float8 as actual_payments, actual_owners::float8 as actual_owners
       from bench_gen.generator order by generated_at desc limit 1`,
    );
    return rows[0] ?? null;
  } catch {
    return null; // no marker table: an interrupted or foreign database
  } finally {
    await client.end();
  }
}

function matches(marker: Marker | null, spec: SweepDataSpec): boolean {
  return (
    marker !== null &&
    marker.version === SWEEP_GENERATOR_VERSION &&
    marker.accounts === spec.accounts &&
    marker.touchpoints === spec.touchpoints &&
    marker.owners === spec.owners &&
    new Date(marker.now).getTime() === SWEEP_NOW.getTime()
  );
}

/** The data set for `quick`, generated only when the marker does not match (or `fresh`). Migrates it to the latest schema either way. */
export async function ensureSweepData(options: { serverUrl: string; quick: boolean; fresh: boolean; log: (line: string) => void }): Promise<SweepData> {
  const { log } = options;
  const spec = options.quick ? QUICK_SPEC : FULL_SPEC;
  const database = sweepDatabaseName(options.quick);
  const url = withDatabase(options.serverUrl, database);
  const marker = options.fresh ? null : await readMarker(url);
  if (marker !== null && matches(marker, spec)) {
    // Migrations added since the data was generated run on it as they would in production.
    const handle = await openDatabase({ kind: 'postgres', url });
    try {
      await migrateToLatest(handle.db);
    } finally {
      await handle.close();
    }
    log(
      `sweep: reusing ${database} (${SWEEP_GENERATOR_VERSION}, ${marker.actual_accounts.toLocaleString('en-US')} accounts, ` +
        `${marker.actual_touchpoints.toLocaleString('en-US')} touchpoints; generated ${new Date(marker.generated_at).toISOString()} in ${marker.seconds.toFixed(0)} s)`,
    );
    return {
      url,
      database,
      spec,
      now: SWEEP_NOW,
      generated: false,
      generatorSeconds: marker.seconds,
      generatedAt: new Date(marker.generated_at),
      counts: { owners: marker.actual_owners, accounts: marker.actual_accounts, touchpoints: marker.actual_touchpoints, payments: marker.actual_payments },
    };
  }
  log(
    options.fresh
      ? `sweep: --fresh: regenerating ${database}`
      : marker === null
        ? `sweep: no usable data set in ${database}; generating it`
        : `sweep: ${database} holds ${marker.version} ${marker.accounts}/${marker.touchpoints}; regenerating`,
  );
  return generate(options.serverUrl, database, url, spec, log);
}

async function generate(serverUrl: string, database: string, url: string, spec: SweepDataSpec, log: (line: string) => void): Promise<SweepData> {
  const began = performance.now();
  const step = (what: string, t: number) => log(`sweep data: ${what} in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const admin = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await admin.connect();
  try {
    // Only ever our own database, by its fixed name.
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }

  const handle = await openDatabase({ kind: 'postgres', url });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`set timezone = 'UTC'`);
    await client.query(`set synchronous_commit = off`);
    await client.query(`set work_mem = '256MB'`);
    await client.query(`set maintenance_work_mem = '1GB'`);
    // The rows are consistent by construction: skip the per-row foreign-key triggers (superuser only).
    const replica = await client.query(`set session_replication_role = replica`).then(
      () => true,
      () => false,
    );
    await createGenerator(client, spec);

    let t = performance.now();
    const indexes = await dropSecondaryIndexes(client);
    await client.query(
      `insert into owners (id, email, slack_user_id, display_name, created_at, updated_at)
       select n, 'rep' || lpad(n::text, 4, '0') || '@bench.example', 'UBENCH' || lpad(n::text, 5, '0'), 'Rep ' || lpad(n::text, 4, '0'),
              timestamptz '${SWEEP_NOW.toISOString()}' - interval '6 years', timestamptz '${SWEEP_NOW.toISOString()}' - interval '6 years'
       from generate_series(1, ${spec.owners}) n`,
    );
    for (let lo = 1; lo <= spec.accounts; lo += CHUNK) {
      const hi = Math.min(spec.accounts, lo + CHUNK - 1);
      await loadChunk(client, lo, hi);
      log(`sweep data: accounts ${lo.toLocaleString('en-US')}–${hi.toLocaleString('en-US')} written (${((performance.now() - began) / 1000).toFixed(0)} s)`);
    }
    for (const table of ['owners', 'accounts']) {
      await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`);
    }
    step('rows', t);

    t = performance.now();
    await recreateIndexes(client, indexes);
    step(`${indexes.length} secondary indexes rebuilt`, t);
    if (replica) await client.query(`set session_replication_role = origin`);

    t = performance.now();
    await client.query(`vacuum (analyze) owners, accounts, touchpoints, payments`);
    step('vacuum (analyze)', t);

    await verifySample(client, log);
    const counts = await countRows(client);
    const seconds = (performance.now() - began) / 1000;
    await client.query(
      `create table if not exists bench_gen.generator (
         version text not null, accounts integer not null, touchpoints integer not null, owners integer not null, now timestamptz not null,
         seconds float8 not null, generated_at timestamptz not null default now(),
         actual_accounts bigint not null, actual_touchpoints bigint not null, actual_payments bigint not null, actual_owners bigint not null)`,
    );
    await client.query(`truncate bench_gen.generator`);
    await client.query(
      `insert into bench_gen.generator (version, accounts, touchpoints, owners, now, seconds, actual_accounts, actual_touchpoints, actual_payments, actual_owners)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [SWEEP_GENERATOR_VERSION, spec.accounts, spec.touchpoints, spec.owners, SWEEP_NOW, seconds, counts.accounts, counts.touchpoints, counts.payments, counts.owners],
    );
    log(
      `sweep data: ${database} generated in ${seconds.toFixed(0)} s: ${counts.accounts.toLocaleString('en-US')} accounts, ` +
        `${counts.touchpoints.toLocaleString('en-US')} touchpoints, ${counts.payments.toLocaleString('en-US')} payments, ${counts.owners} owners`,
    );
    return { url, database, spec, now: SWEEP_NOW, generated: true, generatorSeconds: seconds, generatedAt: new Date(), counts };
  } finally {
    await client.end();
  }
}

/**
 * The generator as SQL functions of the account number i (touchpoint k of account i uses i*64+k).
 * Constants (the instant, the sizes) are written into the bodies: they are numbers and one ISO time.
 */
async function createGenerator(client: pg.Client, spec: SweepDataSpec): Promise<void> {
  const now = `timestamptz '${SWEEP_NOW.toISOString()}'`;
  // Touchpoints per account: uniform on 0..2m, mean m = touchpoints / accounts.
  const spread = (2 * spec.touchpoints) / spec.accounts + 1;
  const statements = [
    `create schema if not exists bench_gen`,
    // Uniform on [0, 1), a pure function of (x, salt).
    `create function bench_gen.u(x bigint, salt bigint) returns float8 language sql immutable parallel safe
       return (hashint8extended(x, salt) & 4503599627370495)::float8 / 4503599627370496.0`,
    `create function bench_gen.owner(i bigint) returns bigint language sql immutable parallel safe
       return case when bench_gen.u(i, 1) < 0.005 then null else 1 + floor(bench_gen.u(i, 2) * ${spec.owners})::bigint end`,
    `create function bench_gen.tp_count(i bigint) returns integer language sql immutable parallel safe
       return floor(bench_gen.u(i, 10) * ${spread})::integer`,
    // The account's own rhythm, in days between touchpoints.
    `create function bench_gen.gap_days(i bigint) returns integer language sql immutable parallel safe
       return 3 + floor(bench_gen.u(i, 9) * 57)::integer`,
    // Its latest outbound touch: 55% within the last 30 days, the rest from 30 days to 2 years ago.
    `create function bench_gen.last_out(i bigint) returns timestamptz language sql immutable parallel safe
       return ${now} - (case when bench_gen.u(i, 11) < 0.55 then 0.05 + bench_gen.u(i, 12) * 29.95
                             else 30 + 700 * power(bench_gen.u(i, 12), 1.5) end) * interval '1 day'`,
    // An inbound contact after the latest outbound one: waiting for an answer.
    `create function bench_gen.urgent(i bigint) returns boolean language sql immutable parallel safe
       return bench_gen.u(i, 14) < 0.04 and bench_gen.tp_count(i) >= 2`,
    `create function bench_gen.pay_count(i bigint) returns integer language sql immutable parallel safe
       return floor(bench_gen.u(i, 20) * 5)::integer`,
    `create function bench_gen.last_paid(i bigint) returns timestamptz language sql immutable parallel safe
       return ${now} - (1 + bench_gen.u(i, 21) * 45 + case when bench_gen.u(i, 3) < 0.08 then 200 else 0 end) * interval '1 day'`,
    `create function bench_gen.touches(lo bigint, hi bigint) returns table (account_id bigint, k integer, occurred_at timestamptz, inbound boolean)
       language sql immutable parallel safe as $$
       select g.i, s.k,
              case when s.k = 0 then a.l
                   when s.k = 1 and a.urgent then a.l + (${now} - a.l) * (0.1 + 0.8 * bench_gen.u(g.i, 15))
                   else a.l - ((s.k - case when a.urgent then 1 else 0 end) * a.gap) * interval '1 day'
                            - bench_gen.u(g.i * 64 + s.k, 3) * interval '12 hours'
              end,
              case when s.k = 0 then false
                   when s.k = 1 and a.urgent then true
                   else bench_gen.u(g.i * 64 + s.k, 2) < 0.2
              end
       from generate_series(lo, hi) as g(i)
       cross join lateral (select bench_gen.last_out(g.i) as l, bench_gen.gap_days(g.i) as gap, bench_gen.urgent(g.i) as urgent,
                                  bench_gen.tp_count(g.i) as n offset 0) as a
       cross join lateral generate_series(0, a.n - 1) as s(k)
     $$`,
  ];
  for (const statement of statements) await client.query(statement);
}

const FIRST = ['Acme', 'Northwind', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne', 'Soylent', 'Wonka', 'Gringotts', 'Oceanic', 'Pied Piper', 'Massive Dynamic', 'Aperture', 'Black Mesa', 'Blue Sun', 'Monarch', 'Dunder', 'Sterling', 'Prestige', 'Bluth', 'Krusty', 'Duff', 'Nakatomi', 'Virtucon', 'Gekko', 'Cogswell', 'Spacely', 'Rekall', 'Weyland', 'Yoyodyne', 'Zorg', 'Ollivander', 'Lunar', 'Polar', 'Summit', 'Harbor', 'Maple', 'Cedar', 'Granite', 'Copper', 'Silverline', 'Redwood', 'Evergreen', 'Riverside', 'Lakeside', 'Hilltop', 'Meadow', 'Sunrise', 'Sunset', 'Horizon', 'Pinnacle', 'Keystone', 'Cornerstone', 'Lighthouse', 'Compass', 'Anchor', 'Beacon', 'Falcon', 'Eagle', 'Heron', 'Otter', 'Badger', 'Fox', 'Wolf', 'Bear', "O'Brien", "McAllister", 'Fischer', 'Müller', 'Dubois', 'Rossi', 'García', 'Novak', 'Kowalski', 'Jensen', 'Larsen', 'Tanaka', 'Sato', 'Kim', 'Nguyen', 'Patel', 'Singh', 'Okafor', 'Mensah', 'Silva', 'Costa', 'Andersson', 'Nieminen', 'Horvat', 'Papadopoulos', 'Cohen', 'Levi', 'Haddad', 'Farouk', 'Quinn'];
const SECOND = ['Bakery', 'Logistics', 'Dental', 'Consulting', 'Plumbing', 'Roofing', 'Analytics', 'Software', 'Design', 'Studio', 'Foods', 'Farms', 'Brewing', 'Coffee', 'Textiles', 'Motors', 'Freight', 'Marine', 'Aviation', 'Energy', 'Solar', 'Wind', 'Water', 'Health', 'Clinic', 'Pharmacy', 'Labs', 'Robotics', 'Systems', 'Networks', 'Media', 'Publishing', 'Printing', 'Packaging', 'Furniture', 'Interiors', 'Architects', 'Engineering', 'Construction', 'Realty', 'Properties', 'Hotels', 'Travel', 'Events', 'Catering', 'Fitness', 'Yoga', 'Salon', 'Spa', 'Pets', 'Veterinary', 'Toys', 'Books', 'Music', 'Films', 'Games', 'Sports', 'Outdoors', 'Garden', 'Florist', 'Jewelry', 'Optics', 'Audio', 'Electric', 'Hardware', 'Tools', 'Metals', 'Plastics', 'Chemicals', 'Paints', 'Glass', 'Ceramics', 'Security', 'Insurance', 'Capital', 'Partners', 'Advisors', 'Accounting', 'Legal', 'Staffing', 'Recruiting', 'Training', 'Academy', 'School', 'Tutoring', 'Translation', 'Marketing', 'Advertising', 'Research', 'Data', 'Cloud', 'Hosting', 'Telecom', 'Mobile', 'Wireless', 'Drones', 'Bikes', 'Scooters', 'Tires', 'Repairs'];
const THIRD = ['Inc.', 'LLC', 'Ltd', 'GmbH', 'S.A.', 'Co.', 'Group', 'Holdings', 'International', 'Worldwide', '& Sons', '& Daughters', 'Brothers', 'Collective', 'Cooperative', 'Associates', 'Enterprises', 'Industries', 'Company', 'Corporation', 'AG', 'BV', 'Oy', 'AB', 'SAS', 'SRL', 'KK', 'Pty Ltd', 'PLC', 'LLP', 'North', 'South', 'East', 'West', 'Central', 'Europe', 'Americas', 'Asia', 'Pacific', 'Nordic', 'Alpine', 'Atlantic', 'Midwest', 'Coastal', 'Metro', 'City', 'County', 'Valley', 'Bay', 'Highlands', 'One', 'Two', 'Prime', 'Plus', 'Pro', 'Express', 'Direct', 'Online', 'Digital', 'Labs', 'Works', 'Werks', 'House', 'Hub', 'Point', 'Place', 'Square', 'Street', 'Lane', 'Road', 'Bridge', 'Gate', 'Tower', 'Hall', 'Yard', 'Mill', 'Forge', 'Foundry', 'Depot', 'Market', 'Trading', 'Imports', 'Exports', 'Supply', 'Services', 'Solutions', 'Technologies', 'Ventures', 'Global', 'Local', 'Family', 'Heritage', 'Classic', 'Modern', 'Future', 'Next', 'First', 'Premier', 'Royal', 'United'];
const NOTES = ['caught up on renewal', 'sent the quarterly report', 'lunch with their CFO', 'thank-you card for 5 years', 'walked them through the new plan', 'followed up on the invoice question', 'intro to our support lead', 'site visit, met the new team', 'asked how the rollout went', 'shared a case study'];

async function loadChunk(client: pg.Client, lo: number, hi: number): Promise<void> {
  const range = `${Math.trunc(lo)}::bigint, ${Math.trunc(hi)}::bigint`;
  // Per-account facts derived from its touchpoints, by migration 0005's cadence rule, before any row is written.
  await client.query(`drop table if exists pg_temp.gen_agg`);
  await client.query(
    `create temp table gen_agg as
     with t as materialized (select * from bench_gen.touches(${range})),
     inb as (select account_id, max(occurred_at) filter (where inbound) as last_inbound_at from t group by account_id),
     days as (select distinct account_id, (occurred_at at time zone 'UTC')::date as day from t where not inbound),
     recent as (select account_id, day, row_number() over (partition by account_id order by day desc) as rn from days),
     gaps as (select account_id, day - lag(day) over (partition by account_id order by day) as gap from recent where rn <= 12),
     medians as (select account_id, percentile_cont(0.5) within group (order by gap) as median, count(*) as n
                 from gaps where gap is not null group by account_id)
     select inb.account_id, inb.last_inbound_at,
            case when m.n >= 3 then least(180, greatest(7, ceil(1.5 * m.median)))::integer end as cadence_days
     from inb left join medians m using (account_id)`,
  );
  await client.query(`create unique index on pg_temp.gen_agg (account_id)`);
  const now = `timestamptz '${SWEEP_NOW.toISOString()}'`;
  await client.query(
    `insert into accounts (id, name, owner_id, tier, quiet_after_days, status, first_paid_at, last_paid_at, last_touch_at, last_inbound_at,
                           snoozed_until, created_at, updated_at, cadence_days)
     select g.i,
            ($1::text[])[1 + (p % 100)::int] || ' ' || ($2::text[])[1 + ((p / 100) % 100)::int] || ' ' || ($3::text[])[1 + ((p / 10000) % 100)::int],
            bench_gen.owner(g.i),
            case when bench_gen.u(g.i, 4) < 0.07 then 'Gold' when bench_gen.u(g.i, 4) < 0.09 then ' gold' when bench_gen.u(g.i, 4) < 0.20 then 'Silver'
                 when bench_gen.u(g.i, 4) < 0.23 then 'Bronze' end,
            case when bench_gen.u(g.i, 5) < 0.02 then 7 + floor(bench_gen.u(g.i, 6) * 84)::integer end,
            case when bench_gen.u(g.i, 3) < 0.08 then 'churned' else 'active' end,
            case when pc > 0 then bench_gen.last_paid(g.i) - (pc - 1) * interval '30 days' end,
            case when pc > 0 then bench_gen.last_paid(g.i) end,
            l,
            agg.last_inbound_at,
            case when bench_gen.u(g.i, 7) < 0.03 then ${now} + (1 + bench_gen.u(g.i, 8) * 29) * interval '1 day'
                 when bench_gen.u(g.i, 7) < 0.04 then ${now} - (1 + bench_gen.u(g.i, 8) * 60) * interval '1 day' end,
            case when n = 0 then l else l - ((n + 1) * bench_gen.gap_days(g.i) + 10) * interval '1 day' end,
            greatest(l, agg.last_inbound_at),
            agg.cadence_days
     from generate_series(${range}) as g(i)
     cross join lateral (select (g.i * 7919) % 1000000 as p, bench_gen.pay_count(g.i) as pc, bench_gen.last_out(g.i) as l,
                                bench_gen.tp_count(g.i) as n offset 0) as v
     left join pg_temp.gen_agg agg on agg.account_id = g.i
     order by g.i`,
    [FIRST, SECOND, THIRD],
  );
  await client.query(
    `insert into touchpoints (account_id, source, external_id, kind, direction, occurred_at, note, by_owner_id, by_label, created_at)
     select account_id, source, 'bench-' || account_id || '-' || k,
            case when inbound then ($1::text[])[1 + floor(bench_gen.u(x, 6) * 3)::integer]
                 else ($2::text[])[1 + floor(bench_gen.u(x, 6) * 8)::integer] end,
            case when inbound then 'inbound' else 'outbound' end,
            occurred_at,
            case when bench_gen.u(x, 5) < 0.3 then ($3::text[])[1 + floor(bench_gen.u(x, 7) * ${NOTES.length})::integer] end,
            case when source = 'slack' then bench_gen.owner(account_id) end,
            case when source = 'hubspot' then 'HubSpot' end,
            occurred_at
     from (select t.*, t.account_id * 64 + t.k as x,
                  case when not t.inbound and bench_gen.u(t.account_id * 64 + t.k, 4) < 0.5 then 'slack' else 'hubspot' end as source
           from bench_gen.touches(${range}) t offset 0) s
     order by account_id, k`,
    [['email', 'call', 'feedback'], ['email', 'email', 'call', 'call', 'meeting', 'visit', 'gift', 'note'], NOTES],
  );
  await client.query(
    `insert into payments (account_id, source, external_id, amount_minor, currency, paid_at, created_at)
     select g.i, 'stripe', 'bench-p-' || g.i || '-' || m,
            round((5000 + bench_gen.u(g.i, 22) * 495000) * (0.8 + 0.4 * bench_gen.u(g.i * 64 + m, 24)))::bigint,
            case when bench_gen.u(g.i, 23) < 0.9 then 'USD' else 'EUR' end,
            bench_gen.last_paid(g.i) - m * interval '30 days',
            bench_gen.last_paid(g.i) - m * interval '30 days'
     from generate_series(${range}) as g(i)
     cross join lateral generate_series(0, bench_gen.pay_count(g.i) - 1) as s(m)
     order by g.i, m`,
  );
}

interface SecondaryIndex {
  table: string;
  /** Set for an index behind a UNIQUE constraint (dropped and added back as the constraint). */
  constraint: string | null;
  name: string;
  definition: string;
}

/** Every index of the loaded tables except primary keys, as the migrations made them, dropped for the load. */
async function dropSecondaryIndexes(client: pg.Client): Promise<SecondaryIndex[]> {
  const { rows } = await client.query<SecondaryIndex>(
    `select t.relname as table, c.conname as constraint, i.relname as name,
            coalesce(pg_get_constraintdef(c.oid), pg_get_indexdef(i.oid)) as definition
     from pg_index x
     join pg_class i on i.oid = x.indexrelid
     join pg_class t on t.oid = x.indrelid
     left join pg_constraint c on c.conindid = x.indexrelid and c.conrelid = x.indrelid and c.contype in ('u', 'p', 'x')
     where t.relnamespace = 'public'::regnamespace and t.relname = any($1) and not x.indisprimary
     order by t.relname, i.relname`,
    [TABLES],
  );
  for (const index of rows) {
    if (index.constraint !== null) await client.query(`alter table ${index.table} drop constraint ${index.constraint}`);
    else await client.query(`drop index ${index.name}`);
  }
  return rows;
}

async function recreateIndexes(client: pg.Client, indexes: readonly SecondaryIndex[]): Promise<void> {
  for (const index of indexes) {
    if (index.constraint !== null) await client.query(`alter table ${index.table} add constraint ${index.constraint} ${index.definition}`);
    else await client.query(index.definition);
  }
}

/**
 * The accounts' derived columns checked against the touchpoints actually written, on a sample:
 * last_touch_at, last_inbound_at and cadence_days (migration 0005's rule, run on the table).
 */
async function verifySample(client: pg.Client, log: (line: string) => void): Promise<void> {
  const { rows } = await client.query<{ checked: number; bad_touch: number; bad_inbound: number; bad_cadence: number; with_cadence: number }>(
    `with sample as (select id from accounts where id % 997 = 0),
     days as (select distinct t.account_id, (t.occurred_at at time zone 'UTC')::date as day
              from touchpoints t join sample s on s.id = t.account_id where t.direction = 'outbound'),
     recent as (select account_id, day, row_number() over (partition by account_id order by day desc) as rn from days),
     gaps as (select account_id, day - lag(day) over (partition by account_id order by day) as gap from recent where rn <= 12),
     medians as (select account_id, percentile_cont(0.5) within group (order by gap) as median, count(*) as n
                 from gaps where gap is not null group by account_id),
     facts as (select s.id,
                      (select max(occurred_at) from touchpoints t where t.account_id = s.id and t.direction = 'outbound') as last_out,
                      (select max(occurred_at) from touchpoints t where t.account_id = s.id and t.direction = 'inbound') as last_in,
                      (select case when m.n >= 3 then least(180, greatest(7, ceil(1.5 * m.median)))::integer end from medians m where m.account_id = s.id) as cadence
               from sample s)
     select count(*)::int as checked,
            count(*) filter (where f.last_out is not null and f.last_out <> a.last_touch_at or f.last_out is null and a.last_touch_at <> a.created_at)::int as bad_touch,
            count(*) filter (where f.last_in is distinct from a.last_inbound_at)::int as bad_inbound,
            count(*) filter (where f.cadence is distinct from a.cadence_days)::int as bad_cadence,
            count(a.cadence_days)::int as with_cadence
     from facts f join accounts a on a.id = f.id`,
  );
  const r = rows[0]!;
  log(`sweep data: checked ${r.checked} sampled accounts against their touchpoints: ${r.bad_touch} last_touch_at, ${r.bad_inbound} last_inbound_at, ${r.bad_cadence} cadence_days disagree (${r.with_cadence} have a cadence)`);
  if (r.bad_touch + r.bad_inbound + r.bad_cadence > 0) throw new Error('sweep data: the accounts disagree with their touchpoints; the generator is wrong');
}

async function countRows(client: pg.Client): Promise<SweepData['counts']> {
  const { rows } = await client.query<SweepData['counts']>(
    `select (select count(*) from owners)::float8 as owners, (select count(*) from accounts)::float8 as accounts,
            (select count(*) from touchpoints)::float8 as touchpoints, (select count(*) from payments)::float8 as payments`,
  );
  return rows[0]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    },
    strict: true,
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const release = await lockSweepBench(values.postgres, log);
  try {
    const data = await ensureSweepData({ serverUrl: values.postgres, quick: values.quick, fresh: values.fresh, log });
    process.stdout.write(`${JSON.stringify({ database: data.database, generated: data.generated, seconds: Math.round(data.generatorSeconds), ...data.counts })}\n`);
  } finally {
    await release();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`sweep-data: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
