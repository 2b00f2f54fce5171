/**
 * Slack's mrkdwn as HTML, by Slack's rules rather than Markdown's: `*bold*`, `_italic_`, `~strike~`
 * only at word edges and within a line; `` `code` `` and ```` ```blocks``` ```` literal; `>` (or the
 * escaped `&gt;`) quoting a line and `>>>` the rest; `<…>` for links, mentions and broadcasts; `&amp;`
 * `&lt;` `&gt;` as the only entities; `:emoji:` shortcodes. No headings, no `[text](url)` links, no
 * `**double**`: Slack shows those as typed, and so does this.
 *
 * Everything is escaped for HTML on the way out; the only markup produced is this module's own.
 */
import { shortcodeAt } from './emoji.js';
import { escapeHtml, safeUrl } from '../http/html.js';

export interface NameSource {
  /** How a user id is shown after the @: their name when the bot knows it, else null. */
  userName(userId: string): string | null;
}

export const noNames: NameSource = { userName: () => null };

type Item = { kind: 'char'; c: string } | { kind: 'node'; html: string };

const MARKERS: Readonly<Record<string, string>> = { '*': 'b', _: 'i', '~': 's' };
/** Nesting beyond this is shown as typed: no real message nests three markers deep, a hostile one could nest thousands. */
const MAX_DEPTH = 8;
const ENTITY = /&(amp|lt|gt);/y;
const ENTITY_CHARS: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>' };
const BULLET_LINE = /^\s*(?:[•◦▪‣●○\-–]|\d{1,3}[.)])\s/;

/** A mrkdwn text object's text as HTML. */
export function mrkdwnToHtml(text: string, names: NameSource = noNames): string {
  const out: string[] = [];
  const fence = /```([\s\S]*?)```/g;
  let last = 0;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    out.push(renderLines(text.slice(last, m.index).replace(/\n$/, ''), names));
    out.push(`<pre class="mk-pre">${escapeHtml(decodeEntities(m[1]!.replace(/^\n/, '').replace(/\n$/, '')))}</pre>`);
    last = fence.lastIndex;
    if (text[last] === '\n') last += 1;
  }
  out.push(renderLines(text.slice(last), names));
  return `<div class="mk">${out.join('')}</div>`;
}

/** A plain_text object's text as HTML: shown as typed, with shortcodes as emoji unless `emoji: false`. */
export function plainTextToHtml(text: string, emoji = true): string {
  let html = '';
  let i = 0;
  while (i < text.length) {
    const colon = emoji ? text.indexOf(':', i) : -1;
    if (colon < 0) break;
    const found = shortcodeAt(text, colon);
    html += escapeHtml(text.slice(i, colon)) + (found ? emojiHtml(found.emoji) : ':');
    i = found ? found.end : colon + 1;
  }
  return `<span class="pt">${html}${escapeHtml(text.slice(i))}</span>`;
}

function renderLines(segment: string, names: NameSource): string {
  if (segment === '') return '';
  const lines = segment.split('\n');
  const out: string[] = [];
  let quote: string[] = [];
  const flushQuote = () => {
    if (quote.length > 0) out.push(`<blockquote class="mk-quote">${quote.map((l) => line(l, names)).join('')}</blockquote>`);
    quote = [];
  };
  for (let n = 0; n < lines.length; n += 1) {
    const raw = lines[n]!;
    const rest = /^(?:>>>|&gt;&gt;&gt;) ?/.exec(raw);
    if (rest) {
      // `>>>` quotes everything after it, to the end of the text (or of the code block).
      quote.push(raw.slice(rest[0].length), ...lines.slice(n + 1));
      break;
    }
    const quoted = /^(?:>|&gt;) ?/.exec(raw);
    if (quoted) {
      quote.push(raw.slice(quoted[0].length));
      continue;
    }
    flushQuote();
    out.push(line(raw, names));
  }
  flushQuote();
  return out.join('');
}

function line(raw: string, names: NameSource): string {
  const html = renderInline(tokenize(raw, names), 0);
  const cls = BULLET_LINE.test(raw) ? 'mk-line mk-li' : 'mk-line';
  return `<div class="${cls}">${html === '' ? '<br>' : html}</div>`;
}

/** Characters, with code spans, `<…>` tokens, entities and shortcodes already turned into finished nodes. */
function tokenize(raw: string, names: NameSource): Item[] {
  const items: Item[] = [];
  let i = 0;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === '`') {
      const close = raw.indexOf('`', i + 1);
      if (close > i + 1) {
        items.push({ kind: 'node', html: `<code class="mk-code">${escapeHtml(decodeEntities(raw.slice(i + 1, close)))}</code>` });
        i = close + 1;
        continue;
      }
    }
    if (c === '<') {
      const close = raw.indexOf('>', i + 1);
      if (close > i + 1) {
        items.push({ kind: 'node', html: angleToken(raw.slice(i + 1, close), names) });
        i = close + 1;
        continue;
      }
    }
    if (c === '&') {
      ENTITY.lastIndex = i;
      const entity = ENTITY.exec(raw);
      if (entity) {
        // A decoded character is text, never markup: `&lt;` cannot open a token or a tag.
        items.push({ kind: 'node', html: escapeHtml(ENTITY_CHARS[entity[1]!]!) });
        i = ENTITY.lastIndex;
        continue;
      }
    }
    if (c === ':') {
      const found = shortcodeAt(raw, i);
      if (found) {
        items.push({ kind: 'node', html: emojiHtml(found.emoji) });
        i = found.end;
        continue;
      }
    }
    items.push({ kind: 'char', c });
    i += 1;
  }
  return items;
}

/** `*`, `_` and `~` pair up only at word edges: `snake_case_name` and `2*3*4` stay as typed. */
function renderInline(items: Item[], depth: number): string {
  let out = '';
  for (let i = 0; i < items.length; i += 1) {
    const item = items[i]!;
    if (item.kind === 'node') {
      out += item.html;
      continue;
    }
    const tag = MARKERS[item.c];
    if (tag && depth < MAX_DEPTH && canOpen(items, i)) {
      const close = findClose(items, i, item.c);
      if (close > 0) {
        out += `<${tag}>${renderInline(items.slice(i + 1, close), depth + 1)}</${tag}>`;
        i = close;
        continue;
      }
    }
    out += escapeHtml(item.c);
  }
  return out;
}

function isSpace(item: Item | undefined): boolean {
  return item?.kind === 'char' && /\s/.test(item.c);
}

function isWordChar(item: Item | undefined): boolean {
  return item?.kind === 'char' && /[\p{L}\p{N}]/u.test(item.c);
}

function canOpen(items: Item[], i: number): boolean {
  const next = items[i + 1];
  const marker = (items[i] as { c: string }).c;
  // A doubled marker opens at its inner one: `**x**` shows one pair of stars around bold x.
  return next !== undefined && !isSpace(next) && !(next.kind === 'char' && next.c === marker) && !isWordChar(items[i - 1]);
}

function findClose(items: Item[], open: number, marker: string): number {
  for (let j = open + 2; j < items.length; j += 1) {
    const item = items[j]!;
    if (item.kind === 'char' && item.c === marker && !isSpace(items[j - 1]) && !isWordChar(items[j + 1])) return j;
  }
  return -1;
}

/** What Slack shows for `<…>`: a mention, a channel, a broadcast (inert here), a dated fallback or a link. */
function angleToken(inner: string, names: NameSource): string {
  const bar = inner.indexOf('|');
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? null : decodeEntities(inner.slice(bar + 1));
  if (target.startsWith('@')) {
    const id = target.slice(1);
    const name = names.userName(id) ?? label ?? id;
    return `<span class="mk-mention" title="${escapeHtml(id)}">@${escapeHtml(name.replace(/^@/, ''))}</span>`;
  }
  if (target.startsWith('#')) {
    const name = label ?? target.slice(1);
    return `<span class="mk-mention">#${escapeHtml(name.replace(/^#/, ''))}</span>`;
  }
  if (target.startsWith('!')) return specialCommand(target.slice(1), label);
  const url = safeUrl(decodeEntities(target));
  const shown = label ?? decodeEntities(target);
  if (!url) return escapeHtml(shown);
  return `<a class="mk-link" href="${escapeHtml(url)}" rel="noopener noreferrer nofollow" target="_blank">${escapeHtml(shown)}</a>`;
}

function specialCommand(command: string, label: string | null): string {
  const [name = '', ...args] = command.split('^');
  switch (name) {
    case 'here':
    case 'channel':
    case 'everyone':
      // Shown as Slack highlights it, as text: the preview pings nobody.
      return `<span class="mk-broadcast">@${name}</span>`;
    case 'subteam':
      return `<span class="mk-mention">@${escapeHtml((label ?? args[0] ?? 'group').replace(/^@/, ''))}</span>`;
    case 'date':
      return escapeHtml(label ?? args[1] ?? '');
    default:
      return escapeHtml(label ?? `<!${command}>`);
  }
}

function emojiHtml(emoji: string): string {
  return `<span class="emoji">${escapeHtml(emoji)}</span>`;
}

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_, name: string) => ENTITY_CHARS[name]!);
}
