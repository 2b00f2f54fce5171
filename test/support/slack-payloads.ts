import { readJsonFixture } from './fixtures.js';
import { slackHeaders } from './signing.js';

/**
 * Slack request bodies built from the real payloads in test/fixtures/slack (see test/fixtures/SOURCES.md),
 * with only the fields a test is about changed: the shapes stay Slack's, not ours.
 */

function fixture<T = Record<string, unknown>>(path: string): T {
  return readJsonFixture<T>(`slack/${path}`);
}

export interface SlackRequest {
  body: string;
  headers: Record<string, string>;
}

function interactive(payload: unknown): SlackRequest {
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return { body, headers: slackHeaders(body) };
}

/** A button click in a channel message (fixture: block_actions_message_button_bolt_python.json). */
export function buttonClick(input: {
  actionId: string;
  value: string;
  userId?: string;
  channelId?: string;
  messageTs?: string;
  responseUrl?: string;
  /** The clicked button's block (default `actions`). */
  blockId?: string;
  /** A button in an ephemeral message (a slash command's answer). */
  ephemeral?: boolean;
}): SlackRequest {
  const payload = fixture<Record<string, any>>('interactivity/block_actions_message_button_bolt_python.json');
  payload.user = { ...payload.user, id: input.userId ?? 'U0REP1', username: 'dana', name: 'dana' };
  payload.container = { ...payload.container, channel_id: input.channelId ?? 'C0CELEBRATE', message_ts: input.messageTs ?? '111.222', is_ephemeral: input.ephemeral ?? false };
  payload.channel = { ...payload.channel, id: input.channelId ?? 'C0CELEBRATE' };
  if (input.responseUrl) payload.response_url = input.responseUrl;
  payload.actions = [{ ...payload.actions[0], action_id: input.actionId, block_id: input.blockId ?? 'actions', value: input.value }];
  return interactive(payload);
}

/**
 * A button clicked inside a modal: the button fixture's action in the envelope Slack sends for a
 * view (container type `view`, the view itself, no channel, message or response_url), with the view
 * taken from the modal fixture (view_submission_sample.json).
 */
export function viewButtonClick(input: { actionId: string; value: string; viewId: string; userId?: string }): SlackRequest {
  const payload = fixture<Record<string, any>>('interactivity/block_actions_message_button_bolt_python.json');
  const modal = fixture<Record<string, any>>('interactivity/view_submission_sample.json');
  payload.user = { ...payload.user, id: input.userId ?? 'U0REP1', username: 'dana', name: 'dana' };
  payload.container = { type: 'view', view_id: input.viewId };
  payload.view = { ...modal.view, id: input.viewId };
  delete payload.channel;
  delete payload.response_url;
  payload.actions = [{ ...payload.actions[0], action_id: input.actionId, block_id: 'actions', value: input.value }];
  return interactive(payload);
}

/**
 * A choice in a select menu of a message: `users_select` (selected_user) or `static_select`
 * (selected_option), in the button fixture's envelope with the element's shape per Slack's docs.
 */
export function selectAction(
  input: { actionId: string; blockId: string; userId?: string; channelId?: string; messageTs?: string; responseUrl?: string } & (
    | { type: 'users_select'; selectedUser: string }
    | { type: 'static_select'; selectedValue: string; selectedText?: string }
  ),
): SlackRequest {
  const payload = fixture<Record<string, any>>('interactivity/block_actions_message_button_bolt_python.json');
  payload.user = { ...payload.user, id: input.userId ?? 'U0REP1', username: 'dana', name: 'dana' };
  payload.container = { ...payload.container, channel_id: input.channelId ?? 'D0REP1', message_ts: input.messageTs ?? '111.222', is_ephemeral: false };
  payload.channel = { ...payload.channel, id: input.channelId ?? 'D0REP1' };
  if (input.responseUrl) payload.response_url = input.responseUrl;
  const { action_ts } = payload.actions[0];
  const element =
    input.type === 'users_select'
      ? { type: 'users_select', selected_user: input.selectedUser }
      : { type: 'static_select', selected_option: { text: { type: 'plain_text', text: input.selectedText ?? input.selectedValue, emoji: true }, value: input.selectedValue } };
  payload.actions = [{ ...element, action_id: input.actionId, block_id: input.blockId, action_ts }];
  return interactive(payload);
}

/** A submitted modal (fixture: view_submission_sample.json), with our callback, metadata and state. */
export function viewSubmission(input: {
  callbackId: string;
  privateMetadata: string;
  values: Record<string, Record<string, unknown>>;
  viewId?: string;
  userId?: string;
}): SlackRequest {
  const payload = fixture<Record<string, any>>('interactivity/view_submission_sample.json');
  payload.user = { ...payload.user, id: input.userId ?? 'U0REP1', username: 'dana', name: 'dana' };
  payload.view = { ...payload.view, id: input.viewId ?? 'V0MODAL1', callback_id: input.callbackId, private_metadata: input.privateMetadata, state: { values: input.values } };
  return interactive(payload);
}

/** A slash command (fixture: slash_command_real_modified.json), form-encoded like Slack sends it. */
export function slashCommand(input: { command: string; text: string; userId?: string; responseUrl?: string; triggerId?: string }): SlackRequest {
  const fields = fixture<Record<string, string>>('slash_commands/slash_command_real_modified.json');
  const params = new URLSearchParams({ ...fields, command: input.command, text: input.text, user_id: input.userId ?? 'U0REP1', user_name: 'dana' });
  if (input.responseUrl) params.set('response_url', input.responseUrl);
  // Slack gives every invocation its own trigger id; the fixture's is one fixed value.
  if (input.triggerId) params.set('trigger_id', input.triggerId);
  const body = params.toString();
  return { body, headers: slackHeaders(body) };
}

/** The Events API envelope for app_home_opened (fixture: app_home_opened_event_callback_real.json). */
export function appHomeOpened(input: { userId: string; eventId?: string }): SlackRequest {
  const payload = fixture<Record<string, any>>('events/app_home_opened_event_callback_real.json');
  payload.event = { ...payload.event, user: input.userId, tab: 'home' };
  payload.event_id = input.eventId ?? `Ev${Date.now()}`;
  const body = JSON.stringify(payload);
  return { body, headers: slackHeaders(body, { contentType: 'application/json' }) };
}

/**
 * An options request from an external_select in a modal (block_suggestion). No fixture has one, so
 * it is built on the modal payload (view_submission_sample.json: team, user, app, view) with the
 * fields Slack documents for block_suggestion: action_id, block_id, value, container.
 */
export function optionsRequest(input: { actionId: string; blockId: string; value: string; userId?: string; viewId?: string }): SlackRequest {
  const base = fixture<Record<string, any>>('interactivity/view_submission_sample.json');
  const viewId = input.viewId ?? 'V0MODAL1';
  const payload = {
    type: 'block_suggestion',
    user: { ...base.user, id: input.userId ?? 'U0REP1', username: 'dana', name: 'dana' },
    container: { type: 'view', view_id: viewId },
    api_app_id: base.api_app_id,
    token: base.token,
    action_id: input.actionId,
    block_id: input.blockId,
    value: input.value,
    team: base.team,
    view: { ...base.view, id: viewId, callback_id: 'touchpoint.log' },
  };
  return interactive(payload);
}
