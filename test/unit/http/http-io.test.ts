// readRawBody and answerTooLarge on a real node:http server, driven over raw TCP so the test sees
// exactly what a sender sees: the answer's bytes, and when (and how) the connection is closed.
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { answerTooLarge, BodyTooLargeError, readRawBody, RequestAbortedError, sendJson } from '../../../src/http/http-io.js';

const KiB = 1024;
const MiB = 1024 * KiB;

interface Outcome {
  /** Everything the server sent back. */
  response: string;
  /** Body bytes the client managed to write before the server closed the connection. */
  written: number;
  /** How the connection ended: the server's FIN after the whole upload, or a reset under it. */
  ended: 'end' | 'error';
}

/**
 * Sends a request head declaring `declared` bytes (or none: chunked), then writes up to `send`
 * bytes of body as fast as the socket takes them (nothing more after `stallAfter`), until the
 * server closes the connection.
 */
function rawUpload(port: number, options: { declared: number | 'chunked'; send: number; stallAfter?: number }): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let response = '';
    let written = 0;
    let done = false;
    const finish = (ended: Outcome['ended']) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ response, written, ended });
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('end', () => finish('end'));
    socket.on('error', () => finish('error'));
    socket.on('close', () => finish('end'));
    const chunked = options.declared === 'chunked';
    const framing = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${options.declared}`;
    socket.write(`POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`);
    const limit = Math.min(options.send, options.stallAfter ?? Infinity);
    const piece = Buffer.alloc(64 * KiB, 'x');
    const writeMore = () => {
      while (!done && written < limit) {
        const n = Math.min(piece.length, limit - written);
        written += n;
        const body = piece.subarray(0, n);
        const more = socket.write(chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), body, Buffer.from('\r\n')]) : body);
        if (!more) return void socket.once('drain', writeMore);
      }
      if (chunked && !done && written === options.send) socket.write('0\r\n\r\n');
    };
    writeMore();
  });
}

describe('readRawBody and answerTooLarge', () => {
  let server: Server;
  let port: number;
  const seen: Array<{ ok: true; bytes: number } | { ok: false; error: unknown }> = [];
  let bounds: { maxBytes: number; maxMs: number } = { maxBytes: 4 * MiB, maxMs: 10_000 };

  beforeAll(async () => {
    server = createServer((req, res) => {
      readRawBody(req, 1 * MiB).then(
        (body) => {
          seen.push({ ok: true, bytes: body.length });
          sendJson(res, 200, { bytes: body.length });
        },
        (error: unknown) => {
          seen.push({ ok: false, error });
          if (error instanceof BodyTooLargeError) answerTooLarge(req, res, error, bounds);
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(() => {
    seen.length = 0;
    bounds = { maxBytes: 4 * MiB, maxMs: 10_000 };
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads a body up to the limit, byte for byte', async () => {
    const outcome = await rawUpload(port, { declared: MiB, send: MiB });
    expect(outcome.response).toMatch(/^HTTP\/1\.1 200 /);
    expect(outcome.response).toContain(`{"bytes":${MiB}}`);
    expect(seen).toEqual([{ ok: true, bytes: MiB }]);
  });

  it('refuses a declared length over the limit before reading, then reads the upload to its end and closes cleanly', async () => {
    const outcome = await rawUpload(port, { declared: 3 * MiB, send: 3 * MiB });
    expect(outcome.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(outcome.response.toLowerCase()).toContain('connection: close');
    expect(outcome.response).toContain('{"error":"body is larger than 1 MiB"}');
    expect(outcome).toMatchObject({ written: 3 * MiB, ended: 'end' });
    const [first] = seen;
    expect(first).toMatchObject({ ok: false });
    expect((first as { error: BodyTooLargeError }).error).toMatchObject({ code: 'BODY_TOO_LARGE', received: 0 });
  });

  it('refuses a chunked body once it passes the limit, counting what was read, then reads it to its end', async () => {
    const outcome = await rawUpload(port, { declared: 'chunked', send: 2 * MiB });
    expect(outcome.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(outcome.response).toContain('{"error":"body is larger than 1 MiB"}');
    expect(outcome).toMatchObject({ written: 2 * MiB, ended: 'end' });
    const error = (seen[0] as { error: BodyTooLargeError }).error;
    expect(error).toBeInstanceOf(BodyTooLargeError);
    expect(error.received).toBeGreaterThan(MiB);
  });

  it('stops reading after the byte bound and closes under a sender that goes on', async () => {
    const outcome = await rawUpload(port, { declared: 64 * MiB, send: 64 * MiB });
    expect(outcome.response).toContain('{"error":"body is larger than 1 MiB"}');
    // The sender could not write it all: the connection was closed once 4 MiB had been thrown away
    // (what sits in socket buffers on the way accounts for the rest).
    expect(outcome.written).toBeLessThan(32 * MiB);
  });

  it('stops waiting after the time bound and closes under a sender that stalls', async () => {
    bounds = { maxBytes: 16 * MiB, maxMs: 200 };
    const outcome = await rawUpload(port, { declared: 2 * MiB, send: 2 * MiB, stallAfter: MiB + 512 * KiB });
    expect(outcome.response).toContain('{"error":"body is larger than 1 MiB"}');
    expect(outcome.written).toBe(MiB + 512 * KiB);
  });

  it('rejects with RequestAbortedError when the sender hangs up mid-body', async () => {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nhalf a body');
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toHaveLength(1);
    expect((seen[0] as { error: unknown }).error).toBeInstanceOf(RequestAbortedError);
  });
});
