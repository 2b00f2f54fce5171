import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** The largest body any route accepts (webhooks and Slack alike). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * After a 413, how much more of the upload is read and thrown away, and for how long, before the
 * connection is closed. Reading it lets an ordinary client (Node's fetch, curl) finish sending and
 * read the answer; closing under it makes the client report EPIPE or a reset instead.
 */
export const DISCARD_MAX_BYTES = 16 * 1024 * 1024;
export const DISCARD_MAX_MS = 10_000;

export class BodyTooLargeError extends Error {
  readonly code = 'BODY_TOO_LARGE';
  constructor(
    readonly limit: number,
    /** Bytes already read when the limit was passed (0 when the declared length alone said so). */
    readonly received: number,
  ) {
    super(`body is larger than ${describeBytes(limit)}`);
    this.name = 'BodyTooLargeError';
  }
}

/** The sender went away before its body was complete: there is no one to answer. */
export class RequestAbortedError extends Error {
  readonly code = 'REQUEST_ABORTED';
  constructor() {
    super('the client closed the connection before sending the whole body');
    this.name = 'RequestAbortedError';
  }
}

/**
 * The exact bytes that were signed: signatures are checked over the raw body, never over JSON
 * that was parsed and written out again. Past the limit it stops collecting and rejects with
 * BodyTooLargeError, leaving the request paused but open, so `answerTooLarge` can still answer.
 * (Not `for await`: leaving that loop early destroys the request, and with it the socket.)
 */
export function readRawBody(req: IncomingMessage, limit: number = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit, 0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onFailure);
      req.off('close', onFailure);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stop();
        req.pause();
        reject(new BodyTooLargeError(limit, size));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    const onFailure = () => {
      stop();
      reject(new RequestAbortedError());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onFailure);
    req.on('close', onFailure);
  });
}

/**
 * A 413 the sender can read: the JSON answer goes out at once, with `Connection: close`; the rest of
 * the upload is then read and thrown away in the background (up to DISCARD_MAX_BYTES in all, or
 * DISCARD_MAX_MS) so the sender can finish writing, and only then is the connection closed. Past
 * either bound the socket is closed under the sender: a client that keeps uploading forever gets
 * no more of our time. The caller need not wait: the sender has its answer, and the inbox worker
 * (which gives way to requests being answered) should not wait on a refused upload. The response
 * stays open until then, so a shutdown lets the sender finish (within the same bounds).
 */
export function answerTooLarge(
  req: IncomingMessage,
  res: ServerResponse,
  error: BodyTooLargeError,
  options: {
    /** Another answer than the JSON error (a page for a browser); `connection: close` is added. */
    answer?: { headers: OutgoingHttpHeaders; body: string };
    maxBytes?: number;
    maxMs?: number;
  } = {},
): void {
  const text = options.answer?.body ?? JSON.stringify({ error: error.message });
  const headers = options.answer?.headers ?? { 'content-type': 'application/json; charset=utf-8' };
  if (!res.headersSent) {
    res.writeHead(413, { ...headers, 'content-length': Buffer.byteLength(text), connection: 'close' });
    // Written, not ended: ending now lets Node close the socket while the sender is still writing.
    res.write(text);
  }
  void discardBody(req, (options.maxBytes ?? DISCARD_MAX_BYTES) - error.received, options.maxMs ?? DISCARD_MAX_MS).then((drained) => {
    res.end();
    if (!drained) req.socket.destroySoon();
  });
}

/** Reads and drops the rest of a request. True when it ended within the bounds. */
function discardBody(req: IncomingMessage, maxBytes: number, maxMs: number): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    let seen = 0;
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      if (!ended) req.pause();
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onGone = () => finish(false);
    const timer = setTimeout(() => finish(false), maxMs);
    timer.unref();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
    req.resume();
  });
}

function describeBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
