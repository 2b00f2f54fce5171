import type { z } from 'zod';

/** Turns a zod failure into the one line a sender needs: where, and what is wrong. */
export function describeZodError(error: z.ZodError, prefix = ''): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid payload';
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; error: string };

export function parseJson(text: string): JsonResult {
  if (text.trim() === '') return { ok: false, error: 'body is empty; expected JSON' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: `body is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}
