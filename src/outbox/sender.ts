import type { MessagePayload } from '../db/schema.js';

/** Where outbox messages go: Slack's Web API, or the console when no token is configured. */
export interface MessageSender {
  post(channel: string, message: MessagePayload): Promise<SentMessage>;
  update(channel: string, ts: string, message: MessagePayload): Promise<SentMessage>;
}

export interface SentMessage {
  /** The channel Slack put it in (a DM's D… id when posted to a user id). */
  channel: string;
  ts: string;
}

/**
 * Why a send did not go through, in the three kinds the dispatcher treats differently:
 * wait exactly as long as Slack asks, retry later with backoff, or give up and keep the reason.
 */
export type SendFailure =
  | { kind: 'rate_limited'; retryAfterMs: number; reason: string }
  | { kind: 'transient'; reason: string }
  | { kind: 'permanent'; reason: string };

export class SendError extends Error {
  readonly code = 'SEND_FAILED';
  constructor(readonly failure: SendFailure) {
    super(failure.reason);
    this.name = 'SendError';
  }
}
