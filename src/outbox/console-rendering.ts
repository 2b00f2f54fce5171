import type { MessagePayload } from '../db/schema.js';

/**
 * A readable, plain-text picture of a Block Kit message, close to what Slack would show:
 * mentions as @id, links as their label, escapes undone, buttons in brackets.
 */

interface TextObject {
  type?: string;
  text?: string;
}

interface Block {
  type?: string;
  text?: TextObject;
  fields?: TextObject[];
  elements?: Array<{ type?: string; text?: TextObject | string; action_id?: string; placeholder?: TextObject }>;
  accessory?: { type?: string; text?: TextObject };
}

export function renderForConsole(entry: { action: 'post' | 'update'; channel: string; message: MessagePayload }): string {
  const title = entry.action === 'post' ? `message to ${entry.channel}` : `message in ${entry.channel} rewritten`;
  const lines: string[] = [];
  const blocks = (entry.message.blocks ?? []) as Block[];
  if (blocks.length === 0) lines.push(...display(entry.message.text).split('\n'));
  for (const block of blocks) lines.push(...renderBlock(block));
  const width = Math.min(100, Math.max(title.length + 4, ...lines.map((l) => [...l].length + 4)));
  const rule = '─'.repeat(Math.max(0, width - title.length - 5));
  return [`┌─ ${title} ${rule}┐`, ...lines.map((l) => `│ ${l}`), `└${'─'.repeat(width - 2)}┘`, ''].join('\n');
}

function renderBlock(block: Block): string[] {
  switch (block.type) {
    case 'header':
      // plain_text: Slack shows it as it is, so no mrkdwn decoding here.
      return [`▌ ${block.text?.text ?? ''}`, ''];
    case 'section': {
      const out = block.text?.text ? display(block.text.text).split('\n') : [];
      for (const field of block.fields ?? []) out.push(...display(field.text ?? '').split('\n').map((l) => `  ${l}`));
      if (block.accessory?.type === 'button') out.push(`[ ${display(block.accessory.text?.text ?? '')} ]`);
      return out;
    }
    case 'context':
      return (block.elements ?? []).map((e) => `  · ${display(typeof e.text === 'string' ? e.text : '')}`);
    case 'actions':
      return [
        (block.elements ?? [])
          .map((e) => {
            const label = typeof e.text === 'object' ? e.text?.text : e.placeholder?.text;
            return `[ ${display(label ?? e.action_id ?? '')} ]`;
          })
          .join('  '),
      ];
    case 'divider':
      return ['─'.repeat(20)];
    default:
      return [];
  }
}

/** Undo Slack's escaping and show mentions and links the way Slack renders them. */
function display(mrkdwn: string): string {
  return mrkdwn
    .replace(/<@([UW][A-Z0-9]+)>/g, '@$1')
    .replace(/<#([CG][A-Z0-9]+)(\|[^>]*)?>/g, '#$1')
    .replace(/<!(here|channel|everyone)>/g, '@$1')
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<([^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
