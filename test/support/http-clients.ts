// Ordinary HTTP clients, as senders use them: Node's fetch (undici) and node:http, each sending a
// body with Content-Length or chunked. Used where what matters is what a real client sees — a
// readable answer, or a network error — rather than what the server meant to send.
import { request } from 'node:http';

export type ClientKind = 'fetch' | 'node:http';
export type Framing = 'content-length' | 'chunked';

export interface ClientAnswer {
  status: number;
  text: string;
  headers: Record<string, string>;
}

const PIECE = 64 * 1024;

/** POSTs `body` with the given client and framing; rejects only when the client itself fails. */
export function sendWith(client: ClientKind, framing: Framing, url: string, body: Buffer, headers: Record<string, string>): Promise<ClientAnswer> {
  return client === 'fetch' ? viaFetch(framing, url, body, headers) : viaNodeHttp(framing, url, body, headers);
}

async function viaFetch(framing: Framing, url: string, body: Buffer, headers: Record<string, string>): Promise<ClientAnswer> {
  // A stream body makes undici send it chunked; a Buffer goes out with its Content-Length.
  const init: RequestInit & { duplex?: 'half' } =
    framing === 'chunked'
      ? {
          method: 'POST',
          headers,
          duplex: 'half',
          body: new ReadableStream<Uint8Array>({
            start(controller) {
              for (let offset = 0; offset < body.length; offset += PIECE) controller.enqueue(body.subarray(offset, offset + PIECE));
              controller.close();
            },
          }),
        }
      : { method: 'POST', headers, body };
  const res = await fetch(url, init);
  return { status: res.status, text: await res.text(), headers: Object.fromEntries(res.headers.entries()) };
}

function viaNodeHttp(framing: Framing, url: string, body: Buffer, headers: Record<string, string>): Promise<ClientAnswer> {
  return new Promise((resolve, reject) => {
    const framed = framing === 'chunked' ? { ...headers, 'transfer-encoding': 'chunked' } : { ...headers, 'content-length': String(body.length) };
    const req = request(url, { method: 'POST', headers: framed }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: flatten(res.headers) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    let offset = 0;
    const writeMore = () => {
      while (offset < body.length) {
        const piece = body.subarray(offset, offset + PIECE);
        offset += PIECE;
        if (!req.write(piece)) return void req.once('drain', writeMore);
      }
      req.end();
    };
    writeMore();
  });
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
