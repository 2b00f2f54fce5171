// Slack's published Block Kit limits as a zod schema, so a message Slack would refuse
// (invalid_blocks, msg_blocks_too_long) fails a test here first. No validator of Block Kit installs
// from the npm registry (@tightknitai/slack-block-kit-validator answers 404 there), so these are
// written from Slack's reference pages for blocks, composition objects, block elements, views and
// chat.postMessage. Strict objects: a field Slack does not know is a refusal too.
import { z } from 'zod';

const plainText = (max: number) =>
  z.strictObject({ type: z.literal('plain_text'), text: z.string().min(1).max(max), emoji: z.boolean().optional(), verbatim: z.never().optional() });
const mrkdwn = (max: number) => z.strictObject({ type: z.literal('mrkdwn'), text: z.string().min(1).max(max), verbatim: z.boolean().optional() });
const textObject = (max: number) => z.discriminatedUnion('type', [plainText(max), mrkdwn(max)]);

const actionId = z.string().min(1).max(255);
const blockId = z.string().min(1).max(255).optional();
const url = z.string().max(3000);

const option = z.strictObject({
  text: plainText(75),
  value: z.string().min(1).max(150),
  description: plainText(75).optional(),
  url: url.optional(),
});
/** checkboxes and radio buttons take mrkdwn in their options. */
const choiceOption = option.extend({ text: textObject(75) });

const confirm = z.strictObject({ title: plainText(100), text: plainText(300), confirm: plainText(30), deny: plainText(30), style: z.enum(['primary', 'danger']).optional() });

const button = z.strictObject({
  type: z.literal('button'),
  text: plainText(75),
  action_id: actionId.optional(),
  url: url.optional(),
  value: z.string().max(2000).optional(),
  style: z.enum(['primary', 'danger']).optional(),
  confirm: confirm.optional(),
  accessibility_label: z.string().min(1).max(75).optional(),
});

const placeholder = plainText(150).optional();
const staticSelect = z
  .strictObject({
    type: z.literal('static_select'),
    action_id: actionId.optional(),
    placeholder,
    options: z.array(option).min(1).max(100).optional(),
    option_groups: z.array(z.strictObject({ label: plainText(75), options: z.array(option).min(1).max(100) })).min(1).max(100).optional(),
    initial_option: option.optional(),
    confirm: confirm.optional(),
    focus_on_load: z.boolean().optional(),
  })
  .refine((s) => (s.options === undefined) !== (s.option_groups === undefined), 'a static_select has options or option_groups, not both');
const externalSelect = z.strictObject({
  type: z.literal('external_select'),
  action_id: actionId.optional(),
  placeholder,
  initial_option: option.optional(),
  min_query_length: z.number().int().min(0).optional(),
  confirm: confirm.optional(),
  focus_on_load: z.boolean().optional(),
});
const usersSelect = z.strictObject({
  type: z.literal('users_select'),
  action_id: actionId.optional(),
  placeholder,
  initial_user: z.string().regex(/^[UW][A-Z0-9]+$/).optional(),
  confirm: confirm.optional(),
  focus_on_load: z.boolean().optional(),
});
const overflow = z.strictObject({ type: z.literal('overflow'), action_id: actionId.optional(), options: z.array(option).min(1).max(5), confirm: confirm.optional() });
const datepicker = z.strictObject({
  type: z.literal('datepicker'),
  action_id: actionId.optional(),
  placeholder,
  initial_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  confirm: confirm.optional(),
  focus_on_load: z.boolean().optional(),
});
const plainTextInput = z.strictObject({
  type: z.literal('plain_text_input'),
  action_id: actionId.optional(),
  placeholder,
  initial_value: z.string().max(3000).optional(),
  multiline: z.boolean().optional(),
  min_length: z.number().int().min(0).max(3000).optional(),
  max_length: z.number().int().min(1).max(3000).optional(),
  focus_on_load: z.boolean().optional(),
});
const choices = (type: 'checkboxes' | 'radio_buttons') =>
  z.strictObject({
    type: z.literal(type),
    action_id: actionId.optional(),
    options: z.array(choiceOption).min(1).max(10),
    initial_options: z.array(choiceOption).optional(),
    initial_option: choiceOption.optional(),
    confirm: confirm.optional(),
    focus_on_load: z.boolean().optional(),
  });
const imageElement = z.strictObject({ type: z.literal('image'), image_url: url, alt_text: z.string().max(2000) });

const interactive = z.union([button, staticSelect, externalSelect, usersSelect, overflow, datepicker, choices('checkboxes'), choices('radio_buttons')]);
const accessory = z.union([interactive, imageElement]);
const inputElement = z.union([plainTextInput, staticSelect, externalSelect, usersSelect, datepicker, choices('checkboxes'), choices('radio_buttons')]);

const header = z.strictObject({ type: z.literal('header'), block_id: blockId, text: plainText(150) });
const section = z
  .strictObject({
    type: z.literal('section'),
    block_id: blockId,
    text: textObject(3000).optional(),
    fields: z.array(textObject(2000)).min(1).max(10).optional(),
    accessory: accessory.optional(),
    expand: z.boolean().optional(),
  })
  .refine((s) => s.text !== undefined || s.fields !== undefined, 'a section needs text or fields');
const context = z.strictObject({ type: z.literal('context'), block_id: blockId, elements: z.array(z.union([textObject(3000), imageElement])).min(1).max(10) });
const divider = z.strictObject({ type: z.literal('divider'), block_id: blockId });
const actions = z
  .strictObject({ type: z.literal('actions'), block_id: blockId, elements: z.array(interactive).min(1).max(25) })
  .refine((a) => uniqueActionIds(a.elements), 'action_ids repeat within an actions block');
const image = z.strictObject({ type: z.literal('image'), block_id: blockId, image_url: url, alt_text: z.string().max(2000), title: plainText(2000).optional() });
const input = z.strictObject({
  type: z.literal('input'),
  block_id: blockId,
  label: plainText(2000),
  element: inputElement,
  hint: plainText(2000).optional(),
  optional: z.boolean().optional(),
  dispatch_action: z.boolean().optional(),
});

function uniqueActionIds(elements: ReadonlyArray<{ action_id?: string | undefined }>): boolean {
  const ids = elements.map((e) => e.action_id).filter((id) => id !== undefined);
  return new Set(ids).size === ids.length;
}

function uniqueBlockIds(blocks: ReadonlyArray<{ block_id?: string | undefined }>): boolean {
  const ids = blocks.map((b) => b.block_id).filter((id) => id !== undefined);
  return new Set(ids).size === ids.length;
}

const messageBlock = z.union([header, section, context, divider, actions, image]);
const viewBlock = z.union([header, section, context, divider, actions, image, input]);

/**
 * Slack refuses messages with about 12–13k characters of block text (msg_blocks_too_long,
 * bolt-js #2509) without documenting the count; this takes the low end.
 */
const BLOCK_TEXT_LIMIT = 12_000;

function blockTextLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + blockTextLength(v), 0);
  if (value === null || typeof value !== 'object') return 0;
  return Object.entries(value).reduce((n, [k, v]) => n + (k === 'text' && typeof v === 'string' ? v.length : blockTextLength(v)), 0);
}

/** chat.postMessage / chat.update / an ephemeral answer: a text fallback and up to 50 blocks. */
export const slackMessageSchema = z
  .object({
    text: z.string().min(1).max(40_000),
    blocks: z.array(messageBlock).max(50).optional(),
    response_type: z.enum(['ephemeral', 'in_channel']).optional(),
    replace_original: z.boolean().optional(),
  })
  .refine((m) => uniqueBlockIds(m.blocks ?? []), 'block_ids repeat within the message')
  .refine((m) => blockTextLength(m.blocks ?? []) <= BLOCK_TEXT_LIMIT, `more than ${BLOCK_TEXT_LIMIT} characters of block text (msg_blocks_too_long)`);

export const modalViewSchema = z
  .strictObject({
    type: z.literal('modal'),
    title: plainText(24),
    blocks: z.array(viewBlock).max(100),
    close: plainText(24).optional(),
    submit: plainText(24).optional(),
    private_metadata: z.string().max(3000).optional(),
    callback_id: z.string().max(255).optional(),
    clear_on_close: z.boolean().optional(),
    notify_on_close: z.boolean().optional(),
    external_id: z.string().optional(),
    submit_disabled: z.boolean().optional(),
  })
  .refine((v) => uniqueBlockIds(v.blocks), 'block_ids repeat within the view')
  .refine((v) => v.submit !== undefined || !v.blocks.some((b) => b.type === 'input'), 'a modal with input blocks needs a submit button');

export const homeViewSchema = z
  .strictObject({
    type: z.literal('home'),
    blocks: z.array(viewBlock).max(100),
    private_metadata: z.string().max(3000).optional(),
    callback_id: z.string().max(255).optional(),
    external_id: z.string().optional(),
  })
  .refine((v) => uniqueBlockIds(v.blocks), 'block_ids repeat within the view');

/** The problems Slack would report, one line each with the path; [] when Slack would take it. */
export function blockKitProblems(schema: z.ZodType, payload: unknown): string[] {
  const result = schema.safeParse(payload);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}
