import type { App, BlockButtonAction } from '@slack/bolt';
import { BOARD_DEFAULT, type RepDirection } from '../../domain/top-ten.js';
import { childLogger } from '../../log.js';
import { setArrow } from '../../top/top-answers.js';
import { parseArrowValue, parseBoardBlockId, TOP_DOWN_ACTION, TOP_UP_ACTION } from '../views/top-board.js';
import type { ListenerDeps } from './listener-deps.js';

/**
 * `top.up` / `top.down` on a board: records the rep's arrow (who and when) and redraws the board in
 * place — the weekly direct message through the outbox (chat.update), an ephemeral `/top` answer
 * through its response_url.
 */
export function registerTopArrows(app: App, deps: ListenerDeps): void {
  for (const [actionId, direction] of [
    [TOP_UP_ACTION, 'up'],
    [TOP_DOWN_ACTION, 'down'],
  ] as const) {
    app.action<BlockButtonAction>(actionId, async ({ ack, action, body, respond }) => {
      await ack();
      await answerArrow(deps, { value: action.value, blockId: action.block_id, userId: body.user.id, direction }, respond);
    });
  }
}

type Respond = (message: { response_type?: 'ephemeral'; replace_original?: boolean; text: string; blocks?: unknown[] }) => Promise<unknown>;

async function answerArrow(deps: ListenerDeps, click: { value: string | undefined; blockId: string; userId: string; direction: RepDirection }, respond: Respond): Promise<void> {
  const accountId = parseArrowValue(click.value);
  if (accountId === null) {
    await respond({ response_type: 'ephemeral', replace_original: false, text: 'That button does not name an account; try `/top` again.' });
    return;
  }
  const spec = parseBoardBlockId(click.blockId) ?? { scope: 'mine' as const, limit: BOARD_DEFAULT, week: null };
  const now = deps.clock.now();
  const context = { db: deps.db, rule: { tierDays: deps.quietAfterDaysByTier, defaultDays: deps.quietAfterDays }, tz: deps.tz };
  const outcome = await deps.db.transaction().execute(async (trx) =>
    setArrow({ ...context, db: trx }, { accountId, direction: click.direction, slackUserId: click.userId, spec, now, wallNow: now }),
  );
  if (!outcome.ok) {
    await respond({ response_type: 'ephemeral', replace_original: false, text: 'That account is no longer known to appreciation-bot; `/top` shows the board as it is now.' });
    return;
  }
  childLogger(deps.log, 'slack', { accountId, userId: click.userId }).info({ direction: click.direction, updated: outcome.updated }, 'rep arrow set');
  if (outcome.updated === 'outbox') deps.afterCommit();
  else await respond({ replace_original: true, text: outcome.board.text, blocks: outcome.board.blocks });
}
