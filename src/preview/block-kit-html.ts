/**
 * Block Kit as HTML, laid out as Slack lays it out: header, section (text, two-column fields, an
 * accessory on the right), context, divider, actions, image and input blocks, and the elements
 * they hold (buttons in their styles, selects, overflow menus, date pickers, text inputs). Input
 * is whatever JSON the bot stored, so every field is read defensively and a block or element this
 * does not know is named rather than dropped. Controls are drawn, never live: nothing here can
 * be clicked into doing anything.
 */
import { escapeHtml, safeUrl } from '../http/html.js';
import { mrkdwnToHtml, noNames, plainTextToHtml, type NameSource } from './mrkdwn-html.js';

type Json = Record<string, unknown>;

function obj(value: unknown): Json | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : null;
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** A text object (plain_text or mrkdwn) as HTML; empty for anything else. */
export function textObjectHtml(value: unknown, names: NameSource = noNames): string {
  const t = obj(value);
  const text = str(t?.text);
  if (!t || text === null) return '';
  return t.type === 'mrkdwn' ? mrkdwnToHtml(text, names) : plainTextToHtml(text, t.emoji !== false);
}

/** A plain_text label such as a button's or a placeholder's. */
function labelHtml(value: unknown): string {
  const t = obj(value);
  const text = str(t?.text);
  return text === null ? '' : plainTextToHtml(text, t?.emoji !== false);
}

export function blocksHtml(blocks: unknown, names: NameSource = noNames): string {
  return arr(blocks)
    .map((b) => blockHtml(b, names))
    .join('');
}

export function blockHtml(value: unknown, names: NameSource = noNames): string {
  const block = obj(value);
  const type = str(block?.type) ?? '?';
  if (!block) return unknownBlock(type);
  switch (type) {
    case 'header':
      return `<div class="bk-header">${labelHtml(block.text)}</div>`;
    case 'section':
      return sectionHtml(block, names);
    case 'context':
      return `<div class="bk-context">${arr(block.elements)
        .map((e) => contextElementHtml(e, names))
        .join('')}</div>`;
    case 'divider':
      return '<hr class="bk-divider">';
    case 'actions':
      return `<div class="bk-actions">${arr(block.elements)
        .map((e) => `<span class="bk-action">${elementHtml(e, names)}</span>`)
        .join('')}</div>`;
    case 'image':
      return imageBlockHtml(block);
    case 'input':
      return inputBlockHtml(block, names);
    default:
      return unknownBlock(type);
  }
}

function sectionHtml(block: Json, names: NameSource): string {
  const text = block.text === undefined ? '' : `<div class="bk-section-text">${textObjectHtml(block.text, names)}</div>`;
  const fields = arr(block.fields);
  const fieldsHtml = fields.length === 0 ? '' : `<div class="bk-fields">${fields.map((f) => `<div class="bk-field">${textObjectHtml(f, names)}</div>`).join('')}</div>`;
  const accessory = block.accessory === undefined ? '' : `<div class="bk-accessory">${elementHtml(block.accessory, names)}</div>`;
  return `<div class="bk-section"><div class="bk-section-main">${text}${fieldsHtml}</div>${accessory}</div>`;
}

function contextElementHtml(value: unknown, names: NameSource): string {
  const element = obj(value);
  if (element?.type === 'image') return imageHtml(element, 'bk-context-image');
  return `<span class="bk-context-text">${textObjectHtml(element, names)}</span>`;
}

function imageHtml(element: Json, cls: string): string {
  const url = safeUrl(str(element.image_url) ?? '');
  const alt = str(element.alt_text) ?? '';
  // No referrer: the page's address may carry its token.
  if (url) return `<img class="${cls}" src="${escapeHtml(url)}" alt="${escapeHtml(alt)}" referrerpolicy="no-referrer" loading="lazy">`;
  return `<span class="${cls} bk-image-missing" title="${escapeHtml(alt)}">🖼</span>`;
}

function imageBlockHtml(block: Json): string {
  const title = block.title === undefined ? '' : `<div class="bk-image-title">${labelHtml(block.title)}</div>`;
  return `<figure class="bk-image">${title}${imageHtml(block, 'bk-image-img')}</figure>`;
}

function inputBlockHtml(block: Json, names: NameSource): string {
  const optional = block.optional === true ? ' <span class="bk-optional">(optional)</span>' : '';
  const hint = block.hint === undefined ? '' : `<div class="bk-hint">${labelHtml(block.hint)}</div>`;
  return `<div class="bk-input"><div class="bk-input-label">${labelHtml(block.label)}${optional}</div>${elementHtml(block.element, names)}${hint}</div>`;
}

/** An interactive element or an accessory image, drawn as Slack draws it. */
export function elementHtml(value: unknown, names: NameSource = noNames): string {
  const element = obj(value);
  const type = str(element?.type) ?? '?';
  if (!element) return unknownElement(type);
  const actionId = escapeHtml(str(element.action_id) ?? '');
  switch (type) {
    case 'button': {
      const style = element.style === 'primary' || element.style === 'danger' ? ` bk-button-${element.style}` : '';
      return `<span class="bk-button${style}" data-action-id="${actionId}">${labelHtml(element.text)}</span>`;
    }
    case 'static_select':
    case 'external_select': {
      const initial = obj(element.initial_option);
      return selectHtml(initial ? labelHtml(initial.text) : null, element.placeholder, actionId);
    }
    case 'multi_static_select':
    case 'multi_external_select': {
      const chosen = arr(element.initial_options).map((o) => `<span class="bk-chip">${labelHtml(obj(o)?.text)}</span>`);
      return selectHtml(chosen.length > 0 ? chosen.join('') : null, element.placeholder, actionId);
    }
    case 'users_select': {
      const user = str(element.initial_user);
      return selectHtml(user ? `@${escapeHtml(names.userName(user) ?? user)}` : null, element.placeholder, actionId);
    }
    case 'multi_users_select':
    case 'conversations_select':
    case 'channels_select':
    case 'multi_conversations_select':
    case 'multi_channels_select':
      return selectHtml(null, element.placeholder, actionId);
    case 'overflow': {
      const options = arr(element.options)
        .map((o) => str(obj(obj(o)?.text)?.text) ?? '')
        .join(' · ');
      return `<span class="bk-overflow" data-action-id="${actionId}" title="${escapeHtml(options)}">⋮</span>`;
    }
    case 'datepicker': {
      const date = str(element.initial_date);
      return selectHtml(date ? escapeHtml(date) : null, element.placeholder, actionId, 'bk-date');
    }
    case 'timepicker': {
      const time = str(element.initial_time);
      return selectHtml(time ? escapeHtml(time) : null, element.placeholder, actionId, 'bk-time');
    }
    case 'plain_text_input': {
      const initial = str(element.initial_value);
      const shown = initial ? escapeHtml(initial) : `<span class="bk-placeholder">${labelHtml(element.placeholder)}</span>`;
      return `<span class="bk-textinput${element.multiline === true ? ' bk-textinput-multi' : ''}" data-action-id="${actionId}">${shown}</span>`;
    }
    case 'checkboxes':
    case 'radio_buttons': {
      const mark = type === 'checkboxes' ? '☐' : '○';
      const options = arr(element.options)
        .map((o) => `<span class="bk-choice"><span class="bk-choice-mark">${mark}</span>${textObjectHtml(obj(o)?.text, names)}</span>`)
        .join('');
      return `<span class="bk-choices" data-action-id="${actionId}">${options}</span>`;
    }
    case 'image':
      return imageHtml(element, 'bk-accessory-image');
    default:
      return unknownElement(type);
  }
}

function selectHtml(chosen: string | null, placeholder: unknown, actionId: string, extra = ''): string {
  const shown = chosen ?? `<span class="bk-placeholder">${labelHtml(placeholder) || 'Select an item'}</span>`;
  return `<span class="bk-select${extra ? ` ${extra}` : ''}" data-action-id="${actionId}"><span class="bk-select-value">${shown}</span><span class="bk-chevron">⌄</span></span>`;
}

function unknownBlock(type: string): string {
  return `<div class="bk-unknown">${escapeHtml(type)} block (not drawn by the preview)</div>`;
}

function unknownElement(type: string): string {
  return `<span class="bk-unknown">${escapeHtml(type)}</span>`;
}

/** A message as Slack shows it: its blocks, or its text when it has none. */
export function messageHtml(message: { text?: unknown; blocks?: unknown }, names: NameSource = noNames): string {
  const blocks = arr(message.blocks);
  if (blocks.length > 0) return blocksHtml(blocks, names);
  return `<div class="bk-section"><div class="bk-section-main">${mrkdwnToHtml(str(message.text) ?? '', names)}</div></div>`;
}

/** A modal (title bar, blocks, Cancel and Submit) or a Home tab (its blocks, full width). */
export function viewHtml(value: unknown, names: NameSource = noNames): string {
  const view = obj(value);
  if (!view) return unknownBlock('view');
  if (view.type === 'home') return `<div class="bk-home">${blocksHtml(view.blocks, names)}</div>`;
  // Slack's default close button says Cancel.
  const closeHtml = view.close === undefined ? plainTextToHtml('Cancel') : labelHtml(view.close);
  const submit = view.submit === undefined ? '' : `<span class="bk-button bk-button-primary">${labelHtml(view.submit)}</span>`;
  return (
    `<div class="bk-modal"><div class="bk-modal-title"><span>${labelHtml(view.title)}</span><span class="bk-modal-x">✕</span></div>` +
    `<div class="bk-modal-body">${blocksHtml(view.blocks, names)}</div>` +
    `<div class="bk-modal-foot"><span class="bk-button">${closeHtml}</span>${submit}</div></div>`
  );
}
