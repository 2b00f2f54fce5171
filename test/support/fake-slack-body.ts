// Decodes a Slack Web API request the way Slack does: form-encoded or JSON body, query string,
// and the token from `Authorization: Bearer …` (or a `token` argument).
import type { IncomingMessage } from 'node:http';

/** Form fields that @slack/web-api sends as JSON strings. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurls', 'user_auth_blocks']);

export async function readRawBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function decodeJsonField(key: string, value: string): unknown {
  if (!JSON_FIELDS.has(key)) return value;
  const trimmed = value.trim();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return value;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return value;
  }
}

export function parseSlackBody(raw: string, contentType: string | undefined, query: URLSearchParams): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of query) body[key] = decodeJsonField(key, value);
  if (raw.length === 0) return body;
  if ((contentType ?? '').toLowerCase().includes('application/json')) {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(body, parsed);
    return body;
  }
  for (const [key, value] of new URLSearchParams(raw)) body[key] = decodeJsonField(key, value);
  return body;
}

/** The bearer token, else a `token` argument; `null` when missing or empty. */
export function tokenOf(req: IncomingMessage, body: Record<string, unknown>): string | null {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(.*)$/i.exec(header.trim());
    const token = match?.[1]?.trim() ?? '';
    if (token.length > 0) return token;
  }
  const fromBody = body['token'];
  return typeof fromBody === 'string' && fromBody.length > 0 ? fromBody : null;
}
