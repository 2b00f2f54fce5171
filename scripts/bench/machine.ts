import os from 'node:os';
import { readFileSync } from 'node:fs';
import pg from 'pg';

/** What the figures were measured on, printed before them: numbers without a machine mean little. */
export interface Machine {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  postgres: string;
  os: string;
  loadAverage: [number, number, number];
}

export async function describeMachine(adminUrl: string): Promise<Machine> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  let postgres: string;
  try {
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    const settings = await client.query<{ name: string; setting: string }>(
      "select name, setting from pg_settings where name in ('synchronous_commit', 'fsync', 'shared_buffers') order by name",
    );
    postgres = `${rows[0]?.server_version ?? '?'} (${settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ')})`;
  } finally {
    await client.end();
  }
  const [l1, l5, l15] = os.loadavg();
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryBytes: os.totalmem(),
    node: process.version,
    postgres,
    os: `${os.type()} ${os.release()}${containerHint()}`,
    loadAverage: [l1 ?? 0, l5 ?? 0, l15 ?? 0],
  };
}

export function renderMachine(m: Machine): string {
  return [
    `machine: ${m.cores} cores (${m.cpuModel}), ${(m.memoryBytes / 1024 ** 3).toFixed(1)} GiB memory, ${m.os}`,
    `node ${m.node}, PostgreSQL ${m.postgres}`,
    `load average at start: ${m.loadAverage.map((l) => l.toFixed(2)).join(' ')} (other work on the machine skews the figures)`,
  ].join('\n');
}

function containerHint(): string {
  try {
    return /docker|containerd|kubepods/.test(readFileSync('/proc/1/cgroup', 'utf8')) ? ', in a container' : '';
  } catch {
    return '';
  }
}
