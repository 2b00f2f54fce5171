// Loads the real Slack Web API response examples from /work/shared/fixtures/slack/web-api
// (see ../shared/fixtures/SOURCES.md, relative to the repository root) at runtime.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `../shared/fixtures/` next to the repository root, found from this module's own location. */
export function sharedFixturesUrl(moduleUrl: string = import.meta.url): URL {
  // Walk up to the directory holding package.json (works from test/support and from a dist/ copy).
  let dir = new URL('./', moduleUrl);
  for (let i = 0; i < 10; i++) {
    if (existsSync(fileURLToPath(new URL('package.json', dir)))) return new URL('../shared/fixtures/', dir);
    const parent = new URL('../', dir);
    if (parent.href === dir.href) break;
    dir = parent;
  }
  throw new Error(`fake-slack: cannot find the repository root (package.json) above ${moduleUrl}`);
}

export type Json = Record<string, unknown>;

const cache = new Map<string, Json>();

/** A deep copy of `slack/web-api/<name>.json`, e.g. `slackFixture('chat.postMessage')`. */
export function slackFixture(name: string): Json {
  let parsed = cache.get(name);
  if (parsed === undefined) {
    const url = new URL(`slack/web-api/${name}.json`, sharedFixturesUrl());
    parsed = JSON.parse(readFileSync(url, 'utf8')) as Json;
    cache.set(name, parsed);
  }
  return structuredClone(parsed);
}

/** `fixture[key]` as an object (deep copy), or `{}`. */
export function slackFixtureObject(name: string, key: string): Json {
  const value = slackFixture(name)[key];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}
