import type { IncomingMessage, RequestListener } from 'node:http';
import bolt from '@slack/bolt';
import { answerTooLarge, BodyTooLargeError, header, readRawBody, RequestAbortedError, sendJson } from '../http/http-io.js';
import type { RouteHandler } from '../http/server.js';
import type { Logger } from '../log.js';

const { HTTPModuleFunctions, isValidSlackRequest } = bolt;

/**
 * POST /slack/events, in front of Bolt's receiver. The body is read here, under the same 1 MiB
 * limit and readable 413 as the webhooks (Bolt's own limit answers an empty 413 and stops reading,
 * which the sender sees as a reset), then handed to Bolt already buffered: Bolt takes a request
 * with `rawBody` set as read (HTTPModuleFunctions.bufferIncomingMessage) and still checks the
 * signature itself. A correctly signed body that does not parse gets a 400 that says so (Bolt's
 * is empty); everything else — 401s, url_verification, ssl_check, acks — is Bolt's.
 */
export function slackEventsRoute(deps: { signingSecret: string; requestListener: RequestListener; log: Logger }): RouteHandler {
  return async (req, res) => {
    let rawBody: Buffer;
    try {
      rawBody = await readRawBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        deps.log.info({ status: 413 }, 'slack request refused: body too large');
        return answerTooLarge(req, res, error);
      }
      if (error instanceof RequestAbortedError) return;
      throw error;
    }
    const buffered = Object.assign(req, { rawBody });
    const malformed = signedButMalformed(deps.signingSecret, buffered);
    if (malformed) {
      deps.log.info({ status: 400, reason: malformed }, 'slack request refused: malformed body');
      return sendJson(res, 400, { error: malformed });
    }
    deps.requestListener(buffered, res);
  };
}

/** What is wrong with a body that Slack signed but Bolt could not parse, or null. */
function signedButMalformed(signingSecret: string, req: IncomingMessage & { rawBody: Buffer }): string | null {
  const body = req.rawBody.toString('utf8');
  const signed = isValidSlackRequest({
    signingSecret,
    body,
    headers: {
      'x-slack-signature': header(req, 'x-slack-signature') ?? '',
      'x-slack-request-timestamp': Number(header(req, 'x-slack-request-timestamp')),
    },
  });
  if (!signed) return null;
  try {
    HTTPModuleFunctions.parseHTTPRequestBody(req);
    return null;
  } catch (error) {
    const form = req.headers['content-type'] === 'application/x-www-form-urlencoded';
    const what = form ? 'the payload field is not valid JSON' : 'body is not valid JSON';
    return `${what}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
