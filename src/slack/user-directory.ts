import type { WebClient } from '@slack/web-api';
import type { Config } from '../config.js';
import { childLogger, type Logger } from '../log.js';
import { createOutboxWebClient } from '../outbox/slack-sender.js';

/** Finds a teammate's Slack user id from their email (users.lookupByEmail), to mention and DM owners. */
export interface UserDirectory {
  slackIdForEmail(email: string): Promise<string | null>;
  /** The name Slack shows for a user id (users.info), for the preview's @mentions; null when unknown. */
  nameOf?(slackUserId: string): Promise<string | null>;
}

/** Console mode: nobody is on Slack. */
export const noUserDirectory: UserDirectory = { slackIdForEmail: async () => null };

/** Slack's directory when the bot talks to Slack, nobody's in console mode. */
export function configuredDirectory(config: Config, log: Logger): UserDirectory {
  return config.slack.mode === 'api' ? new SlackUserDirectory(createOutboxWebClient(config.slack.botToken, config.slack.apiUrl), childLogger(log, 'slack')) : noUserDirectory;
}

export class SlackUserDirectory implements UserDirectory {
  /** Answers kept briefly; a miss is asked again later (the person may join Slack tomorrow). */
  readonly #cache = new Map<string, { id: string | null; until: number }>();
  readonly #names = new Map<string, { name: string | null; until: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly log: Logger,
    private readonly ttlMs = { found: 60 * 60_000, missing: 5 * 60_000 },
  ) {}

  async slackIdForEmail(email: string): Promise<string | null> {
    const key = email.trim().toLowerCase();
    const cached = this.#cache.get(key);
    if (cached && cached.until > Date.now()) return cached.id;
    try {
      const result = await this.client.users.lookupByEmail({ email: key });
      const id = result.user?.id ?? null;
      this.#cache.set(key, { id, until: Date.now() + (id ? this.ttlMs.found : this.ttlMs.missing) });
      return id;
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (code === 'users_not_found') {
        this.#cache.set(key, { id: null, until: Date.now() + this.ttlMs.missing });
      } else {
        this.log.warn({ err: error }, 'slack user look-up failed; continuing without a mention');
      }
      return null;
    }
  }

  async nameOf(slackUserId: string): Promise<string | null> {
    const cached = this.#names.get(slackUserId);
    if (cached && cached.until > Date.now()) return cached.name;
    try {
      const result = await this.client.users.info({ user: slackUserId });
      const profile = result.user?.profile;
      const name = profile?.display_name?.trim() || profile?.real_name?.trim() || result.user?.name?.trim() || null;
      this.#names.set(slackUserId, { name, until: Date.now() + (name ? this.ttlMs.found : this.ttlMs.missing) });
      return name;
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (code === 'user_not_found') this.#names.set(slackUserId, { name: null, until: Date.now() + this.ttlMs.missing });
      else this.log.warn({ err: error }, 'slack user name look-up failed; showing the id');
      return null;
    }
  }
}
