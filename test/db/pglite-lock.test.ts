import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

  it('acquires: writes our pid in the lock file; release removes it', () => {
    const lock = acquireDirectoryLock(dir);
    expect(lock.path).toBe(lockPathFor(dir));
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
      writeFileSync(lockPathFor(dir), content);
      const lock = acquireDirectoryLock(dir);
      expect(readFileSync(lock.path, 'utf8')).toBe(String(process.pid));
      lock.release();
    }
  });

  it('release leaves alone a lock that another process has since taken', async () => {
    const lock = acquireDirectoryLock(dir);
    const pid = await liveOtherPid();
    writeFileSync(lock.path, String(pid));
    lock.release();
    expect(readFileSync(lock.path, 'utf8')).toBe(String(pid));
    rmSync(lock.path);
  });
});
