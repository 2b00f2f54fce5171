import type { RequestListener } from 'node:http';
import bolt from '@slack/bolt';
import type { Logger } from '../log.js';
import { boltLogger } from './bolt-logger.js';

const { App, HTTPReceiver } = bolt;
export type BoltApp = InstanceType<typeof App>;

export interface SlackApiConfig {
  botToken: string;
  signingSecret: string;
  apiUrl: string;
}

/**
 * Bolt handles everything Slack sends to /slack/events: signature checks (401 for a bad or stale
 * one), url_verification, acks. Its receiver is mounted in our own HTTP server rather than started
 * on a port of its own.
 */
export function createBoltApp(slack: SlackApiConfig, log: Logger): { app: BoltApp; requestListener: RequestListener } {
  const logger = boltLogger(log);
  const receiver = new HTTPReceiver({
    signingSecret: slack.signingSecret,
    endpoints: '/slack/events',
    processBeforeResponse: false,
    logger,
    bodyLimit: 1024 * 1024,
  });
  const app = new App({
    receiver,
    logger,
    // A fixed authorize skips the auth.test call Bolt makes at start, which would hang without network.
    authorize: async () => ({ botToken: slack.botToken }),
    clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1_000 }, timeout: 2_500 },
    extendedErrorHandler: true,
  });
  const onError = async ({ error, body }: { error: Error; body?: unknown }): Promise<void> => {
    const b = body as { type?: string; command?: string; actions?: Array<{ action_id?: string }>; view?: { callback_id?: string } } | undefined;
    log.error(
      { err: error, requestType: b?.type, command: b?.command, actionId: b?.actions?.[0]?.action_id, callbackId: b?.view?.callback_id },
      'slack request handler failed',
    );
  };
  // With extendedErrorHandler Bolt passes { error, body, context }; its types do not follow the flag.
  app.error(onError as never);
  return { app, requestListener: receiver.requestListener };
}
