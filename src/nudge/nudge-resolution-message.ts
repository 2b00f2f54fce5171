import type { MessagePayload } from '../db/schema.js';
import { escapeAndTruncate, mention } from '../slack/mrkdwn.js';

/** What a nudge message is rewritten to once someone acted on it: who did what, and when. */
export type NudgeResolution =
  | { kind: 'answered'; by: string; what: string }
  | { kind: 'snoozed'; by: string; until: string }
  | { kind: 'reassigned'; by: string; to: string }
  | { kind: 'expired'; reason: string };

export function buildNudgeResolution(accountName: string, resolution: NudgeResolution, when: string): MessagePayload {
  const name = `*${escapeAndTruncate(accountName, 500)}*`;
  let line: string;
  switch (resolution.kind) {
    case 'answered':
      line = `✅ ${mention(resolution.by)} logged ${escapeAndTruncate(resolution.what, 200)} for ${name} on ${when}.`;
      break;
    case 'snoozed':
      line = `😴 ${mention(resolution.by)} snoozed ${name} until ${resolution.until}.`;
      break;
    case 'reassigned':
      line = `🔀 ${mention(resolution.by)} handed ${name} to ${mention(resolution.to)} on ${when}.`;
      break;
    case 'expired':
      line = `✔️ ${name} is active again (${escapeAndTruncate(resolution.reason, 300)}); nothing to do.`;
      break;
    default: {
      const unreachable: never = resolution;
      throw new Error(`unknown resolution ${JSON.stringify(unreachable)}`);
    }
  }
  return { text: line, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: line } }] };
}
