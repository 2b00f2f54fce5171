import type { RespondArguments } from '@slack/bolt';

/** What a button or link naming an account deleted since says. */
export const ACCOUNT_GONE = 'That account is no longer known to appreciation-bot.';

/** The reply to a button whose account is gone: to the clicker alone, the message with the button left as it is. */
export function accountGoneReply(): RespondArguments {
  return { response_type: 'ephemeral', replace_original: false, text: ACCOUNT_GONE };
}
