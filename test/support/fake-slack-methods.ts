// The answers of the fake Slack Web API, built from Slack's own response examples
// (test/fixtures/slack/web-api/*.json).
import { blockKitProblems, homeViewSchema, modalViewSchema, slackMessageSchema } from './block-kit-schema.js';
import { slackFixture, slackFixtureObject, type Json } from './fake-slack-fixtures.js';

export interface FakeSlackUser {
  id: string;
  email?: string;
  name?: string;
  realName?: string;
}

/** Mutable state shared by the method handlers of one fake. */
export class FakeSlackState {
  private tsSeq = 0;
  private viewSeq = 0;

  constructor(public users: FakeSlackUser[]) {}

  /** Unique, increasing message ts: "1700000000.000100", "1700000000.000200", … */
  nextTs(): string {
    this.tsSeq += 1;
    const micros = 1_700_000_000_000_000 + this.tsSeq * 100;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  nextViewId(): string {
    this.viewSeq += 1;
    return `VFAKE${String(this.viewSeq).padStart(6, '0')}`;
  }
}

export type MethodHandler = (body: Record<string, unknown>, state: FakeSlackState) => Json;

export function slackError(error: string, extra: Json = {}): Json {
  return { ok: false, error, ...extra };
}

/** Slack answers a post to a user id (U…/W…) in the DM channel with that user: D + the rest of the id. */
export function resolveChannel(channel: string): string {
  return /^[UW][A-Z0-9]+$/.test(channel) ? `D${channel.slice(1)}` : channel;
}

function str(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function obj(value: unknown): Json | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Json;
  if (typeof value === 'string') {
    try {
      return obj(JSON.parse(value) as unknown);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Slack refuses blocks outside its limits with invalid_blocks, naming what is wrong; so does the
 * fake (test/support/block-kit-schema.ts), so a message Slack would refuse fails the test that sent it.
 */
function invalidBlocks(body: Record<string, unknown>): Json | null {
  if (body['blocks'] === undefined) return null;
  const blocks = typeof body['blocks'] === 'string' ? parseJson(body['blocks']) : body['blocks'];
  const problems = blockKitProblems(slackMessageSchema, { text: str(body, 'text') ?? '', blocks });
  return problems.length === 0 ? null : slackError('invalid_blocks', { errors: problems, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
}

function invalidView(view: Json): Json | null {
  const problems = blockKitProblems(view['type'] === 'home' ? homeViewSchema : modalViewSchema, view);
  return problems.length === 0 ? null : slackError('invalid_arguments', { response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function hasContent(body: Record<string, unknown>): boolean {
  return str(body, 'text') !== undefined || body['blocks'] !== undefined || body['attachments'] !== undefined;
}

function userObject(user: FakeSlackUser, template: string): Json {
  const base = slackFixtureObject(template, 'user');
  const profile = obj(base['profile']) ?? {};
  const name = user.name ?? user.email?.split('@')[0] ?? user.id.toLowerCase();
  const realName = user.realName ?? name;
  return {
    ...base,
    id: user.id,
    name,
    real_name: realName,
    profile: {
      ...profile,
      email: user.email,
      real_name: realName,
      real_name_normalized: realName,
      display_name: name,
      display_name_normalized: name,
    },
  };
}

function messageFrom(body: Record<string, unknown>, ts: string, template: Json): Json {
  const { attachments: _ignored, ...rest } = template;
  const message: Json = { ...rest, text: str(body, 'text') ?? '', ts };
  for (const key of ['blocks', 'attachments', 'thread_ts', 'metadata'] as const) {
    if (body[key] !== undefined) message[key] = body[key];
  }
  return message;
}

function viewFrom(body: Record<string, unknown>, template: string, id: string, extra: Json = {}): Json {
  // Keep the fixture's envelope (app_id, bot_id, team_id, flags), not its example content.
  const { blocks: _b, title: _t, submit: _s, close: _c, ...envelope } = slackFixtureObject(template, 'view');
  const view = obj(body['view']) ?? {};
  return {
    ...envelope,
    blocks: [],
    submit: null,
    close: null,
    ...view,
    ...extra,
    id,
    root_view_id: id,
    hash: `${Date.now()}.${id}`,
    state: { values: {} },
    private_metadata: typeof view['private_metadata'] === 'string' ? view['private_metadata'] : '',
    callback_id: typeof view['callback_id'] === 'string' ? view['callback_id'] : '',
    external_id: typeof view['external_id'] === 'string' ? view['external_id'] : '',
  };
}

function openView(body: Record<string, unknown>, state: FakeSlackState): Json {
  if (str(body, 'trigger_id') === undefined && str(body, 'interactivity_pointer') === undefined) {
    return slackError('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] } });
  }
  const view = obj(body['view']);
  if (view === undefined) return slackError('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: view'] } });
  return invalidView(view) ?? { ok: true, view: viewFrom(body, 'views.open', state.nextViewId()) };
}

export const methodHandlers: Record<string, MethodHandler> = {
  'auth.test': () => slackFixture('auth.test'),

  'chat.postMessage': (body, state) => {
    const channel = str(body, 'channel');
    if (channel === undefined) return slackError('channel_not_found');
    if (!hasContent(body)) return slackError('no_text');
    const refused = invalidBlocks(body);
    if (refused) return refused;
    const ts = state.nextTs();
    const template = slackFixtureObject('chat.postMessage', 'message');
    return { ok: true, channel: resolveChannel(channel), ts, message: messageFrom(body, ts, template) };
  },

  'chat.update': (body) => {
    const channel = str(body, 'channel');
    const ts = str(body, 'ts');
    if (channel === undefined) return slackError('channel_not_found');
    if (ts === undefined) return slackError('message_not_found');
    if (!hasContent(body)) return slackError('no_text');
    const refused = invalidBlocks(body);
    if (refused) return refused;
    const template = slackFixtureObject('chat.update', 'message');
    const { ts: _ignored, ...message } = messageFrom(body, ts, template);
    return { ok: true, channel: resolveChannel(channel), ts, text: str(body, 'text') ?? '', message };
  },

  'chat.postEphemeral': (body, state) => {
    if (str(body, 'channel') === undefined) return slackError('channel_not_found');
    if (str(body, 'user') === undefined) return slackError('user_not_in_channel');
    if (!hasContent(body)) return slackError('no_text');
    return { ...slackFixture('chat.postEphemeral'), message_ts: state.nextTs() };
  },

  'chat.getPermalink': (body) => {
    const channel = str(body, 'channel');
    const ts = str(body, 'message_ts');
    if (channel === undefined) return slackError('channel_not_found');
    if (ts === undefined) return slackError('message_not_found');
    return { ok: true, channel, permalink: `https://fake-workspace.slack.com/archives/${channel}/p${ts.replace('.', '')}` };
  },

  'conversations.open': (body) => {
    const channel = str(body, 'channel');
    if (channel !== undefined) return { ...slackFixture('conversations.open'), channel: { id: channel } };
    const users = (str(body, 'users') ?? '').split(',').map((u) => u.trim()).filter((u) => u.length > 0);
    const first = users[0];
    if (first === undefined) return slackError('users_list_not_supplied');
    const id = users.length === 1 ? resolveChannel(first) : `G${users.map((u) => u.slice(1)).join('').slice(0, 10)}`;
    return { ...slackFixture('conversations.open'), channel: { id } };
  },

  'users.lookupByEmail': (body, state) => {
    const email = str(body, 'email')?.toLowerCase();
    const user = email === undefined ? undefined : state.users.find((u) => u.email?.toLowerCase() === email);
    if (user === undefined) return slackFixture('users.lookupByEmail.error');
    return { ok: true, user: userObject(user, 'users.lookupByEmail') };
  },

  'users.info': (body, state) => {
    const id = str(body, 'user');
    const user = state.users.find((u) => u.id === id);
    if (user === undefined) return slackFixture('users.info.error');
    return { ok: true, user: userObject(user, 'users.info') };
  },

  'views.open': openView,
  'views.push': openView,

  'views.update': (body, state) => {
    if (obj(body['view']) === undefined) return slackError('invalid_arguments');
    const id = str(body, 'view_id') ?? state.nextViewId();
    return { ok: true, view: viewFrom(body, 'views.open', id) };
  },

  'views.publish': (body, state) => {
    if (str(body, 'user_id') === undefined) return slackFixture('views.publish.error');
    const view = obj(body['view']);
    if (view === undefined) return slackError('invalid_arguments');
    return invalidView(view) ?? { ok: true, view: viewFrom(body, 'views.publish', state.nextViewId(), { type: 'home' }) };
  },
};
