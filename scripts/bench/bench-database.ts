import pg from 'pg';

/**
 * A PostgreSQL database of our own for one benchmark run, created at the start and dropped at the
 * end, so runs never see each other's rows and other people's databases are never touched.
 */
export interface BenchDatabase {
  readonly name: string;
  /** URL of the benchmark database (what the bot gets as DATABASE_URL). */
  readonly url: string;
  /** A small pool on it for seeding, resets and checks (not used while a measurement runs). */
  readonly pool: pg.Pool;
  drop(): Promise<void>;
}

export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  // The pid keeps two benchmark runs on one server (two engineers) apart.
  const name = `appreciation_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  pool.on('error', () => {});
  let dropped = false;
  return {
    name,
    url: url.toString(),
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      await pool.end();
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      try {
        await again.query(`drop database if exists ${name} with (force)`);
      } finally {
        await again.end();
      }
    },
  };
}
