// Loads the real Slack Web API response examples from test/fixtures/slack/web-api (their sources
// in test/fixtures/SOURCES.md).
import { readJsonFixture } from './fixtures.js';

export type Json = Record<string, unknown>;

const cache = new Map<string, Json>();

/** A deep copy of `slack/web-api/<name>.json`, e.g. `slackFixture('chat.postMessage')`. */
export function slackFixture(name: string): Json {
  let parsed = cache.get(name);
  if (parsed === undefined) {
    parsed = readJsonFixture<Json>(`slack/web-api/${name}.json`);
    cache.set(name, parsed);
  }
  return structuredClone(parsed);
}

/** `fixture[key]` as an object (deep copy), or `{}`. */
export function slackFixtureObject(name: string, key: string): Json {
  const value = slackFixture(name)[key];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}
