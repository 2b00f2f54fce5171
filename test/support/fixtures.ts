// The recorded payloads the tests, the benchmarks and the demo use live in test/fixtures (their
// sources in test/fixtures/SOURCES.md). Found from the repository root so that the same code works
// from test/support under jest and from a compiled copy under dist/.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above `moduleUrl` that holds package.json. */
function repositoryRoot(moduleUrl: string): URL {
  let dir = new URL('./', moduleUrl);
  for (let i = 0; i < 10; i++) {
    if (existsSync(fileURLToPath(new URL('package.json', dir)))) return dir;
    const parent = new URL('../', dir);
    if (parent.href === dir.href) break;
    dir = parent;
  }
  throw new Error(`cannot find the repository root (package.json) above ${moduleUrl}`);
}

/** `test/fixtures/` of this repository, as a URL ending in a slash. */
export function fixturesUrl(moduleUrl: string = import.meta.url): URL {
  return new URL('test/fixtures/', repositoryRoot(moduleUrl));
}

/** The path of one recorded payload, e.g. `fixturePath('stripe/events/event_invoice_paid.json')`. */
export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(relative, fixturesUrl()));
}

/** The text of one recorded payload; a missing file names itself and where fixtures live. */
export function readFixture(relative: string): string {
  const path = fixturePath(relative);
  if (!existsSync(path)) throw new Error(`the recorded payload test/fixtures/${relative} is missing (see test/fixtures/SOURCES.md)`);
  return readFileSync(path, 'utf8');
}

/** One recorded JSON payload, parsed (a fresh object on every call). */
export function readJsonFixture<T = Record<string, unknown>>(relative: string): T {
  return JSON.parse(readFixture(relative)) as T;
}
