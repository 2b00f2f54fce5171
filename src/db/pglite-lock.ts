import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * PGlite does not lock its data directory, and two processes on one directory corrupt it
 * (pglite #1106). A lock beside the directory, naming the owner's pid, keeps it to one process.
 *
 * The lock must hold when several processes start at once on a directory whose owner died, so it
 * never depends on removing a file another process may be replacing at that moment (the race of a
 * plain pid file: two processes both see the dead owner, one replaces the lock, the other removes
 * the new lock and writes its own). Instead the lock is a folder of numbered claims, `<dir>.lock/<n>`,
 * each holding its owner's pid and created whole and only once (a hard link from a written file:
 * `link` fails when the name exists). The highest number is the lock:
 * - its owner alive: refused (`the embedded database at … is in use by process …`);
 * - none, or its owner dead: claim the next number. Of processes racing for it exactly one creates
 *   it; the others find it taken, read the winner's pid and are refused.
 * - After claiming, a process looks again and gives its claim up if a higher one exists (a process
 *   that read the folder before a newer claim appeared can only have claimed below it).
 * Claims of dead owners are left where they are until a winner sweeps those below its own.
 */

export class DatabaseInUseError extends Error {
  readonly code = 'DATABASE_IN_USE';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`the embedded database at ${dir} is in use by process ${pid}; stop it or set DATABASE_URL`);
    this.name = 'DatabaseInUseError';
  }
}

export interface DirectoryLock {
  /** This process's claim: the file holding its pid. */
  readonly path: string;
  release(): void;
}

/** The lock beside the data directory (a folder of claims; a plain pid file from an older version is read too). */
export function lockPathFor(dir: string): string {
  return `${resolve(dir)}.lock`;
}

/** Rounds before giving up on a lock that keeps changing hands while we look: never reached in practice. */
const MAX_ROUNDS = 50;

export function acquireDirectoryLock(dir: string): DirectoryLock {
  const path = lockPathFor(dir);
  mkdirSync(dirname(path), { recursive: true });
  let lastOwner = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const legacy = legacyOwner(path);
    if (legacy !== undefined) {
      if (legacy !== null && holds(legacy)) throw new DatabaseInUseError(dir, legacy);
      // A pid file left by an older version whose process is gone: the folder takes its place.
      removeLegacyFile(path);
    }
    mkdirSync(path, { recursive: true });

    const top = highestClaim(path);
    if (top !== null) {
      const owner = readOwner(join(path, String(top)));
      if (owner !== null && holds(owner)) throw new DatabaseInUseError(dir, owner);
      if (owner !== null) lastOwner = owner;
    }
    const mine = (top ?? 0) + 1;
    const claim = join(path, String(mine));
    if (!createWhole(claim, String(process.pid))) continue; // another process took this number: look again
    const above = highestClaim(path);
    if (above !== null && above > mine) {
      // A newer claim appeared meanwhile; it is the lock, not ours.
      unlinkQuietly(claim);
      continue;
    }
    sweepBelow(path, mine);
    return claimHandle(claim);
  }
  throw new DatabaseInUseError(dir, lastOwner);
}

function claimHandle(path: string): DirectoryLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      // Only our own claim: a lock file someone else has since written is theirs.
      if (readOwner(path) === process.pid) unlinkQuietly(path);
    },
  };
}

/**
 * True when `pid` holds the database: a live process other than this one. A claim naming this
 * process's own pid is a previous life of it (a container restarted with the same pid).
 */
function holds(pid: number): boolean {
  return pid !== process.pid && isAlive(pid);
}

/** Creates `path` with `content` complete or not at all; false when the name is taken. */
function createWhole(path: string, content: string): boolean {
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(draft, 'wx');
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkQuietly(draft);
  }
}

function claimNumbers(path: string): number[] {
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return [];
  }
  return names.filter((n) => /^[1-9]\d{0,14}$/.test(n)).map(Number);
}

function highestClaim(path: string): number | null {
  const numbers = claimNumbers(path);
  return numbers.length === 0 ? null : Math.max(...numbers);
}

/** The claims below ours whose owners are gone, and drafts left by processes that died mid-claim. */
function sweepBelow(path: string, mine: number): void {
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return;
  }
  for (const name of names) {
    const claim = /^[1-9]\d{0,14}$/.test(name) ? Number(name) : null;
    if (claim !== null && claim < mine) {
      const owner = readOwner(join(path, name));
      if (owner === null || !holds(owner)) unlinkQuietly(join(path, name));
      continue;
    }
    const draft = /^\d+\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
    if (draft && !holds(Number(draft[1])) && Number(draft[1]) !== process.pid) unlinkQuietly(join(path, name));
  }
}

/** The pid in a plain lock file an older version wrote (null: unreadable), or undefined when the lock is not such a file. */
function legacyOwner(path: string): number | null | undefined {
  try {
    if (!lstatSync(path).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return readOwner(path);
}

function removeLegacyFile(path: string): void {
  try {
    if (lstatSync(path).isFile()) unlinkSync(path);
  } catch {
    // Gone already, or replaced by the folder another process made: either way not a file any more.
  }
}

function readOwner(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to do.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
