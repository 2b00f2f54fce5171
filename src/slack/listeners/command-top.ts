import type { App } from '@slack/bolt';
import { boardFor } from '../../top/top-answers.js';
import { buildNotice } from '../views/command-answers.js';
import { parseTopText, TOP_USAGE } from '../views/top-board.js';
import { answerCommand } from './command-answer.js';
import type { ListenerDeps } from './listener-deps.js';

/** `/top`, `/top all`, `/top <n>`: the caller's (or the team's) largest accounts with both arrows, ephemeral. */
export function registerTopCommand(app: App, deps: ListenerDeps): void {
  app.command('/top', async ({ command, ack, respond }) => {
    await answerCommand({ ack, respond }, async () => {
      const request = parseTopText(command.text ?? '');
      if (!request.ok) return buildNotice(TOP_USAGE);
      const context = { db: deps.db, rule: { tierDays: deps.quietAfterDaysByTier, defaultDays: deps.quietAfterDays }, tz: deps.tz };
      return boardFor(context, command.user_id, { scope: request.scope, limit: request.limit, week: null }, deps.clock.now());
    });
  });
}
