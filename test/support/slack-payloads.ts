import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { slackHeaders } from './signing.js';

/**
 * Slack request bodies built from the real payloads in ../shared/fixtures/slack (see SOURCES.md),
 * with only the fields a test is about changed: the shapes stay Slack's, not ours.
 */

const fixtures = fileURLToPath(new URL('../../../shared/fixtures/slack/', import.meta.url));

function fixture<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(`${fixtures}${path}`, 'utf8')) as T;
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
export function buttonClick(input: { actionId: string; value: string; userId?: string; channelId?: string; messageTs?: string; responseUrl?: string }): SlackRequest {
  const payload = fixture<Record<string, any>>('interactivity/block_actions_message_button_bolt_python.json');
  payload.user = { ...payload.user, id: input.userId ?? 'U0REP1', username: 'dana', name: 'dana' };
  payload.container = { ...payload.container, channel_id: input.channelId ?? 'C0CELEBRATE', message_ts: input.messageTs ?? '111.222', is_ephemeral: false };
  payload.channel = { ...payload.channel, id: input.channelId ?? 'C0CELEBRATE' };
  if (input.responseUrl) payload.response_url = input.responseUrl;
  payload.actions = [{ ...payload.actions[0], action_id: input.actionId, block_id: 'actions', value: input.value }];
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
export function slashCommand(input: { command: string; text: string; userId?: string; responseUrl?: string }): SlackRequest {
  const fields = fixture<Record<string, string>>('slash_commands/slash_command_real_modified.json');
  const params = new URLSearchParams({ ...fields, command: input.command, text: input.text, user_id: input.userId ?? 'U0REP1', user_name: 'dana' });
  if (input.responseUrl) params.set('response_url', input.responseUrl);
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
