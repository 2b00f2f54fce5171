import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * PGlite does not lock its data directory, and two processes on one directory corrupt it
 * (pglite #1106). A lock file beside the directory, holding the owner's pid, keeps it to one.
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
  readonly path: string;
  release(): void;
}

export function lockPathFor(dir: string): string {
  return `${resolve(dir)}.lock`;
}

export function acquireDirectoryLock(dir: string): DirectoryLock {
  const path = lockPathFor(dir);
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          try {
            if (readOwner(path) === process.pid) unlinkSync(path);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(path);
      if (owner !== null && owner !== process.pid && isAlive(owner)) throw new DatabaseInUseError(dir, owner);
      // A lock left by a process that died (kill -9, a crash, a restarted container): take it over.
      try {
        unlinkSync(path);
      } catch {
        // Another process removed it first; try again.
      }
    }
  }
  const owner = readOwner(path);
  throw new DatabaseInUseError(dir, owner ?? 0);
}

function readOwner(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
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
