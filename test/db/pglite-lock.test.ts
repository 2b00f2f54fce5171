import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openDatabase } from '../../src/db/database.js';
import { DatabaseInUseError, acquireDirectoryLock, lockPathFor } from '../../src/db/pglite-lock.js';

/** A live process that is not us (the lock only refuses a live owner other than this process). */
function spawnSleeper(): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(()=>{},10000)'], { stdio: 'ignore' });
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('spawn', () => resolvePromise(child as ChildProcess & { pid: number }));
  });
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolvePromise) => child.once('exit', resolvePromise));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

describe('PGlite directory lock', () => {
  let root: string;
  let dir: string;
  let sleeper: (ChildProcess & { pid: number }) | null = null;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ab-lock-'));
  });
  beforeEach(() => {
    dir = join(root, `db-${Math.random().toString(36).slice(2)}`);
  });
  afterAll(async () => {
    if (sleeper && sleeper.exitCode === null) {
      const exited = new Promise((r) => sleeper?.once('exit', r));
      sleeper.kill();
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  });

  const liveOtherPid = async (): Promise<number> => {
    sleeper ??= await spawnSleeper();
    return sleeper.pid;
  };

  it('puts the lock file beside the directory', () => {
    expect(lockPathFor(dir)).toBe(`${resolve(dir)}.lock`);
    expect(lockPathFor(`${dir}/`)).toBe(`${resolve(dir)}.lock`);
  });

  it('acquires: writes our pid in our claim beside the directory; release removes it', () => {
    const lock = acquireDirectoryLock(dir);
    expect(dirname(lock.path)).toBe(lockPathFor(dir));
    expect(readFileSync(lock.path, 'utf8')).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it('creates missing parent folders for the lock file', () => {
    const nested = join(root, 'a', 'b', 'c', 'db');
    const lock = acquireDirectoryLock(nested);
    expect(existsSync(`${nested}.lock`)).toBe(true);
    lock.release();
  });

  it('refuses while a live other process holds it, with the exact message', async () => {
    const pid = await liveOtherPid();
    writeFileSync(lockPathFor(dir), String(pid));
    let caught: unknown;
    try {
      acquireDirectoryLock(dir);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DatabaseInUseError);
    const error = caught as DatabaseInUseError;
    expect(error.message).toBe(`the embedded database at ${dir} is in use by process ${pid}; stop it or set DATABASE_URL`);
    expect(error).toMatchObject({ name: 'DatabaseInUseError', code: 'DATABASE_IN_USE', dir, pid });
    // The holder's lock is left alone.
    expect(readFileSync(lockPathFor(dir), 'utf8')).toBe(String(pid));
  });

  it('openDatabase refuses a pglite directory held by a live other process before starting PGlite', async () => {
    const pid = await liveOtherPid();
    writeFileSync(lockPathFor(dir), String(pid));
    await expect(openDatabase({ kind: 'pglite', dir })).rejects.toThrow(
      new DatabaseInUseError(dir, pid).message,
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('takes over a stale lock left by a dead process', async () => {
    const pid = await deadPid();
    writeFileSync(lockPathFor(dir), String(pid));
    const lock = acquireDirectoryLock(dir);
    expect(readFileSync(lock.path, 'utf8')).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it('takes over a lock file with garbage or nothing in it', () => {
    for (const content of ['', 'not a pid', '-5', '0']) {
      rmSync(lockPathFor(dir), { recursive: true, force: true });
      writeFileSync(lockPathFor(dir), content);
      const lock = acquireDirectoryLock(dir);
      expect(readFileSync(lock.path, 'utf8')).toBe(String(process.pid));
      lock.release();
    }
    // The same inside the folder of claims.
    for (const content of ['', 'not a pid', '0']) {
      rmSync(lockPathFor(dir), { recursive: true, force: true });
      mkdirSync(lockPathFor(dir));
      writeFileSync(join(lockPathFor(dir), '7'), content);
      const lock = acquireDirectoryLock(dir);
      expect(lock.path).toBe(join(lockPathFor(dir), '8'));
      lock.release();
    }
  });

  it('refuses while a live other process holds the highest claim, and sweeps dead claims below a new one', async () => {
    const pid = await liveOtherPid();
    const dead = await deadPid();
    mkdirSync(lockPathFor(dir));
    writeFileSync(join(lockPathFor(dir), '3'), String(dead));
    writeFileSync(join(lockPathFor(dir), '4'), String(pid));
    expect(() => acquireDirectoryLock(dir)).toThrow(new DatabaseInUseError(dir, pid).message);
    rmSync(join(lockPathFor(dir), '4'));
    const lock = acquireDirectoryLock(dir);
    expect(lock.path).toBe(join(lockPathFor(dir), '4'));
    expect(readdirSync(lockPathFor(dir))).toEqual(['4']);
    lock.release();
  });

  it('release leaves alone a lock that another process has since taken', async () => {
    const lock = acquireDirectoryLock(dir);
    const pid = await liveOtherPid();
    writeFileSync(lock.path, String(pid));
    lock.release();
    expect(readFileSync(lock.path, 'utf8')).toBe(String(pid));
    rmSync(lock.path);
  });

  describe('several processes starting at once on a directory whose owner died', () => {
    const lockModule = pathToFileURL(fileURLToPath(new URL('../../dist/src/db/pglite-lock.js', import.meta.url))).href;
    // Each child takes the lock at the same agreed instant (busy-waiting for it, so they really
    // collide), says whether it won, and holds on until told to exit: the winner dies holding it,
    // which leaves the next round a lock whose owner died.
    const child = `
      const { acquireDirectoryLock, DatabaseInUseError } = await import(${JSON.stringify(lockModule)});
      const dir = process.argv[1];
      let buffer = '';
      process.stdin.setEncoding('utf8');
      process.stdin.on('data', (chunk) => {
        buffer += chunk;
        const go = /go (\\d+)\\n/.exec(buffer);
        if (!go) return;
        buffer = '';
        while (Date.now() < Number(go[1])) {}
        try {
          acquireDirectoryLock(dir);
          process.stdout.write('won\\n');
        } catch (error) {
          process.stdout.write((error instanceof DatabaseInUseError ? 'refused ' : 'error ') + error.message + '\\n');
        }
      });
      process.stdin.on('end', () => process.exit(0));
      process.stdout.write('ready\\n');
    `;

    interface Racer {
      process: ChildProcess & { pid: number };
      lines: string[];
      waitFor(count: number): Promise<void>;
    }

    function racer(lockDir: string): Racer {
      const proc = spawn(process.execPath, ['--input-type=module', '-e', child, lockDir], { stdio: ['pipe', 'pipe', 'inherit'] }) as ChildProcess & { pid: number };
      const lines: string[] = [];
      const waiters: Array<() => void> = [];
      let partial = '';
      proc.stdout!.setEncoding('utf8');
      proc.stdout!.on('data', (chunk: string) => {
        partial += chunk;
        const parts = partial.split('\n');
        partial = parts.pop() ?? '';
        lines.push(...parts);
        for (const w of waiters.splice(0)) w();
      });
      return {
        process: proc,
        lines,
        waitFor: (count) =>
          new Promise<void>((done, fail) => {
            const check = () => (lines.length >= count ? done() : proc.exitCode !== null ? fail(new Error(`racer exited: ${lines.join(' | ')}`)) : waiters.push(check));
            check();
          }),
      };
    }

    it('exactly one wins, every other one gets the contract message naming the winner, round after round', async () => {
      const lockDir = join(root, 'raced');
      const racers = 6;
      const rounds = 12;
      // Round one: a plain lock file, as an older version leaves it, whose owner is gone.
      writeFileSync(lockPathFor(lockDir), String(await deadPid()));
      const exit = (r: Racer) =>
        new Promise<void>((done) => {
          if (r.process.exitCode !== null) return done();
          r.process.once('exit', () => done());
          r.process.stdin!.end();
        });
      // A round's losers race again in the next one: the lock keeps nothing in a process, and a
      // refused racer leaves no claim behind, so it is as good as a new one. Only the winner, who
      // dies holding the lock for the next round to find, is replaced (17 processes, not 72).
      const field: Racer[] = [];
      try {
        for (let round = 0; round < rounds; round++) {
          while (field.length < racers) field.push(racer(lockDir));
          await Promise.all(field.map((r) => r.waitFor(1)));
          const before = field.map((r) => r.lines.length);
          const at = Date.now() + 150;
          for (const r of field) r.process.stdin!.write(`go ${at}\n`);
          await Promise.all(field.map((r, i) => r.waitFor(before[i]! + 1)));
          const results = field.map((r, i) => r.lines[before[i]!]!);
          const winners = field.filter((_, i) => results[i] === 'won');
          expect({ round, winners: winners.length }).toEqual({ round, winners: 1 });
          const expected = new DatabaseInUseError(lockDir, winners[0]!.process.pid).message;
          expect(results.filter((line) => line !== 'won')).toEqual(Array.from({ length: racers - 1 }, () => `refused ${expected}`));
          field.splice(field.indexOf(winners[0]!), 1);
          await exit(winners[0]!);
        }
      } finally {
        await Promise.all(field.map(exit));
      }
    }, 120_000);
  });
});
