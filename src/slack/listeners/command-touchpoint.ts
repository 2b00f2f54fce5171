import type { App, SlashCommand } from '@slack/bolt';
import { childLogger } from '../../log.js';
import { logCommandTouchpoint } from '../../touchpoints/log-command-touchpoint.js';
import { resolveTouchpointCommand } from '../../touchpoints/resolve-touchpoint-command.js';
import { parseTouchpointCommand } from '../../touchpoints/touchpoint-command.js';
import { buildNoAccountMatch, buildNotice, buildTouchpointChoices, buildTouchpointLogged, TOUCHPOINT_USAGE, type EphemeralAnswer } from '../views/command-answers.js';
import { answerCommand } from './command-answer.js';
import type { ListenerDeps } from './listener-deps.js';
import { openTouchpointModal } from './open-touchpoint-modal.js';

/**
 * `/touchpoint acme call caught up on renewal` logs an outbound touchpoint by the caller now;
 * `/touchpoint` alone opens the modal with an account picker.
 */
export function registerTouchpointCommand(app: App, deps: ListenerDeps): void {
  app.command('/touchpoint', async ({ command, ack, respond, client }) => {
    if (command.text.trim() === '') {
      // The trigger id is only good for 3 s: acknowledge and open at once, no database on the way.
      await ack();
      await openTouchpointModal(client, command.trigger_id, { account: null, purpose: { kind: 'command' }, defaultKind: 'call', userId: command.user_id }, deps);
      return;
    }
    await answerCommand({ ack, respond }, () => touchpointAnswer(deps, command));
  });
}

async function touchpointAnswer(deps: ListenerDeps, command: SlashCommand): Promise<EphemeralAnswer> {
  const parsed = parseTouchpointCommand(command.text);
  if (!parsed.ok) return buildNotice(`${parsed.error}\nUsage: ${TOUCHPOINT_USAGE}`);
  const resolution = await resolveTouchpointCommand(deps.db, parsed.readings, parsed.explicitKind);
  const { reading } = resolution;
  switch (resolution.kind) {
    case 'found': {
      const now = deps.clock.now();
      const log = childLogger(deps.log, 'slack', { command: '/touchpoint', userId: command.user_id, accountId: resolution.account.id });
      const recorded = await logCommandTouchpoint(
        deps.db,
        {
          accountId: resolution.account.id,
          kind: reading.kind,
          note: reading.note,
          slackUserId: command.user_id,
          userName: command.user_name || null,
          // One command, one trigger id: a retried request finds its touchpoint already there.
          externalId: `command:${command.trigger_id}`,
        },
        { now, log },
      );
      return buildTouchpointLogged({ account: resolution.account, kind: reading.kind, note: reading.note, repeat: !recorded, offerFeedbackLink: deps.feedback !== null });
    }
    case 'ambiguous':
      return buildTouchpointChoices({ typed: reading.name, choices: resolution.choices, more: resolution.more, kind: reading.kind, note: reading.note });
    case 'none':
      return buildNoAccountMatch({ typed: reading.name, suggestions: resolution.suggestions, usage: `Usage: ${TOUCHPOINT_USAGE}` });
  }
}
