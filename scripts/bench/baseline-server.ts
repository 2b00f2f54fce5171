import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import Stripe from 'stripe';
import { verifyGeneric } from '../../src/ingest/generic-signature.js';
import { GENERIC_SECRET, STRIPE_SECRET } from './ingest-payloads.js';

/**
 * The bare baseline the bot's ingest is measured against (DESIGN.md): node:http, the same signature
 * check the bot makes (verifyGeneric for /webhooks/payments, the stripe package's verifyHeader for
 * /webhooks/stripe), and one INSERT … ON CONFLICT DO NOTHING of the raw event through `pg`, with the
 * pool size the bot uses. Nothing else: no validation, no logging, no business rows.
 *
 * Runs as its own process (`node baseline-server.js`), reports its port over IPC, stops on SIGTERM.
 */

export const BASELINE_TABLE = 'bench_baseline_events';

/** Same shape and keys as inbox_events, so the insert costs what the bot's inbox insert costs. */
export const BASELINE_TABLE_DDL = `create table if not exists ${BASELINE_TABLE} (
  id bigserial primary key,
  source text not null,
  event_id text not null,
  event_type text not null,
  raw_body text not null,
  received_at timestamptz not null default now(),
  unique (source, event_id)
)`;

const LIMIT = 1024 * 1024;
const STRIPE_TOLERANCE_SECONDS = 300;

async function main(): Promise<void> {
  const url = process.env['BENCH_DATABASE_URL'];
  if (!url) throw new Error('BENCH_DATABASE_URL is required');
  const pool = new pg.Pool({ connectionString: url, max: Number(process.env['BENCH_POOL_SIZE'] ?? 10) });
  pool.on('error', () => {});
  const stripe = new Stripe('sk_x');
  const insert = `insert into ${BASELINE_TABLE} (source, event_id, event_type, raw_body) values ($1, $2, $3, $4) on conflict (source, event_id) do nothing`;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'GET' && req.url === '/readyz') return reply(res, 200, '{"status":"ready"}');
    if (req.method !== 'POST') return reply(res, 404, '{"error":"no route"}');
    const raw = await readBody(req);
    if (raw === null) return reply(res, 413, '{"error":"too large"}');
    const now = Date.now();
    let source: string;
    let id: string;
    let type: string;
    if (req.url === '/webhooks/payments') {
      const ts = req.headers['x-webhook-timestamp'];
      const sig = req.headers['x-webhook-signature'];
      const verified = verifyGeneric({
        secret: GENERIC_SECRET,
        rawBody: raw,
        timestampHeader: typeof ts === 'string' ? ts : undefined,
        signatureHeader: typeof sig === 'string' ? sig : undefined,
        now: new Date(now),
      });
      if (!verified.ok) return reply(res, 401, '{"error":"signature"}');
      // The id is needed for the unique key; this parse is the one the bot makes too.
      const parsed = JSON.parse(raw.toString('utf8')) as { id?: unknown };
      if (typeof parsed.id !== 'string') return reply(res, 400, '{"error":"id"}');
      source = 'payments';
      id = parsed.id;
      type = 'payment';
    } else if (req.url === '/webhooks/stripe') {
      const sig = req.headers['stripe-signature'];
      if (typeof sig !== 'string') return reply(res, 401, '{"error":"signature"}');
      // The bot's own check: the signature over the raw bytes (verifyHeader), then one parse for the id.
      try {
        stripe.webhooks.signature!.verifyHeader(raw, sig, STRIPE_SECRET, STRIPE_TOLERANCE_SECONDS, undefined, now);
      } catch {
        return reply(res, 401, '{"error":"signature"}');
      }
      const event = JSON.parse(raw.toString('utf8')) as { id?: unknown; type?: unknown };
      if (typeof event.id !== 'string' || typeof event.type !== 'string') return reply(res, 400, '{"error":"id"}');
      source = 'stripe';
      id = event.id;
      type = event.type;
    } else {
      return reply(res, 404, '{"error":"no route"}');
    }
    await pool.query(insert, [source, id, type, raw.toString('utf8')]);
    reply(res, 200, '{"ok":true}');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => reply(res, 500, '{"error":"internal"}'));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send?.({ port: (server.address() as AddressInfo).port });
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => void pool.end().then(() => process.exit(0)));
  });
}

function reply(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > LIMIT) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`baseline server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
