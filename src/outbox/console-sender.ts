import type { Writable } from 'node:stream';
import type { MessagePayload } from '../db/schema.js';
import type { MessageSender, SentMessage } from './sender.js';
import { renderForConsole } from './console-rendering.js';

/** Console mode: what would have gone to Slack, printed readably for whoever runs the bot. */
export class ConsoleSender implements MessageSender {
  #seq = 0;
  constructor(private readonly out: Writable) {}

  async post(channel: string, message: MessagePayload): Promise<SentMessage> {
    const ts = this.nextTs();
    this.out.write(renderForConsole({ action: 'post', channel, message }));
    return { channel, ts };
  }

  async update(channel: string, ts: string, message: MessagePayload): Promise<SentMessage> {
    this.out.write(renderForConsole({ action: 'update', channel, message }));
    return { channel, ts };
  }

  private nextTs(): string {
    this.#seq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.#seq).padStart(6, '0')}`;
  }
}
