import type { BenchDatabase } from './bench-database.js';
import { cpuSeconds } from './processes.js';

/** CPU of the PostgreSQL backends serving a bench database, to weigh the server's share of a figure. */

export async function backendPids(db: BenchDatabase): Promise<number[]> {
  const { rows } = await db.pool.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [db.name]);
  return rows.map((r) => r.pid);
}

export function backendCpu(pids: number[]): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    try {
      cpu.set(pid, cpuSeconds(pid));
    } catch {
      // Gone between listing and reading.
    }
  }
  return cpu;
}

/**
 * CPU the backends used between two snapshots: a backend present at both counts its difference, one
 * that appeared during the run (a pool reconnecting) all of its time; one that exited mid-run is lost.
 */
export function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}
