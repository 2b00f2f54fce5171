import type { OutboxRow } from '../../../src/db/schema.js';
import { assembleMessages, channelLabel, deliveryOf, formatWhen, userIdsIn } from '../../../src/preview/message-state.js';
import { previewAccess, previewAddress, previewAllows } from '../../../src/preview/preview-access.js';
import { deliveryText } from '../../../src/preview/preview-page.js';

const now = new Date('2026-12-05T14:00:00Z');
const at = (iso: string) => new Date(iso);

function row(overrides: Partial<OutboxRow>): OutboxRow {
  return {
    id: 1,
    dedupe_key: 'k1',
    kind: 'post',
    channel: 'C0CELEBRATE',
    payload: { text: 'v1' },
    update_of: null,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_until: null,
    slack_channel: null,
    slack_ts: null,
    last_error: null,
    created_at: at('2026-12-05T13:00:00Z'),
    updated_at: at('2026-12-05T13:00:00Z'),
    sent_at: null,
    ...overrides,
  };
}

describe('deliveryOf: the status a message shows', () => {
  it.each<[string, Partial<OutboxRow>, string]>([
    ['due and waiting', { status: 'pending' }, 'queued'],
    ['held for quiet hours or a roll-up', { status: 'pending', next_attempt_at: at('2026-12-06T08:00:00Z') }, 'held until Dec 6, 08:00'],
    ['waiting after a failure', { status: 'pending', attempts: 2, last_error: 'HTTP 503 from Slack', next_attempt_at: at('2026-12-05T14:05:00Z') }, 'retrying at 14:05 (HTTP 503 from Slack)'],
    ['being sent', { status: 'sending' }, 'sending'],
    ['sent', { status: 'sent', sent_at: at('2026-12-05T13:01:00Z') }, 'sent 13:01'],
    ['sent last year', { status: 'sent', sent_at: at('2025-12-31T23:59:00Z') }, 'sent Dec 31, 2025, 23:59'],
    ['failed', { status: 'failed', last_error: 'channel_not_found' }, 'failed: channel_not_found'],
  ])('%s', (_, overrides, text) => {
    expect(deliveryText(deliveryOf(row(overrides), now), now, 'UTC')).toBe(text);
  });

  it('reads the time on the team clock', () => {
    expect(formatWhen(at('2026-12-05T23:30:00Z'), now, 'Europe/Berlin')).toBe('Dec 6, 00:30');
  });
});

describe('assembleMessages: posts with their updates', () => {
  const post = row({ id: 10, status: 'sent', sent_at: at('2026-12-05T13:00:05Z') });
  const update = (id: number, text: string, overrides: Partial<OutboxRow> = {}) =>
    row({ id, kind: 'update', update_of: 10, dedupe_key: `u${id}`, payload: { text }, status: 'sent', created_at: at(`2026-12-05T13:${id}:00Z`), ...overrides });

  it('shows the latest update as the message, edited, with what it said before', () => {
    const [m] = assembleMessages([post], [update(11, 'v2'), update(12, 'v3')], now);
    expect(m!.current).toEqual({ text: 'v3' });
    expect(m!.edit).toEqual({ at: at('2026-12-05T13:12:00Z'), delivery: { state: 'sent', at: at('2026-12-05T13:00:00Z') } });
    expect(m!.earlier.map((v) => v.payload.text)).toEqual(['v2', 'v1']);
    expect(m!.delivery.state).toBe('sent');
  });

  it('a failed update is reported, and the message keeps what Slack still shows', () => {
    const [m] = assembleMessages([post], [update(11, 'v2'), update(12, 'v3', { status: 'failed', last_error: 'message_not_found' })], now);
    expect(m!.current).toEqual({ text: 'v2' });
    expect(m!.failedEdits).toEqual([{ at: at('2026-12-05T13:12:00Z'), reason: 'message_not_found' }]);
  });

  it('an unedited message has no edit mark; messages come newest first', () => {
    const list = assembleMessages([row({ id: 3 }), row({ id: 7 })], [], now);
    expect(list.map((m) => m.id)).toEqual([7, 3]);
    expect(list[0]!.edit).toBeNull();
    expect(list[0]!.earlier).toEqual([]);
  });
});

describe('where a message went, and who it names', () => {
  const names = { userName: (id: string) => (id === 'U0DANA' ? 'dana' : null) };
  it.each([
    ['U0DANA', 'Direct message to @dana'],
    ['U0OTHER', 'Direct message to @U0OTHER'],
    ['D0123', 'Direct message'],
    ['C0CELEBRATE', '#C0CELEBRATE'],
    ['#celebrations (console)', '#celebrations (console)'],
  ])('%s', (channel, label) => {
    expect(channelLabel(channel, names)).toBe(label);
  });

  it('collects mentioned and preselected users', () => {
    const ids = userIdsIn([
      { text: '<@U0LEE> and <@W0ENT|ent>', blocks: [{ type: 'actions', elements: [{ type: 'users_select', initial_user: 'U0PAT' }] }] },
      { text: '<@U0OLD> <@U0LEE> &lt;@U0NOT&gt;' },
    ]);
    expect(ids.sort()).toEqual(['U0LEE', 'U0OLD', 'U0PAT', 'W0ENT']);
  });
});

describe('preview access: console open, Slack only with PREVIEW_TOKEN', () => {
  const consoleMode = { slack: { mode: 'console' as const, apiUrl: '', celebrationChannel: '#c', nudgeFallbackChannel: '#c' } };
  const slackMode = { slack: { mode: 'api' as const, botToken: 'xoxb-1', signingSecret: 's', apiUrl: '', celebrationChannel: 'C1', nudgeFallbackChannel: 'C1' } };
  const TOKEN = 'preview-token-0123456789';

  it.each<[string, Parameters<typeof previewAccess>[0], string | null, boolean]>([
    ['console, no token set: open', { ...consoleMode, preview: { token: null } }, null, true],
    ['console, token set: asked for', { ...consoleMode, preview: { token: TOKEN } }, null, false],
    ['console, token set and given', { ...consoleMode, preview: { token: TOKEN } }, TOKEN, true],
    ['Slack, no token set: off', { ...slackMode, preview: { token: null } }, 'anything', false],
    ['Slack, token given', { ...slackMode, preview: { token: TOKEN } }, TOKEN, true],
    ['Slack, wrong token', { ...slackMode, preview: { token: TOKEN } }, 'preview-token-0123456788', false],
    ['Slack, a prefix of the token', { ...slackMode, preview: { token: TOKEN } }, TOKEN.slice(0, 10), false],
    ['Slack, empty token', { ...slackMode, preview: { token: TOKEN } }, '', false],
  ])('%s', (_, config, given, allowed) => {
    expect(previewAllows(previewAccess(config), given)).toBe(allowed);
  });

  it('prints an address without the token itself', () => {
    expect(previewAddress(previewAccess({ ...consoleMode, preview: { token: null } }), 3000)).toBe('http://localhost:3000/preview');
    expect(previewAddress(previewAccess({ ...slackMode, preview: { token: TOKEN } }), 3000)).toBe('http://localhost:3000/preview?token=<PREVIEW_TOKEN>');
    expect(previewAddress(previewAccess({ ...slackMode, preview: { token: null } }), 3000)).toBeNull();
  });
});
