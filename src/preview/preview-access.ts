import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.js';

/**
 * Who may open the preview. Console mode has nothing to hide and no one else on the port: open.
 * With Slack configured the page shows real customers and real people, so it exists only when
 * PREVIEW_TOKEN is set, and answers only to it; a token set in console mode is asked for too.
 */
export type PreviewAccess = { kind: 'off' } | { kind: 'open' } | { kind: 'token'; token: string };

export function previewAccess(config: Pick<Config, 'slack' | 'preview'>): PreviewAccess {
  if (config.preview.token !== null) return { kind: 'token', token: config.preview.token };
  return config.slack.mode === 'console' ? { kind: 'open' } : { kind: 'off' };
}

export function previewAllows(access: PreviewAccess, givenToken: string | null): boolean {
  switch (access.kind) {
    case 'off':
      return false;
    case 'open':
      return true;
    case 'token':
      return givenToken !== null && sameSecret(givenToken, access.token);
  }
}

/** Compared as digests of equal length, in constant time: neither the token nor its length leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The address to print at start; the token itself is never printed or logged. */
export function previewAddress(access: PreviewAccess, port: number): string | null {
  if (access.kind === 'off') return null;
  const base = `http://localhost:${port}/preview`;
  return access.kind === 'token' ? `${base}?token=<PREVIEW_TOKEN>` : base;
}
