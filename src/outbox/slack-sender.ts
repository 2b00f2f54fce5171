import { ErrorCode, WebClient, type WebAPICallResult } from '@slack/web-api';
import type { MessagePayload } from '../db/schema.js';
import { SendError, type MessageSender, type SentMessage } from './sender.js';

/**
 * Slack error codes worth another try; every other `ok: false` is permanent (channel_not_found,
 * not_in_channel, invalid_auth, msg_too_long…), kept as failed with its reason rather than retried forever.
 */
const TRANSIENT_PLATFORM_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited', 'team_added_to_org']);

/**
 * A WebClient that fails fast and lets the outbox decide: the default client retries one call for
 * about 30 minutes, can double-post after a network retry, and pauses itself on a 429.
 */
export function createOutboxWebClient(token: string, apiUrl: string): WebClient {
  return new WebClient(token, {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
}

export class SlackSender implements MessageSender {
  constructor(private readonly client: WebClient) {}

  async post(channel: string, message: MessagePayload): Promise<SentMessage> {
    const result = await this.call(() =>
      this.client.chat.postMessage({ channel, text: message.text, ...(message.blocks ? { blocks: message.blocks as never } : {}), unfurl_links: false, unfurl_media: false }),
    );
    return { channel: String(result.channel ?? channel), ts: String(result.ts) };
  }

  async update(channel: string, ts: string, message: MessagePayload): Promise<SentMessage> {
    const result = await this.call(() => this.client.chat.update({ channel, ts, text: message.text, ...(message.blocks ? { blocks: message.blocks as never } : {}) }));
    return { channel: String(result.channel ?? channel), ts: String(result.ts ?? ts) };
  }

  private async call<T extends WebAPICallResult>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw classify(error);
    }
  }
}

export function classify(error: unknown): SendError {
  const e = error as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string }; message?: string };
  switch (e.code) {
    case ErrorCode.RateLimitedError: {
      const seconds = typeof e.retryAfter === 'number' && e.retryAfter > 0 ? e.retryAfter : 1;
      return new SendError({ kind: 'rate_limited', retryAfterMs: seconds * 1000, reason: `ratelimited (retry after ${seconds}s)` });
    }
    case ErrorCode.PlatformError: {
      const code = e.data?.error ?? 'unknown_error';
      return new SendError({ kind: TRANSIENT_PLATFORM_ERRORS.has(code) ? 'transient' : 'permanent', reason: code });
    }
    case ErrorCode.HTTPError:
      return new SendError({
        kind: (e.statusCode ?? 500) >= 500 || e.statusCode === 408 ? 'transient' : 'permanent',
        reason: `HTTP ${e.statusCode ?? '?'} from Slack`,
      });
    case ErrorCode.RequestError:
      return new SendError({ kind: 'transient', reason: `network error: ${e.message ?? 'request failed'}` });
    default:
      return new SendError({ kind: 'transient', reason: e.message ?? String(error) });
  }
}
