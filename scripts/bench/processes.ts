import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep } from './stats.js';

/**
 * Child processes for the benchmarks. Servers under test run in their own process so the load
 * generator in this one never shares an event loop with them; every child is tracked and ended by
 * its own pid when the benchmark finishes or this process exits.
 */

export const CLI_PATH = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

/**
 * The node flags the bot runs with in production (Dockerfile ENTRYPOINT, `npm start`; README,
 * "Tuning"), so the bench measures the bot as it is deployed. test/unit/node-flags.test.ts holds the
 * three to the same list.
 */
export const BOT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** `cli.js <args>` as production runs it, plus any diagnostic flags (a CPU profile). */
export function spawnBot(args: string[], options: SpawnOptions): NodeChild {
  return spawnNode(CLI_PATH, args, { ...options, nodeFlags: [...BOT_NODE_FLAGS, ...(options.nodeFlags ?? [])] });
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface NodeChild {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Last few KB of stderr, to explain a child that died. */
  stderrTail(): string;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** The first IPC message (children that report their port). */
  firstMessage<T>(timeoutMs: number): Promise<T>;
}

export interface SpawnOptions {
  env: Record<string, string>;
  nodeFlags?: string[];
  /** Open an IPC channel (our own children report their port over it). */
  ipc?: boolean;
}

/** Only what a child needs from our environment: a stray DATABASE_URL or SLACK_BOT_TOKEN must not leak in. */
export function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR'];
  const env: Record<string, string> = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  return env;
}

export function spawnNode(script: string, args: string[], options: SpawnOptions): NodeChild {
  // stdout goes to /dev/null: the bot logs and (console mode) prints messages there, and a pipe we
  // had to drain would cost this process CPU the load generator needs.
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), script, ...args], {
    env: options.env,
    stdio: options.ipc ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'ignore', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  live.add(child);
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  const pid = child.pid;
  return {
    process: child,
    pid,
    stderrTail: () => tail,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    firstMessage<T>(timeoutMs: number) {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${script} sent nothing within ${timeoutMs} ms; stderr: ${tail}`)), timeoutMs);
        child.once('message', (m) => {
          clearTimeout(timer);
          resolve(m as T);
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${script} exited (${code}) before reporting; stderr: ${tail}`));
        });
      });
    },
  };
}

/** A port free right now on 127.0.0.1, for a child that cannot tell us the one it picked. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Polls until `url` answers 200; fails early if the child exits. Polling every 5 ms bounds the error. */
export async function waitFor200(url: string, child: NodeChild, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let gone = false;
  void child.exited.then(() => {
    gone = true;
  });
  while (performance.now() < deadline) {
    if (gone) throw new Error(`the process exited before ${url} answered 200; stderr:\n${child.stderrTail()}`);
    if ((await status(url)) === 200) return;
    await sleep(5);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms; stderr:\n${child.stderrTail()}`);
}

/** Resident memory of a process (VmRSS in /proc/<pid>/status), in bytes. */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 once pid and comm are cut off.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
